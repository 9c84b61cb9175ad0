package org.odmwatcher.workflow;

import java.util.List;

/**
 * The contract between the watcher and the {@code odm-process} WorkflowTemplate: the names of the
 * {@code spec.arguments.parameters} every submitted Workflow carries. The template in
 * {@code manifests/base} declares exactly these (a contract test in {@code manifests/} checks it).
 */
public final class WorkflowParameters {
  /** Bucket holding the folder, e.g. {@code drone-data}. */
  public static final String BUCKET = "bucket";
  /** Folder prefix inside the bucket, with a trailing slash, e.g. {@code farm a/flight 3/}. */
  public static final String PREFIX = "prefix";
  /** Deterministic job id (32 hex chars) of this manifest version. */
  public static final String JOB_ID = "job-id";
  /** ODM command-line arguments as a JSON array of strings, e.g. {@code ["--dsm","--orthophoto-resolution","2"]}. */
  public static final String ODM_ARGS = "odm-args";
  /** Wanted outputs as a JSON array of strings, e.g. {@code ["orthophoto","dsm"]}. */
  public static final String OUTPUTS = "outputs";
  /** Number of images found in the folder (decimal). */
  public static final String IMAGE_COUNT = "image-count";
  /** S3 endpoint URL; empty for AWS's default endpoints. */
  public static final String S3_ENDPOINT = "s3-endpoint";
  /** S3 region, e.g. {@code us-east-1}. */
  public static final String S3_REGION = "s3-region";
  /** {@code "true"} when the store needs path-style addressing (MinIO, most on-prem stores). */
  public static final String S3_PATH_STYLE = "s3-path-style";
  /** Prefix the results are uploaded under, e.g. {@code farm a/flight 3/results/}. */
  public static final String RESULTS_PREFIX = "results-prefix";
  /** Memory request for the ODM step, sized from the image count, e.g. {@code 16Gi}. */
  public static final String MEMORY = "memory";
  /** CPU request for the ODM step, e.g. {@code 4}. */
  public static final String CPU = "cpu";
  /** Size of the workspace volume, e.g. {@code 50Gi}. */
  public static final String WORKSPACE_SIZE = "workspace-size";

  /**
   * Extra paths relative to ODM's project to upload with the results, as a JSON array of strings
   * (NodeODM's task {@code outputs}, e.g. {@code ["opensfm/reconstruction.json","odm_dem"]}); the
   * {@code seed} step turns them into rclone filter rules for the upload.
   */
  public static final String RESULT_PATHS = "result-paths";

  /** ODM's image for the ODM step (the GPU image for a GPU job), e.g. {@code docker.io/opendronemap/odm:3.6.0}. */
  public static final String ODM_IMAGE = "odm-image";

  /** Argo {@code podSpecPatch} (JSON) of download and upload: node selector and tolerations of their node class. */
  public static final String TRANSFER_POD_PATCH = "transfer-pod-patch";

  /** Argo {@code podSpecPatch} (JSON) of the seed step. */
  public static final String SEED_POD_PATCH = "seed-pod-patch";

  /** Argo {@code podSpecPatch} (JSON) of the ODM step: node selector, tolerations, resources (GPU included). */
  public static final String PROCESS_POD_PATCH = "process-pod-patch";

  /** {@code "true"} when the ODM step's pod carries {@code karpenter.sh/do-not-disrupt: "true"}, else {@code "false"}. */
  public static final String PROCESS_DO_NOT_DISRUPT = "process-do-not-disrupt";

  /**
   * The workspace PersistentVolumeClaim: {@code <workflow name>-workspace} for a new run, the kept
   * claim of the failed run a resumed job continues.
   */
  public static final String WORKSPACE = "workspace";

  /** ODM's project folder in the workspace (a job id): this job's, or the resumed run's. */
  public static final String PROJECT = "project";

  /**
   * A regular expression over the Workflow's final status ({@code Succeeded}, {@code Failed},
   * {@code Error}) for which the exit handler leaves the workspace for the watcher to keep;
   * {@code ^$} for none.
   */
  public static final String KEEP_WORKSPACE_ON = "keep-workspace-on";

  /** Every parameter, in the order they are rendered. */
  public static final List<String> ALL =
      List.of(
          BUCKET,
          PREFIX,
          JOB_ID,
          ODM_ARGS,
          OUTPUTS,
          IMAGE_COUNT,
          S3_ENDPOINT,
          S3_REGION,
          S3_PATH_STYLE,
          RESULTS_PREFIX,
          MEMORY,
          CPU,
          WORKSPACE_SIZE,
          RESULT_PATHS,
          ODM_IMAGE,
          TRANSFER_POD_PATCH,
          SEED_POD_PATCH,
          PROCESS_POD_PATCH,
          PROCESS_DO_NOT_DISRUPT,

          WORKSPACE,
          PROJECT,
          KEEP_WORKSPACE_ON);

  private WorkflowParameters() {}
}
