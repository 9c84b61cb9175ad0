package org.odmwatcher.workflow;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.odmwatcher.manifest.Engines;
import org.odmwatcher.manifest.ManifestValidator;
import org.odmwatcher.manifest.OdmManifest;
import org.odmwatcher.manifest.OptionCatalogue;
import org.odmwatcher.manifest.OutputRule;

/**
 * Renders a validated manifest as ODM command-line arguments, an argument array (never a shell
 * string): {@code true} booleans become a flag, {@code false} ones are left out (ODM's flags are
 * off by default), everything else becomes {@code --name value}. Outputs that need a switch
 * ({@code dsm}, {@code dtm}, {@code 3d-tiles}) turn it on ({@link OutputRule}).
 */
public final class OdmArguments {
  private final Engines engines;

  public OdmArguments(OptionCatalogue catalogue) {
    this(Engines.odmOnly(catalogue));
  }

  public OdmArguments(Engines engines) {
    this.engines = engines;
  }

  /** The engines whose options this renders (each manifest's own: {@link Engines#of}). */
  public Engines engines() {
    return engines;
  }

  public List<String> render(OdmManifest manifest) {
    OptionCatalogue catalogue = engines.of(manifest).catalogue();
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
    flagsOn.addAll(OutputRule.optionsSwitchedOn(manifest.outputs()));
    List<String> result = new ArrayList<>();
    flagsOn.forEach(flag -> result.add("--" + flag));
    result.addAll(args);
    return result;
  }
}
