package org.odmwatcher.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.odmwatcher.manifest.ManifestValidator;
import org.odmwatcher.manifest.OdmManifest;
import org.odmwatcher.manifest.OptionCatalogue;

/**
 * Renders a validated manifest as ODM command-line arguments, an argument array (never a shell
 * string): {@code true} booleans become a flag, {@code false} ones are left out (ODM's flags are
 * off by default), everything else becomes {@code --name value}. Outputs that need a switch
 * ({@code dsm}, {@code dtm}, {@code 3d-tiles}) turn it on.
 */
public final class OdmArguments {
  private static final Map<String, String> OUTPUT_FLAGS =
      Map.of("dsm", "dsm", "dtm", "dtm", "3d-tiles", "3d-tiles");

  private final OptionCatalogue catalogue;

  public OdmArguments(OptionCatalogue catalogue) {
    this.catalogue = catalogue;
  }

  public List<String> render(OdmManifest manifest) {
    List<String> args = new ArrayList<>();
    Set<String> flagsOn = new LinkedHashSet<>();
    manifest
        .options()
        .forEach(
            (name, value) -> {
              OptionCatalogue.Option option =
                  catalogue
                      .find(name)
                      .orElseThrow(() -> new IllegalArgumentException("unvalidated option " + name));
              if ("bool".equals(option.type())) {
                if (ManifestValidator.isTrue(value)) {
                  flagsOn.add(name);
                }
              } else {
                args.add("--" + name);
                args.add(ManifestValidator.commandLineValue(option, value));
              }
            });
    for (String output : manifest.outputs()) {
      String flag = OUTPUT_FLAGS.get(output);
      if (flag != null) {
        flagsOn.add(flag);
      }
    }
    List<String> result = new ArrayList<>();
    flagsOn.forEach(flag -> result.add("--" + flag));
    result.addAll(args);
    return result;
  }

  /** Whether the value of a bool option is explicitly off while an output needs it on. */
  public static List<String> conflicts(OdmManifest manifest) {
    List<String> errors = new ArrayList<>();
    for (String output : manifest.outputs()) {
      String flag = OUTPUT_FLAGS.get(output);
      JsonNode value = flag == null ? null : manifest.options().get(flag);
      if (value != null && !ManifestValidator.isTrue(value)) {
        errors.add("output '" + output + "' needs option '" + flag + "', which is set to false");
      }
    }
    return errors;
  }
}
