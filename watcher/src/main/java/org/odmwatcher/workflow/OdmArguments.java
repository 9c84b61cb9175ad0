package org.odmwatcher.workflow;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.odmwatcher.manifest.ManifestValidator;
import org.odmwatcher.manifest.OdmManifest;
import org.odmwatcher.manifest.OptionCatalogue;
import org.odmwatcher.manifest.OutputRule;

/**
 * Renders a validated manifest as ODM command-line arguments, an argument array (never a shell
 * string): {@code true} booleans become a flag, {@code false} ones are left out (ODM's flags are
 * off by default), everything else becomes {@code --name value}. Outputs that need a switch
 * ({@code dsm}, {@code dtm}, {@code 3d-tiles}) turn it on ({@link OutputRule}).
 *
 * <p>Cloud Optimized GeoTIFFs by default: {@code --cog} unless the manifest sets {@code "cog":
 * false}, as NodeODM adds it unless {@code skipPostProcessing} (libs/Task.js
 * {@code setPostProcessingOptsSteps}). ODM 3.6.0's own default is off (opendm/config.py); with it
 * the orthophoto and DEMs are converted in place to COGs with overviews (opendm/cogeo.py
 * {@code convert_to_cogeo}), so a browser or QGIS reads a zoomed-out view without the whole file.
 */
public final class OdmArguments {
  /** ODM's option for COG output, on unless a manifest says {@code false}. */
  public static final String COG = "cog";

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
    flagsOn.addAll(OutputRule.optionsSwitchedOn(manifest.outputs()));
    if (!manifest.options().containsKey(COG)) {
      flagsOn.add(COG);
    }
    List<String> result = new ArrayList<>();
    flagsOn.forEach(flag -> result.add("--" + flag));
    result.addAll(args);
    return result;
  }
}
