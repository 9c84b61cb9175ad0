package org.odmwatcher.workflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.odmwatcher.config.ArgoConfig;
import org.odmwatcher.config.S3Config;
import org.odmwatcher.manifest.OdmManifest;
import org.odmwatcher.config.SplitMergeConfig;
import org.odmwatcher.config.ResourcesConfig;
import org.odmwatcher.config.WorkspaceConfig;

/**
 * Renders the Workflow for a {@link JobSpec}: loads {@code workflow/workflow.yaml} from the
 * classpath once, then sets name, namespace, labels, annotations, the WorkflowTemplate reference
 * and every parameter of {@link WorkflowParameters} in code.
 */
public final class WorkflowRenderer {
  private static final String RESOURCE = "/workflow/workflow.yaml";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ArgoConfig argo;
  private final S3Config s3;
  private final OdmArguments odmArguments;
  private final GenericKubernetesResource skeleton;
  private final SplitMergeConfig splitMerge;
  private final SplitMergeToken tokens;
  private final PlacementPlanner placement;
  private final WorkspaceConfig workspaces;
  private final ResourcesConfig resources;

  public WorkflowRenderer(ArgoConfig argo, S3Config s3, OdmArguments odmArguments) {
    this(argo, s3, odmArguments, SplitMergeConfig.off());
  }

  public WorkflowRenderer(ArgoConfig argo, S3Config s3, OdmArguments odmArguments, SplitMergeConfig splitMerge) {
    this(argo, s3, odmArguments, splitMerge, PlacementPlanner.unplaced());
  }

  public WorkflowRenderer(ArgoConfig argo, S3Config s3, OdmArguments odmArguments, SplitMergeConfig splitMerge,
      PlacementPlanner placement) {
    this(argo, s3, odmArguments, splitMerge, placement, WorkspaceConfig.off(), ResourcesConfig.defaults());
  }

  public WorkflowRenderer(ArgoConfig argo, S3Config s3, OdmArguments odmArguments, SplitMergeConfig splitMerge,
      WorkspaceConfig workspaces, ResourcesConfig resources) {
    this(argo, s3, odmArguments, splitMerge, PlacementPlanner.unplaced(), workspaces, resources);
  }

