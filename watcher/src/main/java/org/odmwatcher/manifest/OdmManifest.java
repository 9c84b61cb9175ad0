package org.odmwatcher.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.core.annotation.Nullable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed {@code odm.json} (format v1). Options keep the manifest's order and their JSON values
 * (validated separately against the catalogue).
 *
 * @param name human-readable job name, may be null
 * @param options ODM option name → JSON value
 * @param outputs wanted outputs ({@link #KNOWN_OUTPUTS}); {@link #DEFAULT_OUTPUTS} when empty, and
 *     those the options make are added ({@link OutputRule})
 * @param expectedImages images the folder must hold before the job starts, or null
 * @param cancel {@code true} asks a running job to stop
 * @param resultPaths extra paths relative to ODM's project uploaded with the results (NodeODM's
 *     {@code outputs} of a task, e.g. {@code opensfm/reconstruction.json}); empty for none
 * @param parentJob the split-merge job this one is a submodel of (set by the NodeODM API for a
 *     task created with that job's token), or null
 * @param gpu {@code true} asks for a GPU node and ODM's GPU image (the job is invalid where the
 *     operator has no GPU node class)
 * @param capacityType {@code on-demand} asks that ODM run on on-demand capacity whatever the image
 *     count; {@code spot} or null leaves it to the operator's threshold
 * @param engine the engine it runs on ({@link Engine#ODM} unless {@code engine} says otherwise)
 * @param notifyTargets the {@code notify} field: who is told about the job's states ({@link NotifyTarget}); empty for nobody
 * @param resume how to continue the folder's last failed run ({@code "resume": true} or ODM's
 *     {@code "rerun-from": "<stage>"}), or null for a run from the start
 * @param resources memory and CPU the job asks for instead of the watcher's sizing, or null
 */
public record OdmManifest(
    @Nullable String name,
    Map<String, JsonNode> options,
    List<String> outputs,
    @Nullable Integer expectedImages,
    boolean cancel,
    List<String> resultPaths,
    @Nullable String parentJob,
    boolean gpu,
    @Nullable String capacityType,
    String engine,
    List<NotifyTarget> notifyTargets,
    @Nullable Resume resume,
    @Nullable Resources resources) {

  /** The {@code capacityType} values a manifest may give. */
  public static final List<String> CAPACITY_TYPES = List.of("on-demand", "spot");

  /** Output names a manifest may ask for. */
  public static final List<String> KNOWN_OUTPUTS =
      List.of("orthophoto", "dsm", "dtm", "pointcloud", "report", "textured-model", "3d-tiles");

  /** What is produced when a manifest names no outputs. */
  public static final List<String> DEFAULT_OUTPUTS = List.of("orthophoto", "pointcloud", "report");

  public OdmManifest {
    options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    outputs = OutputRule.outputs(options, outputs);
    resultPaths = resultPaths == null ? List.of() : List.copyOf(resultPaths);
    engine = engine == null ? Engine.ODM : engine;
    notifyTargets = notifyTargets == null ? List.of() : List.copyOf(notifyTargets);
  }

  public OdmManifest(@Nullable String name, Map<String, JsonNode> options, List<String> outputs,
      @Nullable Integer expectedImages, boolean cancel) {
    this(name, options, outputs, expectedImages, cancel, List.of(), null, false, null, Engine.ODM, List.of(), null, null);
  }

  public OdmManifest(@Nullable String name, Map<String, JsonNode> options, List<String> outputs,
      @Nullable Integer expectedImages, boolean cancel, List<String> resultPaths, @Nullable String parentJob) {
    this(name, options, outputs, expectedImages, cancel, resultPaths, parentJob, false, null, Engine.ODM, List.of(), null, null);
  }

  /**
   * Continue the folder's last failed run in its kept workspace (ODM skips the stages whose
   * products are there, opendm/types.py ODM_Stage.rerun and stages/*.py).
   *
   * @param fromStage ODM's {@code --rerun-from} stage; null: from the stage that failed
   */
  public record Resume(@Nullable String fromStage) {}

  /**
   * What the job asks for its ODM step, overriding the watcher's sizing within the operator's caps.
   *
   * @param memory a Kubernetes quantity ({@code 32Gi}), or null to keep the sizing's
   * @param cpu a Kubernetes quantity ({@code 8}, {@code 3500m}), or null to keep the sizing's
   */
  public record Resources(@Nullable String memory, @Nullable String cpu) {}

  /** Whether ODM splits this job into submodels ({@code split} or {@code split-image-groups} set). */
  public boolean splits() {
    return options.containsKey("split") || options.containsKey("split-image-groups");
  }
}
