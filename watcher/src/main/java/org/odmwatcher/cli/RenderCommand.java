package org.odmwatcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.BooleanNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.odmwatcher.config.ArgoConfig;
import org.odmwatcher.config.S3Config;
import org.odmwatcher.config.SplitMergeConfig;
import org.odmwatcher.storage.BucketStore;
import org.odmwatcher.manifest.DefaultsMerge;
import org.odmwatcher.manifest.FolderImages;
import org.odmwatcher.manifest.ManifestDefaults;
import org.odmwatcher.manifest.ManifestParser;
import org.odmwatcher.manifest.ManifestValidator;
import org.odmwatcher.manifest.OdmManifest;
import org.odmwatcher.manifest.Engine;
import org.odmwatcher.manifest.Engines;
import org.odmwatcher.workflow.JobId;
import org.odmwatcher.workflow.JobSpec;
import org.odmwatcher.workflow.OdmArguments;
import org.odmwatcher.workflow.SplitMergeToken;
import org.odmwatcher.workflow.NoNodeFitsException;
import org.odmwatcher.workflow.PlacementPlan;
import org.odmwatcher.workflow.PlacementPlanner;
import org.odmwatcher.workflow.WorkflowParameters;
import org.odmwatcher.workflow.WorkflowRenderer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * {@code render s3://bucket/folder/ [--images N]}: the Workflows the watcher would submit for a
 * folder, as YAML, without submitting anything. For a manifest that splits (with split-merge on),
 * also the child Workflows ODM's submodels would become: which submodels ODM forms is its own
 * decision (OpenSfM's k-means on GPS plus {@code split-overlap}), so they are shown as one
 * reconstruction and one toolchain child of about {@code split} images each, and a count.
 */
@Command(name = "render", mixinStandardHelpOptions = true,
    description = "Prints the Workflows the watcher would submit for s3://bucket/folder/ (nothing is submitted).")
public final class RenderCommand implements Callable<Integer> {
  /** Only to switch split-merge on in the renderer: no token is minted or shown (it travels in a Secret). */
  private static final String RENDER_SECRET = "render-only-secret-never-used-for-real-tokens";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** remote.py (ODM 3.6.0) ReconstructionTask / ToolchainTask outputs: what each child returns. */
  static final List<String> RECONSTRUCTION_OUTPUTS =
      List.of("opensfm/matches", "opensfm/features", "opensfm/reconstruction.json", "opensfm/tracks.csv", "cameras.json");
  static final List<String> TOOLCHAIN_OUTPUTS =
      List.of("odm_orthophoto/cutline.gpkg", "odm_orthophoto/odm_orthophoto_cut.tif",
          "odm_orthophoto/odm_orthophoto_feathered.tif", "odm_dem", "odm_report", "odm_georeferencing");

  /** opendm/osfm.py get_submodel_argv: options a submodel never gets, and those it always gets. */
  private static final Set<String> SUBMODEL_DROPS =
      Set.of("split", "split-overlap", "rerun-from", "rerun", "gcp", "end-with", "sm-cluster", "rerun-all", "pc-csv",
          "pc-las", "pc-ept", "tiles", "cog");
  private static final List<String> SUBMODEL_ADDS = List.of("orthophoto-cutline", "dem-euclidean-map", "skip-3dmodel", "skip-report");

  @Parameters(index = "0", description = "The folder: s3://bucket/folder/")
  String target;

  @Option(names = "--images", description = "Pretend the folder holds N images (no listing; sizes are estimated per image)")
  Integer images;

  @Option(names = "--manifest", description = "Read odm.json from this file instead of the folder")
  Path manifestFile;

  @Option(names = "--namespace", defaultValue = "odm", description = "Namespace of the Workflows. Default: ${DEFAULT-VALUE}")
  String namespace;

  @Option(names = "--split-merge-url", defaultValue = "http://odm-watcher.odm.svc:8080",
      description = "watcher.split-merge.cluster-url; empty: split-merge off. Default: ${DEFAULT-VALUE}")
  String clusterUrl;

  @Option(names = "--max-children-per-job", defaultValue = "4",
      description = "watcher.split-merge.max-children-per-job. Default: ${DEFAULT-VALUE}")
  int maxChildrenPerJob;

  @Option(names = "--defaults", description = "A defaults file to apply under the manifest instead of the bucket's"
      + " (repeat, from the bucket root down to the folder), to check one before uploading it")
  List<Path> defaultsFiles;

  @Option(names = "--defaults-name", defaultValue = "odm.defaults.json",
      description = "watcher.manifest.defaults-name: the bucket's defaults files read for the folder (empty: none)."
          + " Default: ${DEFAULT-VALUE}")
  String defaultsName;

  @Option(names = "--placement", description = "A watcher configuration file (YAML) whose watcher.placement block (node classes,"
      + " swap ratio, on-demand threshold, ODM images) places the steps as the running watcher would; without it nothing is placed")
  Path placementFile;

  @Mixin S3Options s3Options;

  @Override
  public Integer call() throws Exception {
    S3Options.Location location = S3Options.Location.parse(target);
    byte[] manifest;
    List<String> keys = new ArrayList<>();
    long bytes = -1;
    // With --manifest and --images nothing is read from the bucket (offline): no bucket defaults either.
    S3Client s3 = manifestFile != null && images != null ? null : s3Options.client();
    ManifestDefaults.Applied applied;
    try {
      String manifestKey = location.prefix() + "odm.json";
      String eTag = null;
      if (manifestFile != null) {
        manifest = Files.readAllBytes(manifestFile);
      } else {
        var object = s3.getObjectAsBytes(b -> b.bucket(location.bucket()).key(manifestKey));
        manifest = object.asByteArray();
        eTag = object.response().eTag().replace("\"", "");
      }
      applied = effective(location, manifestKey, eTag, manifest, s3);
      if (images != null) {
        for (int i = 1; i <= images; i++) {
          keys.add(location.prefix() + String.format("IMG_%05d.JPG", i));
        }
      } else {
        bytes = 0;
        for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket(location.bucket()).prefix(location.prefix()).delimiter("/")).contents()) {
          if (FolderImages.isImage(object.key())) {
            keys.add(object.key());
          }
          if (FolderImages.isImageOrMask(object.key())) { // as FolderImages.of: the images folder's bytes
            bytes += object.size();
          }
        }
      }
    } finally {
      if (s3 != null) {
        s3.close();
      }
    }
    S3Config s3Config = new S3Config(s3Options.endpoint, s3Options.region, s3Options.endpoint != null && !s3Options.endpoint.isBlank(),
        null, null, "auto");
    PlacementPlanner placement = placementFile == null ? PlacementPlanner.unplaced() : PlacementFile.read(placementFile);
    return render(location, applied, keys, bytes, namespace, s3Config, clusterUrl, maxChildrenPerJob, placement, System.out,
        System.err);
  }

  /**
   * The manifest with the defaults the watcher would apply: the {@code --defaults} files, else the
   * bucket's defaults files for the folder (read as the watcher reads them) unless nothing is read
   * from the bucket (offline: {@code --manifest} and {@code --images}), else none.
   */
  private ManifestDefaults.Applied effective(S3Options.Location location, String manifestKey, String eTag,
      byte[] manifest, S3Client s3) throws Exception {
    ManifestParser parser = new ManifestParser(JSON, new ManifestValidator(Engines.allBundled(JSON)));
    DefaultsMerge.Origin manifestOrigin = new DefaultsMerge.Origin(
        manifestFile != null ? manifestFile.toString() : manifestKey, eTag);
    if (defaultsFiles != null) {
      ManifestDefaults local = ManifestDefaults.off(parser, JSON);
      List<ManifestDefaults.Level> levels = new ArrayList<>();
      for (Path file : defaultsFiles) {
        levels.add(local.check(new DefaultsMerge.Origin(file.toString(), null), file.toString(), Files.readAllBytes(file),
            false, java.time.Instant.now()));
      }
      return local.apply(levels, manifestOrigin, manifest);
    }
    if (s3 == null || defaultsName == null || defaultsName.isBlank()) {
      return ManifestDefaults.off(parser, JSON).apply(List.of(), manifestOrigin, manifest);
    }
    ManifestDefaults bucket = new ManifestDefaults(new BucketStore(s3), parser, JSON, defaultsName, 1 << 20,
        Duration.ZERO, java.time.Clock.systemUTC());
    return bucket.apply(location.bucket(), location.prefix(), manifestOrigin.key(),
        new BucketStore.Blob(manifest, eTag == null ? "" : eTag, null, manifest.length, false, null));
  }

  /** Renders and prints; 0, or 1 when the manifest is invalid (the reasons go to {@code err}). */
  static int render(S3Options.Location location, byte[] manifestBytes, List<String> imageKeys, long imageBytes,
      String namespace, S3Config s3, String clusterUrl, int maxChildrenPerJob, PrintStream out, PrintStream err) {
    ManifestParser parser = new ManifestParser(JSON, new ManifestValidator(Engines.allBundled(JSON)));
    return render(location, ManifestDefaults.off(parser, JSON).apply(List.of(), new DefaultsMerge.Origin("odm.json", null),
        manifestBytes), imageKeys, imageBytes, namespace, s3, clusterUrl, maxChildrenPerJob, PlacementPlanner.unplaced(),
        out, err);
  }

  /**
   * Renders and prints, the defaults files applied and the effective manifest with each value's
   * origin first (as YAML comments); 0, or 1 when the manifest is invalid (the reasons go to {@code err}).
   */
  static int render(S3Options.Location location, ManifestDefaults.Applied applied, List<String> imageKeys,
      long imageBytes, String namespace, S3Config s3, String clusterUrl, int maxChildrenPerJob, PlacementPlanner placement,
      PrintStream out, PrintStream err) {
    // ODM's images as the watcher's placement block names them (--placement), ODX's defaults
    Engines engines = Engines.bundled(JSON, List.of(Engine.ODM, Engine.ODX), Map.of(
        Engine.ODM, new Engine.Images(placement.config().odmImage(), placement.config().odmGpuImage()),
        Engine.ODX, Engines.ODX_IMAGES));
    ManifestParser.Result parsed = applied.result();
    if (!applied.files().isEmpty()) {
      printDefaults(applied, parsed.valid() ? out : err);
    }
    if (!parsed.errors().isEmpty()) {
      err.println("odm.json is invalid; the watcher would record state 'invalid' with:");
      parsed.errors().forEach(e -> err.println("  " + e));
      return 1;
    }
    SplitMergeConfig splitMerge = clusterUrl == null || clusterUrl.isBlank() ? SplitMergeConfig.off()
        : new SplitMergeConfig(clusterUrl, RENDER_SECRET, maxChildrenPerJob, Math.max(16, maxChildrenPerJob),
            Duration.ofHours(48), 200);
    WorkflowRenderer renderer = new WorkflowRenderer(new ArgoConfig(namespace, "odm-process", null, true, Duration.ofMinutes(5)), s3,
        new OdmArguments(engines), splitMerge, placement);
    OdmManifest manifest = parsed.manifest();
    JobId jobId = JobId.derive(location.bucket(), location.prefix(), "rendered");
    JobSpec parent = new JobSpec(location.bucket(), location.prefix(), jobId, "rendered", manifest, imageKeys,
        location.prefix() + "results/", imageBytes);

    List<String> summary = new ArrayList<>();
    List<GenericKubernetesResource> workflows = new ArrayList<>();
    GenericKubernetesResource parentWorkflow;
    try {
      parentWorkflow = renderer.render(parent);
    } catch (NoNodeFitsException e) {
      err.println("no node class can run this job; the watcher would record state 'invalid' with:");
      e.reasons().forEach(r -> err.println("  " + r));
      return 1;
    }
    workflows.add(parentWorkflow);
    summary.add(line("job", parent, renderer));
    summary.addAll(placementLines(parent, renderer));
    if (renderer.distributes(parent)) {
      int split = Math.max(1, manifest.options().get("split") == null ? imageKeys.size()
          : manifest.options().get("split").asInt(imageKeys.size()));
      int submodels = Math.max(1, (imageKeys.size() + split - 1) / split);
      int perSubmodel = Math.min(split, imageKeys.size());
      for (String kind : List.of("reconstruction", "toolchain")) {
        JobSpec child = child(parent, manifest, perSubmodel, kind, location);
        workflows.add(renderer.render(child));
        summary.add(line(kind + " child (x" + submodels + ", <= " + maxChildrenPerJob + " at once)", child, renderer));
        summary.addAll(placementLines(child, renderer));
      }
      summary.add("ODM forms the submodels itself (split " + split + ", split-overlap adds neighbours): ~" + submodels
          + " of ~" + perSubmodel + " images; each becomes a reconstruction child, then a toolchain child.");
    }
    out.println("# Workflows the watcher would submit for " + location + " (nothing was submitted)");
    summary.forEach(s -> out.println("#   " + s));
    if (renderer.distributes(parent)) {
      out.println("#   The job's split-merge token is not shown: the running watcher mints it and puts it in the Secret "
          + SplitMergeToken.secretName(parentWorkflow.getMetadata().getName()) + " (key " + SplitMergeToken.SECRET_KEY + ").");
    }
    for (GenericKubernetesResource wf : workflows) {
      out.print(Serialization.asYaml(wf));
    }
    return 0;
  }

  /** The defaults files, the effective manifest and each value's origin, as comments. */
  private static void printDefaults(ManifestDefaults.Applied applied, PrintStream to) {
    to.println("# Defaults files applied, from the bucket root down (the nearest wins key by key; odm.json beats them all):");
    applied.files().forEach(f -> to.println("#   " + f.key() + (f.eTag() == null ? "" : " (ETag " + f.eTag() + ")")));
    if (applied.effective() == null) {
      return;
    }
    to.println("# Effective manifest:");
    try {
      for (String line : JSON.writerWithDefaultPrettyPrinter().writeValueAsString(applied.effective().manifest()).split("\n")) {
        to.println("#   " + line);
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    to.println("# Where each value comes from:");
    applied.effective().origins().forEach((pointer, origin) -> to.println("#   " + pointer + " <- " + origin.key()));
  }

  /** A child as the watcher submits it for one of ODM's tasks of {@code kind}. */
  private static JobSpec child(JobSpec parent, OdmManifest manifest, int images, String kind, S3Options.Location location) {
    Map<String, JsonNode> options = new LinkedHashMap<>();
    manifest.options().forEach((name, value) -> {
      if (!SUBMODEL_DROPS.contains(name)) {
        options.put(name, value);
      }
    });
    SUBMODEL_ADDS.forEach(name -> options.putIfAbsent(name, BooleanNode.TRUE));
    List<String> paths = kind.equals("reconstruction") ? RECONSTRUCTION_OUTPUTS : TOOLCHAIN_OUTPUTS;
    OdmManifest submodel = new OdmManifest(kind + " of a submodel", options, manifest.outputs(), null, false, paths,
        parent.jobId().value(), manifest.gpu(), manifest.capacityType(), manifest.engine(), List.of(), null, null);
    String folder = "api-tasks/" + kind + "-submodel/";
    List<String> keys = new ArrayList<>();
    for (int i = 1; i <= images; i++) {
      keys.add(folder + String.format("IMG_%05d.JPG", i));
    }
    return new JobSpec(location.bucket(), folder, JobId.derive(location.bucket(), folder, kind), kind, submodel, keys,
        folder + "results/", parent.imageBytes() < 0 || parent.images().isEmpty() ? -1
            : parent.imageBytes() / parent.images().size() * images);
  }

  /** Each step's placement and resources, indented under the job's line. */
  private static List<String> placementLines(JobSpec job, WorkflowRenderer renderer) {
    PlacementPlan plan = renderer.placement(job);
    return List.of(
        "    download, upload: " + plan.transfer().describe(),
        "    seed: " + plan.seed().describe(),
        "    process (ODM): " + plan.process().describe() + ", image " + plan.image());
  }

  private static String line(String what, JobSpec job, WorkflowRenderer renderer) {
    Map<String, String> values = renderer.parameterValues(job);
    return what + ": " + job.images().size() + " images, memory " + values.get(WorkflowParameters.MEMORY) + ", cpu "
        + values.get(WorkflowParameters.CPU) + ", workspace " + values.get(WorkflowParameters.WORKSPACE_SIZE);
  }
}