  public WorkflowRenderer(ArgoConfig argo, S3Config s3, OdmArguments odmArguments, SplitMergeConfig splitMerge,
      PlacementPlanner placement, WorkspaceConfig workspaces, ResourcesConfig resources) {
    this.placement = placement;
    this.workspaces = workspaces;
    this.resources = resources;
    this.splitMerge = splitMerge;
    this.tokens = splitMerge.enabled() ? new SplitMergeToken(splitMerge.tokenSecret()) : null;
    this.argo = argo;
    this.s3 = s3;
    this.odmArguments = odmArguments;
    try (InputStream in = WorkflowRenderer.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing classpath resource " + RESOURCE);
      }
      this.skeleton = Serialization.unmarshal(in, GenericKubernetesResource.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The Workflow for {@code job}.
   *
   * @throws NoNodeFitsException when no configured node class can run its ODM step
   */
  public GenericKubernetesResource render(JobSpec job) {
    GenericKubernetesResource wf = Serialization.clone(skeleton);
    ObjectMeta meta = wf.getMetadata();
    meta.setName(job.jobId().workflowName());
    meta.setNamespace(argo.namespace());
    Map<String, String> labels = new LinkedHashMap<>(meta.getLabels() == null ? Map.of() : meta.getLabels());
    labels.put(WorkflowLabels.MANAGED_BY, WorkflowLabels.MANAGED_BY_VALUE);
    labels.put(WorkflowLabels.JOB_ID, job.jobId().value());
    labels.put(WorkflowLabels.BUCKET_HASH, JobId.shortHash(job.bucket()));
    labels.put(WorkflowLabels.PREFIX_HASH, JobId.shortHash(job.bucket() + "/" + job.folder()));
    if (job.manifest().parentJob() != null) {
      labels.put(WorkflowLabels.PARENT_JOB, job.manifest().parentJob());
    }
    if (distributes(job)) {
      labels.put(WorkflowLabels.SPLIT_MERGE, "true");
    }
    meta.setLabels(labels);
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(WorkflowLabels.BUCKET, job.bucket());
    annotations.put(WorkflowLabels.PREFIX, job.folder());
    annotations.put(WorkflowLabels.MANIFEST_ETAG, job.manifestETag());
    if (job.manifest().name() != null) {
      annotations.put(WorkflowLabels.JOB_NAME, job.manifest().name());
    }
    meta.setAnnotations(annotations);

    @SuppressWarnings("unchecked")
    Map<String, Object> spec = (Map<String, Object>) wf.getAdditionalProperties().get("spec");
    spec.put("workflowTemplateRef", Map.of("name", argo.workflowTemplate()));
    spec.put("arguments", Map.of("parameters", parameters(job)));
    if (distributes(job)) {
      // Every pod of the job carries the label too (Argo merges the Workflow's podMetadata into the
      // template's, workflow/util/merge.go JoinWorkflowSpec, and copies its labels onto each pod,
      // workflow/controller/workflowpod.go): the NetworkPolicy lets those pods reach our API, and
      // KEDA's kubernetes-workload trigger keeps the watcher up while one runs.
      spec.put("podMetadata", Map.of("labels", Map.of(WorkflowLabels.SPLIT_MERGE, "true")));
    }
    return wf;
  }

  /**
   * Whether this job's ODM sends its submodels to our API: split-merge is configured, the manifest
   * splits, and the job is not itself a submodel (ODM's get_submodel_argv, opendm/osfm.py, drops
   * {@code split} and {@code sm-cluster} from a submodel's options anyway).
   */
  public boolean distributes(JobSpec job) {
    return tokens != null && job.manifest().splits() && job.manifest().parentJob() == null;
  }

  /**
   * {@code --sm-cluster} for a distributing job: the API's in-cluster URL at {@code /} (pyODM
   * Node.from_url, pyodm/api.py, keeps only host, port and {@code ?token=}), without the token: a
   * parameter is readable by anyone who may read Workflows and lands in logs. The template's
   * {@code process} program adds {@code ?token=} from the Workflow's Secret ({@link #splitMergeToken}).
   */
  public List<String> clusterArguments(JobSpec job) {
    if (!distributes(job)) {
      return List.of();
    }
    String base = splitMerge.clusterUrl().endsWith("/") ? splitMerge.clusterUrl() : splitMerge.clusterUrl() + "/";
    return List.of("--sm-cluster", base);
  }

  /** A distributing job's token, valid from {@code now} for {@code watcher.split-merge.token-lifetime}. */
  public Optional<String> splitMergeToken(JobSpec job, Instant now) {
    return distributes(job)
        ? Optional.of(tokens.mint(job.jobId(), now.plus(splitMerge.tokenLifetime())))
        : Optional.empty();
  }

  /**
   * CPU and memory of the ODM step. A distributing job's pod runs one submodel at a time itself
   * (LocalRemoteExecutor's local worker, opendm/remote.py) plus alignment and merge, so it is sized
   * for {@code split} images; its workspace holds the whole project, so that follows every image.
   * Every other job (submodels included) is sized from its own images.
   */
  public ResourceSizing sizing(JobSpec job) {
    OdmManifest.Resources asked = job.manifest().resources();
    if (asked == null && job.resume() != null && job.resume().steppedUpMemory() != null && resources.autoStepUp()) {
      asked = new OdmManifest.Resources(job.resume().steppedUpMemory(), null); // watcher.resources.auto-step-up
    }
    return ResourceOverride.apply(computedSizing(job), asked, resources);
  }

  private ResourceSizing computedSizing(JobSpec job) {
    double swap = placement.config().swapRatio();
    ResourceSizing whole = ResourceSizing.forImages(job.images().size(), job.imageBytes(), swap);
    if (!distributes(job) || !job.manifest().options().containsKey("split")) {
      return whole;
    }
    int split = job.manifest().options().get("split").asInt(job.images().size());
    ResourceSizing submodel = ResourceSizing.forImages(Math.max(1, Math.min(split, job.images().size())), -1, swap);
    return whole.withProcess(submodel.process());
  }

  /**
   * Where each step of {@code job} runs ({@link PlacementPlanner}): the manifest's {@code gpu} and
   * {@code capacityType}, and {@code feature-type: sift}, which ODM runs on the GPU (popsift) when
   * one is there and {@code no-gpu} is not set (ODM opendm/config.py, stages/run_opensfm.py).
   *
   * @throws NoNodeFitsException when no configured node class can run its ODM step
   */
  public PlacementPlan placement(JobSpec job) {
    var options = job.manifest().options();
    boolean noGpu = options.containsKey("no-gpu") && options.get("no-gpu").asBoolean(false);
    boolean sift = options.containsKey("feature-type") && "sift".equals(options.get("feature-type").asText());
    PlacementPlanner.Gpu gpu = job.manifest().gpu() ? PlacementPlanner.Gpu.REQUIRED
        : sift && !noGpu ? PlacementPlanner.Gpu.USEFUL : PlacementPlanner.Gpu.NO;
    return placement.plan(job.images().size(), sizing(job), gpu, job.manifest().capacityType());
  }

  /** The parameters as name → value, in {@link WorkflowParameters#ALL}'s order. */
  public Map<String, String> parameterValues(JobSpec job) {
    ResourceSizing size = sizing(job);
    PlacementPlan plan = placement(job);
    Map<String, String> values = new LinkedHashMap<>();
    values.put(WorkflowParameters.BUCKET, job.bucket());
    values.put(WorkflowParameters.PREFIX, job.folder());
    values.put(WorkflowParameters.JOB_ID, job.jobId().value());
    List<String> odmArgs = new ArrayList<>(odmArguments.render(job.manifest()));
    odmArgs.addAll(clusterArguments(job));
    if (job.resume() != null && job.resume().fromStage() != null) {
      // ODM's own restart switch (opendm/config.py --rerun-from; opendm/types.py ODM_Stage.rerun):
      // that stage and every later one run again, the earlier ones find their products and skip.
      odmArgs.addAll(List.of("--rerun-from", job.resume().fromStage()));
    }
    values.put(WorkflowParameters.ODM_ARGS, toJson(odmArgs));
    values.put(WorkflowParameters.OUTPUTS, toJson(job.manifest().outputs()));
    values.put(WorkflowParameters.IMAGE_COUNT, Integer.toString(job.images().size()));
    values.put(WorkflowParameters.S3_ENDPOINT, s3.hasEndpoint() ? s3.endpoint() : "");
    values.put(WorkflowParameters.S3_REGION, s3.region());
    values.put(WorkflowParameters.S3_PATH_STYLE, Boolean.toString(s3.pathStyle()));
    values.put(WorkflowParameters.RESULTS_PREFIX, job.resultsPrefix());
    values.put(WorkflowParameters.MEMORY, plan.process().resources().memoryRequestQuantity());
    values.put(WorkflowParameters.CPU, plan.process().resources().cpu());
    values.put(WorkflowParameters.WORKSPACE_SIZE, size.workspace());
    values.put(WorkflowParameters.RESULT_PATHS, toJson(job.manifest().resultPaths()));
    // The job's engine's image (ODX's for an ODX job), its GPU image where the plan has a GPU.
    values.put(WorkflowParameters.ODM_IMAGE, odmArguments.engines().of(job.manifest()).image(plan.gpu()));
    values.put(WorkflowParameters.TRANSFER_POD_PATCH, toJson(plan.transfer().podSpecPatch()));
    values.put(WorkflowParameters.SEED_POD_PATCH, toJson(plan.seed().podSpecPatch()));
    values.put(WorkflowParameters.PROCESS_POD_PATCH, toJson(plan.process().podSpecPatch()));
    values.put(WorkflowParameters.PROCESS_DO_NOT_DISRUPT, Boolean.toString(plan.process().doNotDisrupt()));
    values.put(WorkflowParameters.WORKSPACE, workspaceClaim(job));
    values.put(WorkflowParameters.PROJECT, job.resume() == null ? job.jobId().value() : job.resume().project());
    // Submodel tasks are not resumed on their own (their parent's ODM sends them again): never kept.
    values.put(WorkflowParameters.KEEP_WORKSPACE_ON, job.manifest().parentJob() == null ? workspaces.keepOnPattern() : "^$");
    return values;
  }

  /** The job's workspace claim: a new one named after its Workflow, or the kept one it resumes. */
  public static String workspaceClaim(JobSpec job) {
    return job.resume() == null ? job.jobId().workflowName() + "-workspace" : job.resume().workspace();
  }

  private List<Map<String, String>> parameters(JobSpec job) {
    List<Map<String, String>> list = new ArrayList<>();
    parameterValues(job).forEach((name, value) -> list.add(Map.of("name", name, "value", value)));
    return list;
  }

  private static String toJson(Object values) {
    try {
      return JSON.writeValueAsString(values);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
