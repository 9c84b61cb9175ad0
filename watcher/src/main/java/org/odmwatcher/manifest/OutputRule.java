package org.odmwatcher.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one rule between ODM's options and a job's outputs, the same wherever a job runs (a
 * cluster's Workflow, local mode, the NodeODM API), applied when a manifest is built:
 *
 * <ul>
 *   <li>an option that makes ODM write a product adds that product's output: {@code dsm},
 *       {@code dtm} and {@code 3d-tiles} their own, {@code pc-las}, {@code pc-csv}, {@code pc-ept}
 *       and {@code pc-copc} {@code pointcloud};
 *   <li>an output ODM writes only when asked switches its option on ({@code dsm}, {@code dtm},
 *       {@code 3d-tiles}), unless the manifest sets that option to false ({@link #conflicts});
 *   <li>each output is a set of paths of ODM's project (ODM 3.6.0 {@code opendm/types.py}
 *       {@code ODM_Tree}). The WorkflowTemplate's {@code process} step writes its upload filter
 *       from the same table; a test holds the two equal.
 * </ul>
 */
public final class OutputRule {
  /** Outputs ODM writes only when an option asks for them, and that option. */
  public static final Map<String, String> OPTION_OF_OUTPUT = Map.of("dsm", "dsm", "dtm", "dtm", "3d-tiles", "3d-tiles");

  /** Options that make ODM write a product, and the output that product belongs to. */
  public static final Map<String, String> OUTPUT_OF_OPTION = ordered(
      "dsm", "dsm", "dtm", "dtm", "3d-tiles", "3d-tiles",
      "pc-las", "pointcloud", "pc-csv", "pointcloud", "pc-ept", "pointcloud", "pc-copc", "pointcloud");

  /** Uploaded with every job's results: the log and ODM's own small files. */
  public static final List<String> ALWAYS = List.of("/odm.log", "/log.json", "/images.json", "/cameras.json");

  /** The project paths of each output: a file, or a folder with everything in it ({@code /**}). */
  public static final Map<String, List<String>> PATHS = pathsInOrder();

  /** What NodeODM's {@code all.zip} holds (libs/Task.js {@code allPaths}), besides the DEMs. */
  private static final List<String> NODE_ODM_OUTPUTS = List.of("orthophoto", "pointcloud", "report", "textured-model");

  private OutputRule() {}

  /**
   * The outputs of a job: those asked for ({@link OdmManifest#DEFAULT_OUTPUTS} when none are),
   * then those the options make.
   */
  public static List<String> outputs(Map<String, JsonNode> options, List<String> asked) {
    Set<String> outputs = new LinkedHashSet<>(asked.isEmpty() ? OdmManifest.DEFAULT_OUTPUTS : asked);
    OUTPUT_OF_OPTION.forEach((option, output) -> {
      if (isOn(options, option)) {
        outputs.add(output);
      }
    });
    return List.copyOf(outputs);
  }

  /**
   * The outputs the NodeODM API asks for a task: what NodeODM's {@code all.zip} holds for these
   * options. The textured model only when ODM makes one ({@code skip-3dmodel} or
   * {@code fast-orthophoto} leave it out, {@code use-3dmesh} brings it back, as ODM 3.6.0's
   * {@code opendm/config.py} decides), and what the options add ({@link #outputs}).
   */
  public static List<String> nodeOdmOutputs(Map<String, JsonNode> options) {
    List<String> base = new ArrayList<>(NODE_ODM_OUTPUTS);
    boolean noModel = (isOn(options, "skip-3dmodel") || isOn(options, "fast-orthophoto")) && !isOn(options, "use-3dmesh");
    if (noModel) {
      base.remove("textured-model");
    }
    return outputs(options, base);
  }

  /** The options the outputs switch on, in {@code outputs}' order. */
  public static List<String> optionsSwitchedOn(List<String> outputs) {
    List<String> options = new ArrayList<>();
    for (String output : outputs) {
      String option = OPTION_OF_OUTPUT.get(output);
      if (option != null && !options.contains(option)) {
        options.add(option);
      }
    }
    return options;
  }

  /** An output asked for whose option the manifest sets to false: ODM would not write it. */
  public static List<String> conflicts(Map<String, JsonNode> options, List<String> outputs) {
    List<String> errors = new ArrayList<>();
    for (String output : outputs) {
      String option = OPTION_OF_OUTPUT.get(output);
      JsonNode value = option == null ? null : options.get(option);
      if (value != null && !ManifestValidator.isTrue(value)) {
        errors.add("output '" + output + "' needs option '" + option + "', which is set to false");
      }
    }
    return errors;
  }

  /**
   * Whether a file of ODM's project (its path relative to the project, {@code /}-separated) is
   * uploaded for these outputs and extra {@code resultPaths}: the same selection as the template's
   * upload filter ({@code + /path}, {@code + /folder/**}, and {@code + /p}, {@code + /p/**} per
   * result path).
   */
  public static boolean uploaded(String relative, List<String> outputs, List<String> resultPaths) {
    if (ALWAYS.stream().anyMatch(rule -> matches(rule, relative))) {
      return true;
    }
    for (String output : outputs) {
      if (PATHS.getOrDefault(output, List.of()).stream().anyMatch(rule -> matches(rule, relative))) {
        return true;
      }
    }
    return resultPaths.stream().anyMatch(p -> relative.equals(p) || relative.startsWith(p + "/"));
  }

  private static boolean matches(String rule, String relative) {
    String path = rule.substring(1);
    return path.endsWith("/**") ? relative.startsWith(path.substring(0, path.length() - 2)) : relative.equals(path);
  }

  private static boolean isOn(Map<String, JsonNode> options, String name) {
    JsonNode value = options.get(name);
    return value != null && ManifestValidator.isTrue(value);
  }

  private static Map<String, List<String>> pathsInOrder() {
    Map<String, List<String>> paths = new LinkedHashMap<>();
    paths.put("orthophoto", List.of("/odm_orthophoto/odm_orthophoto.tif"));
    paths.put("dsm", List.of("/odm_dem/dsm.tif"));
    paths.put("dtm", List.of("/odm_dem/dtm.tif"));
    paths.put("pointcloud", List.of("/odm_georeferencing/odm_georeferenced_model.laz",
        "/odm_georeferencing/odm_georeferenced_model.las", "/odm_georeferencing/odm_georeferenced_model.csv",
        "/odm_georeferencing/odm_georeferenced_model.copc.laz", "/entwine_pointcloud/**"));
    paths.put("report", List.of("/odm_report/**"));
    paths.put("textured-model", List.of("/odm_texturing/**"));
    paths.put("3d-tiles", List.of("/3d_tiles/**"));
    return Collections.unmodifiableMap(paths);
  }

  private static Map<String, String> ordered(String... pairs) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      map.put(pairs[i], pairs[i + 1]);
    }
    return Collections.unmodifiableMap(map);
  }
}
