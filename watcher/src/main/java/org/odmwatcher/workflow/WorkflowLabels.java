package org.odmwatcher.workflow;

/** Label and annotation keys stamped on every submitted Workflow, used to find it again. */
public final class WorkflowLabels {
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String MANAGED_BY_VALUE = "odm-watcher";
  public static final String JOB_ID = "odmwatcher.org/job-id";
  public static final String BUCKET_HASH = "odmwatcher.org/bucket-hash";
  public static final String PREFIX_HASH = "odmwatcher.org/prefix-hash";
  /** On a split-merge submodel's Workflow: the job id of the job whose ODM sent it. */
  public static final String PARENT_JOB = "odmwatcher.org/parent-job";
  /** On a job whose ODM distributes submodels ({@code --sm-cluster}): {@code "true"}. */
  public static final String SPLIT_MERGE = "odmwatcher.org/split-merge";

  /** Annotations (any characters allowed) carrying what labels can only hash. */
  public static final String BUCKET = "odmwatcher.org/bucket";
  public static final String PREFIX = "odmwatcher.org/prefix";
  public static final String MANIFEST_ETAG = "odmwatcher.org/manifest-etag";
  public static final String JOB_NAME = "odmwatcher.org/name";

  private WorkflowLabels() {}
}
