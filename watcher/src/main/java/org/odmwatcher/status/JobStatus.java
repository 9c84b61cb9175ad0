package org.odmwatcher.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import java.time.Instant;
import java.util.List;

/**
 * The content of {@code status.json} (schema: {@code samples/status.schema.json}). Dashboards read
 * it straight from the bucket, so its shape is a public contract: add fields, never rename.
 *
 * @param schemaVersion always {@link #SCHEMA_VERSION}
 * @param jobId deterministic id of the manifest version this status is about
 * @param manifestETag ETag of the {@code odm.json} that started the job
 * @param name the manifest's job name
 * @param state the state
 * @param message one human sentence about the state
 * @param errors every reason, when {@code invalid}
 * @param images images found in the folder
 * @param expectedImages images the manifest waits for, if it says
 * @param workflow the Argo Workflow (or local run) doing the work
 * @param stage current processing stage, when known
 * @param progress 0..100, when known
 * @param engine what processes the images ({@code argo}, {@code local}, {@code test})
 * @param createdAt when the job was first seen
 * @param updatedAt when this status was written
 * @param finishedAt when the job reached a final state
 * @param outputs result keys, relative to the folder, when succeeded
 * @param logTail last lines of the processing log, on failure
 * @param submodels a split-merge job's submodel tasks (the child Workflows its ODM sent to the
 *     NodeODM API), as their own statuses last said; absent for other jobs
 * @param workspace the job's workspace (ODM's project folder) when it outlives the job or
 *     continues an earlier one: kept until when, and how to resume; absent otherwise
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobStatus(
    int schemaVersion,
    String jobId,
    @Nullable String manifestETag,
    @Nullable String name,
    JobState state,
    String message,
    @Nullable List<String> errors,
    @Nullable Integer images,
    @Nullable Integer expectedImages,
    @Nullable WorkflowRef workflow,
    @Nullable String stage,
    @Nullable Integer progress,
    @Nullable String engine,
    Instant createdAt,
    Instant updatedAt,
    @Nullable Instant finishedAt,
    @Nullable List<String> outputs,
    @Nullable List<String> logTail,
    @Nullable List<Submodel> submodels,
    @Nullable Workspace workspace) {

  public static final int SCHEMA_VERSION = 1;

  /**
   * One submodel of a split-merge job.
   *
   * @param folder the submodel task's folder (an API task, {@code <api prefix><uuid>/})
   * @param jobId the submodel's own job id
   * @param state its state
   * @param progress its progress in percent, when known
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Submodel(String folder, String jobId, JobState state, @Nullable Integer progress) {}

  /** This status with {@code value} in its submodels (replacing the one of the same folder). */
  public JobStatus withSubmodel(Submodel value) {
    List<Submodel> list = new java.util.ArrayList<>(submodels == null ? List.of() : submodels);
    list.removeIf(s -> s.folder().equals(value.folder()));
    list.add(value);
    list.sort(java.util.Comparator.comparing(Submodel::folder));
    return new JobStatus(schemaVersion, jobId, manifestETag, name, state, message, errors, images,
        expectedImages, workflow, stage, progress, engine, createdAt, updatedAt, finishedAt, outputs,
        logTail, List.copyOf(list), workspace);
  }

  /**
   * The job's workspace, when it matters beyond the run: kept after the job ended, or taken over
   * from the folder's earlier failed run.
   *
   * @param volume the PersistentVolumeClaim (Argo) or work folder (local mode) holding ODM's
   *     project; null when a resume found no kept workspace
   * @param project ODM's project folder in it (the job id of the run that made it)
   * @param keptUntil until when it is kept after the job ended; null while the job runs
   * @param resumedFrom the job id of the failed run this one continues, when it does
   * @param failedStage the ODM stage the job failed in, when known
   * @param resumeWith the exact {@code odm.json} to upload to resume the failed job
   * @param note one sentence about the workspace (kept, resumed, or not found so run from the start)
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Workspace(
      @Nullable String volume,
      @Nullable String project,
      @Nullable Instant keptUntil,
      @Nullable String resumedFrom,
      @Nullable String failedStage,
      @Nullable String resumeWith,
      @Nullable String note) {}

  public JobStatus withWorkspace(@Nullable Workspace value) {
    return new JobStatus(schemaVersion, jobId, manifestETag, name, state, message, errors, images,
        expectedImages, workflow, stage, progress, engine, createdAt, updatedAt, finishedAt, outputs,
        logTail, submodels, value);
  }

  /** Where the work runs: an Argo Workflow's namespace and name. */
  public record WorkflowRef(String namespace, String name) {}

  /** A fresh status for a job, as the handler first records it. */
  public static JobStatus of(
      String jobId, String manifestETag, @Nullable String name, JobState state, String message, Instant now) {
    return new JobStatus(
        SCHEMA_VERSION, jobId, manifestETag, name, state, message, null, null, null, null, null,
        null, null, now, now, state.isFinal() ? now : null, null, null, null, null);
  }

  public JobStatus withErrors(List<String> value) {
    return new JobStatus(schemaVersion, jobId, manifestETag, name, state, message, List.copyOf(value),
        images, expectedImages, workflow, stage, progress, engine, createdAt, updatedAt, finishedAt,
        outputs, logTail, submodels, workspace);
  }

  public JobStatus withImages(@Nullable Integer found, @Nullable Integer expected) {
    return new JobStatus(schemaVersion, jobId, manifestETag, name, state, message, errors, found,
        expected, workflow, stage, progress, engine, createdAt, updatedAt, finishedAt, outputs,
        logTail, submodels, workspace);
  }

  public JobStatus withWorkflow(WorkflowRef value, String engineName) {
    return new JobStatus(schemaVersion, jobId, manifestETag, name, state, message, errors, images,
        expectedImages, value, stage, progress, engineName, createdAt, updatedAt, finishedAt,
        outputs, logTail, submodels, workspace);
  }

  public JobStatus withProgress(@Nullable String stageName, @Nullable Integer percent) {
    return new JobStatus(schemaVersion, jobId, manifestETag, name, state, message, errors, images,
        expectedImages, workflow, stageName, percent, engine, createdAt, updatedAt, finishedAt,
        outputs, logTail, submodels, workspace);
  }

  public JobStatus withOutputs(List<String> value) {
    return new JobStatus(schemaVersion, jobId, manifestETag, name, state, message, errors, images,
        expectedImages, workflow, stage, progress, engine, createdAt, updatedAt, finishedAt,
        List.copyOf(value), logTail, submodels, workspace);
  }

  public JobStatus withLogTail(List<String> value) {
    return new JobStatus(schemaVersion, jobId, manifestETag, name, state, message, errors, images,
        expectedImages, workflow, stage, progress, engine, createdAt, updatedAt, finishedAt, outputs,
        List.copyOf(value), submodels, workspace);
  }

  /**
   * This status moved to {@code next} at {@code now} (finishedAt set when it becomes final; a
   * succeeded job is at 100% and no stage).
   */
  public JobStatus moveTo(JobState next, String why, Instant now) {
    boolean succeeded = next == JobState.SUCCEEDED; // done: at no stage any more, as a cluster's job-finished writes it
    return new JobStatus(schemaVersion, jobId, manifestETag, name, next, why, errors, images,
        expectedImages, workflow, succeeded ? null : stage, succeeded ? Integer.valueOf(100) : progress,
        engine, createdAt, now, next.isFinal() ? (finishedAt != null ? finishedAt : now) : null,
        outputs, logTail, submodels, workspace);
  }

  /** The same status re-stamped as written at {@code now}, keeping when the job was created. */
  JobStatus stamped(Instant created, Instant now) {
    return new JobStatus(schemaVersion, jobId, manifestETag, name, state, message, errors, images,
        expectedImages, workflow, stage, progress, engine, created, now, finishedAt, outputs,
        logTail, submodels, workspace);
  }
}
