package org.odmwatcher.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.core.annotation.Nullable;
import java.time.Instant;
import java.util.List;
import java.util.Map;

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
 * @param defaults the defaults files the manifest inherited and the effective manifest; absent
 *     when no defaults file applies
 * @param notifications how the deliveries to the manifest's {@code notify} targets went; absent
 *     until the first attempt
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
    @Nullable Defaults defaults,
    @Nullable List<Delivery> notifications,
    @Nullable Workspace workspace) {

  public static final int SCHEMA_VERSION = 1;

  /**
   * The defaults files a job's manifest inherited (see {@code docs/manifest.md}, defaults files).
   *
   * @param files the defaults files that apply, from the bucket root down to the folder
   * @param effectiveManifest the manifest the job ran with: the files and the folder's own
   *     manifest merged; absent when they could not be merged (a broken defaults file)
   * @param origins which file set each value of the effective manifest, by JSON Pointer (RFC 6901)
   *     to the value ({@code /options/dsm}, {@code /outputs})
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Defaults(
      List<FileRef> files, @Nullable JsonNode effectiveManifest, @Nullable Map<String, FileRef> origins) {}

  /** One version of an object of the bucket: its key and ETag. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record FileRef(String key, @Nullable String eTag) {}

  /** This status with the defaults its manifest inherited (null: none). */
  public JobStatus withDefaults(@Nullable Defaults value) {
    return new JobStatus(schemaVersion, jobId, manifestETag, name, state, message, errors, images,
        expectedImages, workflow, stage, progress, engine, createdAt, updatedAt, finishedAt, outputs,
        logTail, submodels, value, notifications, workspace);
  }

  /**
   * One notification of the manifest's {@code notify} list for one state: how its delivery went.
   * At least once per target and state: an entry that is not {@code delivered} or {@code failed}
   * is tried again, after a restart too, until {@code watcher.notify.give-up-after} from its first
   * attempt.
   *
   * @param target the target's index, kind and where it goes, without secrets ({@code
   *     0:webhook:https://example.org/hook})
   * @param event the state told about
   * @param id the message's idempotency id ({@code webhook-id}), the same at every attempt
   * @param outcome {@code delivered}, {@code retrying} or {@code failed} (given up)
   * @param attempts attempts made so far
   * @param firstAttemptAt when the first attempt was made
   * @param lastAttemptAt when the last one was made
   * @param deliveredAt when the target took it
   * @param lastError why the last attempt failed
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Delivery(String target, String event, String id, String outcome, int attempts,
      Instant firstAttemptAt, Instant lastAttemptAt, @Nullable Instant deliveredAt, @Nullable String lastError) {
    public static final String DELIVERED = "delivered";
    public static final String RETRYING = "retrying";
    public static final String FAILED = "failed";

    /** Whether nothing more is to be done for it (taken, or given up). */
    public boolean settled() {
      return DELIVERED.equals(outcome) || FAILED.equals(outcome);
    }
  }

  /** The recorded delivery of {@code target}'s message about {@code event}, if any. */
  public java.util.Optional<Delivery> delivery(String target, String event) {
    return notifications == null ? java.util.Optional.empty()
        : notifications.stream().filter(d -> d.target().equals(target) && d.event().equals(event)).findFirst();
  }

  /** This status with {@code value} among its notifications (replacing that of the same target and event). */
  public JobStatus withDelivery(Delivery value) {
    List<Delivery> list = new java.util.ArrayList<>(notifications == null ? List.of() : notifications);
    list.removeIf(d -> d.target().equals(value.target()) && d.event().equals(value.event()));
    list.add(value);
    return new JobStatus(schemaVersion, jobId, manifestETag, name, state, message, errors, images,
        expectedImages, workflow, stage, progress, engine, createdAt, updatedAt, finishedAt, outputs,
        logTail, submodels, defaults, List.copyOf(list), workspace);
  }

  /**
   * One submodel of a split-merge job.
   *
   * @param folder the submodel task's folder (an API task, {@code <api prefix><uuid>/})
   * @param jobId the submodel's own job id
   * @param state its state
   * @param progress its progress in percent, when known
   * @param reusedFrom set on a task an earlier failed run of the job finished, whose results this
   *     resumed run keeps instead of sending it again (ODM skips a submodel whose outputs are in the
   *     kept workspace): that run's job id; null for a task of this run
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Submodel(
      String folder, String jobId, JobState state, @Nullable Integer progress, @Nullable String reusedFrom) {}

  /** This status with {@code value} in its submodels (replacing the one of the same folder). */
  public JobStatus withSubmodel(Submodel value) {
    List<Submodel> list = new java.util.ArrayList<>(submodels == null ? List.of() : submodels);
    list.removeIf(s -> s.folder().equals(value.folder()));
    list.add(value);
    list.sort(java.util.Comparator.comparing(Submodel::folder));
    return new JobStatus(schemaVersion, jobId, manifestETag, name, state, message, errors, images,
        expectedImages, workflow, stage, progress, engine, createdAt, updatedAt, finishedAt, outputs,
        logTail, List.copyOf(list), defaults, notifications, workspace);
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
        logTail, submodels, defaults, notifications, value);
  }

  /** Where the work runs: an Argo Workflow's namespace and name. */
  public record WorkflowRef(String namespace, String name) {}

  /** A fresh status for a job, as the handler first records it. */
  public static JobStatus of(
      String jobId, String manifestETag, @Nullable String name, JobState state, String message, Instant now) {
    return new JobStatus(
        SCHEMA_VERSION, jobId, manifestETag, name, state, message, null, null, null, null, null,
        null, null, now, now, state.isFinal() ? now : null, null, null, null, null, null, null);
  }

  public JobStatus withErrors(List<String> value) {
    return new JobStatus(schemaVersion, jobId, manifestETag, name, state, message, List.copyOf(value),
        images, expectedImages, workflow, stage, progress, engine, createdAt, updatedAt, finishedAt,
        outputs, logTail, submodels, defaults, notifications, workspace);
  }

  public JobStatus withImages(@Nullable Integer found, @Nullable Integer expected) {
    return new JobStatus(schemaVersion, jobId, manifestETag, name, state, message, errors, found,
        expected, workflow, stage, progress, engine, createdAt, updatedAt, finishedAt, outputs,
        logTail, submodels, defaults, notifications, workspace);
  }

  public JobStatus withWorkflow(WorkflowRef value, String engineName) {
    return new JobStatus(schemaVersion, jobId, manifestETag, name, state, message, errors, images,
        expectedImages, value, stage, progress, engineName, createdAt, updatedAt, finishedAt,
        outputs, logTail, submodels, defaults, notifications, workspace);
  }

  public JobStatus withProgress(@Nullable String stageName, @Nullable Integer percent) {
    return new JobStatus(schemaVersion, jobId, manifestETag, name, state, message, errors, images,
        expectedImages, workflow, stageName, percent, engine, createdAt, updatedAt, finishedAt,
        outputs, logTail, submodels, defaults, notifications, workspace);
  }

  public JobStatus withOutputs(List<String> value) {
    return new JobStatus(schemaVersion, jobId, manifestETag, name, state, message, errors, images,
        expectedImages, workflow, stage, progress, engine, createdAt, updatedAt, finishedAt,
        List.copyOf(value), logTail, submodels, defaults, notifications, workspace);
  }

  public JobStatus withLogTail(List<String> value) {
    return new JobStatus(schemaVersion, jobId, manifestETag, name, state, message, errors, images,
        expectedImages, workflow, stage, progress, engine, createdAt, updatedAt, finishedAt, outputs,
        List.copyOf(value), submodels, defaults, notifications, workspace);
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
        outputs, logTail, submodels, defaults, notifications, workspace);
  }

  /** The same status re-stamped as written at {@code now}, keeping when the job was created. */
  JobStatus stamped(Instant created, Instant now) {
    return new JobStatus(schemaVersion, jobId, manifestETag, name, state, message, errors, images,
        expectedImages, workflow, stage, progress, engine, created, now, finishedAt, outputs,
        logTail, submodels, defaults, notifications, workspace);
  }
}
