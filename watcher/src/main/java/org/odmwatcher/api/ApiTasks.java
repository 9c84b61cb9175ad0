package org.odmwatcher.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.core.annotation.Nullable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.odmwatcher.notify.WebhookTargets;
import org.odmwatcher.api.dto.TaskInfo;
import org.odmwatcher.config.WorkspaceConfig;
import org.odmwatcher.api.dto.TaskRecord;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.manifest.Engine;
import org.odmwatcher.manifest.FolderImages;
import org.odmwatcher.manifest.ManifestParser;
import org.odmwatcher.pipeline.ManifestHandler;
import org.odmwatcher.status.JobState;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.StatusWriter;
import org.odmwatcher.storage.BucketStore;
import org.odmwatcher.workflow.ChildWorkflows;
import org.odmwatcher.workflow.JobId;
import org.odmwatcher.workflow.OdmArguments;
import org.odmwatcher.workflow.JobConsole;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NodeODM's task lifecycle on top of the bucket. A task is the folder {@code <prefix><uuid>/}:
 * {@code task.json} (what init was told), the uploaded images, then {@code odm.json} written by
 * commit — from there the ordinary pipeline ({@link ManifestHandler}) submits the job and keeps
 * {@code status.json}, which is what {@code info} translates back into NodeODM's terms. The bucket
 * is the truth, so any replica answers for any task; {@code info} and {@code list} read it through
 * the {@link TaskView}, which may be behind it by {@code watcher.api.view-expiry} at most.
 */
public final class ApiTasks {
  /** NodeODM's own check for {@code set-uuid}; path uuids must match it too (no other folders). */
  static final Pattern UUID_SHAPE =
      Pattern.compile("^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", Pattern.CASE_INSENSITIVE);

  static final String TASK_FILE = "task.json";
  private static final Logger LOG = LoggerFactory.getLogger(ApiTasks.class);
  private static final int MAX_TASK_BYTES = 1 << 20;
  private static final int MAX_LOG_BYTES = 8 << 20;
  /** The ODM log's one name: the process step writes it, the upload step sends it to the results. */
  private static final String ODM_LOG = "odm.log";
  /** ODM's console as the engine holds it (Argo: the process pod's log; local: ODM's log file). */
  private final @Nullable JobConsole console;
  private static final String JSON = "application/json";

  /** Individual assets beside {@code all.zip}: name → path inside the results. */
  static final Map<String, String> ASSETS =
      Map.of(
          "orthophoto.tif", "odm_orthophoto/odm_orthophoto.tif",
          "dsm.tif", "odm_dem/dsm.tif",
          "dtm.tif", "odm_dem/dtm.tif",
          "georeferenced_model.laz", "odm_georeferencing/odm_georeferenced_model.laz",
          "report.pdf", "odm_report/report.pdf");

  /** One file of an upload request. */
  public interface Upload {
    String filename();

    /** The file's bytes; must fail (not end) when the request breaks off mid-file. */
    InputStream content() throws IOException;

    String contentType();
  }

  private final String bucket;
  private final String prefix;
  private final @Nullable Integer maxImages;
  private final String manifestName;
  private final String resultsFolder;
  private final BucketStore store;
  private final StatusWriter statusWriter;
  private final @Nullable ManifestHandler pipeline;
  private final TaskOptions taskOptions;
  private final ResultsArchive archive;
  private final TaskView view;
  private final WebhookTargets webhooks;
  private final ObjectMapper json;
  private final Clock clock;
  private final Set<String> reservedNames;
  private final java.util.concurrent.Semaphore uploads;
  private final TaskQuotas quotas;
  private final WorkspaceConfig workspaces;

  public ApiTasks(
      String bucket,
      String prefix,
      @Nullable Integer maxImages,
      String manifestName,
      String statusName,
      String resultsFolder,
      BucketStore store,
      StatusWriter statusWriter,
      @Nullable ManifestHandler pipeline,
      TaskOptions taskOptions,
      ResultsArchive archive,
      TaskView view,
      WebhookTargets webhooks,
      int maxConcurrentUploads,
      ObjectMapper json,
      Clock clock,
      @Nullable JobConsole console,
      int maxTasks,
      int maxTasksPerJob,
      @Nullable ChildWorkflows jobs,
      WorkspaceConfig workspaces) {
    this.workspaces = workspaces;
    this.console = console;
    this.quotas = new TaskQuotas(view, this::readTask, maxTasks, maxTasksPerJob, jobs);
    this.uploads = new java.util.concurrent.Semaphore(maxConcurrentUploads);
    this.bucket = bucket;
    this.prefix = prefix;
    this.maxImages = maxImages;
    this.manifestName = manifestName;
    this.resultsFolder = resultsFolder;
    this.store = store;
    this.statusWriter = statusWriter;
    this.pipeline = pipeline;
    this.taskOptions = taskOptions;
    this.archive = archive;
    this.view = view;
    this.webhooks = webhooks;
    this.json = json;
    this.clock = clock;
    this.reservedNames = Set.of(TASK_FILE, manifestName, statusName);
  }

  public String bucket() {
    return bucket;
  }

  public String folder(String uuid) {
    return prefix + uuid + "/";
  }

  // ---- creating a task ----------------------------------------------------------------------

  /** {@code POST /task/new/init}: writes {@code task.json} and nothing else. */
  public String init(
      @Nullable String setUuid,
      @Nullable String name,
      @Nullable String options,
      @Nullable String webhook,
      @Nullable String outputs,
      @Nullable String skipPostProcessing)
      throws ApiException, TransientFailureException {
    return init(setUuid, name, options, webhook, outputs, skipPostProcessing, null);
  }

  /**
   * {@code POST /task/new/init} for a caller that is a split-merge job's ODM (its {@code sm-cluster}
   * token names {@code parentJob}): the task becomes a submodel of that job. What ODM sends is
   * opendm/remote.py Task.execute_remote_task (ODM 3.6.0, lines 359-363): {@code
   * node.create_task(images, get_submodel_args_dict(config.config()), skip_post_processing=True,
   * outputs=outputs)}, which pyODM's Node.create_task (pyodm/api.py) turns into this call's fields
   * {@code name} (unset), {@code options} (options_to_json: {@code [{"name", "value"}]}, values
   * {@code true} or strings), {@code skipPostProcessing=true} and {@code outputs} (json.dumps of the
   * list), then one {@code /task/new/upload} per file (images, gcp_list.txt, geo.txt, seed.zip),
   * then {@code /task/new/commit}.
   */
  public String init(
      @Nullable String setUuid,
      @Nullable String name,
      @Nullable String options,
      @Nullable String webhook,
      @Nullable String outputs,
      @Nullable String skipPostProcessing,
      @Nullable String parentJob)
      throws ApiException, TransientFailureException {
    String uuid;
    if (setUuid != null && !setUuid.isEmpty()) {
      if (!UUID_SHAPE.matcher(setUuid).matches() || readTask(setUuid).isPresent()) {
        throw new ApiException("Invalid set-uuid: " + setUuid, true);
      }
      uuid = setUuid;
    } else {
      uuid = UUID.randomUUID().toString();
    }
    if (org.odmwatcher.manifest.ManifestValidator.hasTemplateTag(name)) {
      throw new ApiException("Invalid name: '{{' and '}}' are not allowed (Argo reads them as template tags)", true);
    }
    if (webhook != null && !webhook.isBlank()) {
      Optional<String> refused = webhooks.refusal(webhook);
      if (refused.isPresent()) {
        throw new ApiException("Invalid webhook: " + refused.get(), true);
      }
    }
    ArrayNode parsedOptions = taskOptions.parse(options);
    List<String> parsedOutputs = taskOptions.outputs(outputs);
    quotas.checkRoomFor(parentJob); // before anything is written
    long now = clock.millis();
    String taskName =
        name == null || name.isEmpty() ? "Task of " + Instant.ofEpochMilli(now) : name;
    writeTask(
        new TaskRecord(uuid, taskName, parsedOptions, webhook == null || webhook.isBlank() ? null : webhook,
            parsedOutputs, "true".equals(skipPostProcessing), now, 0, null, parentJob));
    return uuid;
  }

  /**
   * {@code POST /task/new/upload/:uuid}: streams each file to the task's folder. A file appears
   * only once it arrived completely, so a broken-off upload leaves nothing that counts as an
   * image; the same file sent again (a client's retry) replaces the first.
   *
   * @return files stored
   */
  public int upload(String uuid, Iterable<? extends Upload> files)
      throws ApiException, TransientFailureException {
    acquireUploadSlot(); // first: a refused upload costs no S3 call
    try {
      uploadableTask(uuid);
      return uploadFiles(uuid, files);
    } finally {
      uploads.release();
    }
  }

  /**
   * {@code POST /task/new}, NodeODM's single-request form: init, upload and commit. The upload
   * slot is taken before anything is written, so a request refused for want of one leaves no task
   * behind; a request without files leaves none either.
   */
  public String create(
      @Nullable String setUuid,
      @Nullable String name,
      @Nullable String options,
      @Nullable String webhook,
      @Nullable String outputs,
      @Nullable String skipPostProcessing,
      @Nullable String parentJob,
      Iterable<? extends Upload> files)
      throws ApiException, TransientFailureException {
    acquireUploadSlot();
    String uuid;
    try {
      uuid = init(setUuid, name, options, webhook, outputs, skipPostProcessing, parentJob);
      try {
        uploadFiles(uuid, files);
      } catch (ApiException e) {
        if (e.getMessage().equals("Need at least 1 file.")) {
          remove(uuid);
          throw new ApiException("Need at least 1 file or a zip file url.", true);
        }
        throw e;
      }
    } finally {
      uploads.release();
    }
    commit(uuid);
    return uuid;
  }

  private void acquireUploadSlot() throws ApiException {
    if (!uploads.tryAcquire()) {
      // Each upload holds a thread and up to one part in memory: beyond the cap, refuse at once
      // (pyODM retries the file) rather than let stalled or slow clients exhaust the heap.
      throw new ApiException("Too many uploads in progress on this node (watcher.api.max-concurrent-uploads); try again");
    }
  }

  private int uploadFiles(String uuid, Iterable<? extends Upload> files) throws ApiException, TransientFailureException {
    int stored = 0;
    for (Upload file : files) {
      String key = folder(uuid) + safeName(file.filename());
      try (InputStream in = file.content()) {
        store.putStream(bucket, key, in, file.contentType());
      } catch (IOException e) {
        throw new ApiException("Upload of " + file.filename() + " broke off: " + e.getMessage());
      } finally {
        view.forget(uuid); // the image count changed (or may have: a multipart upload broke off)
      }
      stored++;
    }
    if (stored == 0) {
      throw new ApiException("Need at least 1 file.", true);
    }
    return stored;
  }

  /** {@code POST /task/new/commit/:uuid}: writes {@code odm.json}; the pipeline takes over. */
  public void commit(String uuid) throws ApiException, TransientFailureException {
    TaskRecord task = uploadableTask(uuid);
    int images = countImages(uuid);
    if (images == 0) {
      throw new ApiException("Need at least 1 file.");
    }
    if (maxImages != null && images > maxImages) {
      throw new ApiException(
          images + " images uploaded, but this node can only process up to " + maxImages + ".", true);
    }
    start(task, false);
  }

  // ---- reading a task -----------------------------------------------------------------------

  /** {@code GET /task/list}: every task folder, uploading or not. */
  public List<String> list() throws TransientFailureException {
    return view.list();
  }

  /** {@code GET /task/:uuid/info}, from the view (a hit costs no S3 request). */
  public TaskInfo info(String uuid, @Nullable String withOutput) throws ApiException, TransientFailureException {
    if (!UUID_SHAPE.matcher(uuid).matches()) {
      throw new ApiException(uuid + " not found");
    }
    TaskView.Snapshot task = view.snapshot(uuid);
    if (task.task() == null) {
      throw new ApiException(uuid + " not found");
    }
    TaskInfo info = describe(task);
    return withOutput == null ? info : info.withOutput(output(task.task(), task.status(), withOutput));
  }

  /** {@code GET /task/:uuid/output}. */
  public List<String> output(String uuid, @Nullable String line) throws ApiException, TransientFailureException {
    TaskRecord task = existingTask(uuid);
    return output(task, statusWriter.read(bucket, folder(uuid)), line);
  }

  /** The task's info as the webhook sends it, or empty when the task is gone. */
  Optional<TaskInfo> infoIfExists(String uuid) throws TransientFailureException {
    if (!UUID_SHAPE.matcher(uuid).matches()) {
      return Optional.empty();
    }
    TaskView.Snapshot task = view.current(uuid);
    return task.task() == null ? Optional.empty() : Optional.of(describe(task));
  }

  /** NodeODM's terms for a snapshot; no I/O (the snapshot holds the count and all.zip's presence). */
  private TaskInfo describe(TaskView.Snapshot snapshot) {
    TaskRecord task = snapshot.task();
    Optional<JobStatus> found = snapshot.status();
    if (found.isEmpty()) {
      return new TaskInfo(task.uuid(), task.name(), task.dateCreated(), -1,
          new TaskInfo.Status(TaskInfo.QUEUED, null), task.options(), snapshot.images(), 0, null);
    }
    JobStatus status = found.get();
    long now = clock.millis();
    long started = status.createdAt().toEpochMilli();
    long processing =
        status.state() == JobState.RUNNING || status.state() == JobState.SUBMITTED ? now - started
            : status.finishedAt() != null && status.state() != JobState.INVALID
                ? status.finishedAt().toEpochMilli() - started
                : -1;
    int progress = status.progress() == null ? 0 : status.progress();
    TaskInfo.Status code =
        switch (status.state()) {
          // QUEUED only while we hold the task back (no job yet: not committed, or above the
          // split-merge caps). Once its Workflow is accepted it is RUNNING, even while Argo or the
          // scheduler keep its pod Pending: ODM's LocalRemoteExecutor (opendm/remote.py,
          // execute_remote_task, lines 373-427 in 3.6.0) reads QUEUED right after the upload as
          // "node full" (NodeTaskLimitReachedException: the task is removed and re-sent later, and
          // its remote concurrency is lowered), and a RUNNING task turning QUEUED the same way.
          case WAITING -> new TaskInfo.Status(TaskInfo.QUEUED, null);
          case SUBMITTED, RUNNING -> new TaskInfo.Status(TaskInfo.RUNNING, null);
          case SUCCEEDED -> snapshot.archived()
              ? new TaskInfo.Status(TaskInfo.COMPLETED, null)
              : new TaskInfo.Status(TaskInfo.RUNNING, null); // as NodeODM: done once all.zip is
          case FAILED -> settling(status)
              ? new TaskInfo.Status(TaskInfo.RUNNING, null)
              : new TaskInfo.Status(TaskInfo.FAILED, status.message() + resumeHint(status));
          case INVALID -> new TaskInfo.Status(TaskInfo.FAILED,
              status.message() + (status.errors() == null ? "" : ": " + String.join("; ", status.errors())));
          case CANCELED -> new TaskInfo.Status(TaskInfo.CANCELED, null);
        };
    if (status.state() == JobState.SUCCEEDED) {
      progress = code.code() == TaskInfo.COMPLETED ? 100 : 99;
    }
    int images = status.images() != null ? status.images() : snapshot.images();
    return new TaskInfo(task.uuid(), task.name(), task.dateCreated(), processing, code, task.options(),
        images, Math.max(0, Math.min(100, progress)), null);
  }

  /**
   * Whether a failed job is still being settled: its Workflow's workspace is to be kept and
   * {@code WorkspaceKeeper.settle} has not recorded it yet (it runs right after the FAILED write,
   * WorkflowWatcher). Until then the API says RUNNING, at most {@code watcher.workspace.settle-limit}
   * after the job ended: NodeODM's task folder is there the moment a task fails, so pyODM users
   * call {@code task.restart({'rerun-from': …})} as soon as they see FAILED, and a restart before
   * the workspace is kept would run from the start.
   */
  boolean settling(JobStatus status) {
    Duration keep = workspaces.keepFailed();
    return status.state() == JobState.FAILED && status.workflow() != null && !keep.isZero() && !keep.isNegative()
        && (status.workspace() == null || status.workspace().keptUntil() == null)
        && status.finishedAt() != null && clock.instant().isBefore(status.finishedAt().plus(workspaces.settleLimit()));
  }

  /**
   * What a NodeODM client needs to resume a failed job whose workspace is kept: the stage, and the
   * restart option (ODM#1718: users do not know which stage to rerun from).
   */
  private static String resumeHint(JobStatus status) {
    JobStatus.Workspace kept = status.workspace();
    if (kept == null || kept.keptUntil() == null || kept.failedStage() == null) {
      return "";
    }
    return " (failed in " + kept.failedStage() + "; its workspace is kept until " + kept.keptUntil()
        + ": restart with the option rerun-from=" + kept.failedStage() + " to resume there)";
  }

  /**
   * Log lines: while a job runs, ODM's console as its engine holds it ({@link JobConsole}: an Argo
   * job's {@code process} pod log through the Kubernetes API, a local job's log file); once it
   * ended, the job's {@code odm.log} among the results when the workflow uploaded one, else the
   * pod's log while Argo keeps the pod (a failed one), else the status's log tail, else its
   * one-line message. {@code line} as NodeODM: from that line, or the last {@code
   * -line} lines when negative.
   */
  private List<String> output(TaskRecord task, Optional<JobStatus> status, @Nullable String line)
      throws TransientFailureException {
    List<String> lines;
    boolean runningNow = status.isPresent() && !status.get().state().isFinal();
    Optional<List<String>> running = runningNow ? console(status.get()) : Optional.empty();
    Optional<BucketStore.Blob> log = running.isPresent()
        ? Optional.empty() : store.get(bucket, folder(task.uuid()) + resultsFolder + ODM_LOG, MAX_LOG_BYTES);
    Optional<List<String>> kept = running.isPresent() || log.isPresent() || runningNow || status.isEmpty()
        ? Optional.empty() : console(status.get());
    if (running.isPresent()) {
      lines = running.get();
    } else if (kept.isPresent()) {
      lines = kept.get();
    } else if (log.isPresent()) {
      lines = Arrays.asList(new String(log.get().bytes(), StandardCharsets.UTF_8).split("\r?\n", -1));
      if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
        lines = lines.subList(0, lines.size() - 1);
      }
    } else if (status.isPresent() && status.get().logTail() != null) {
      lines = status.get().logTail();
    } else if (status.isPresent()) {
      lines = List.of(status.get().message());
    } else {
      lines = List.of();
    }
    int from;
    try {
      from = line == null || line.isBlank() ? 0 : Integer.parseInt(line.trim());
    } catch (NumberFormatException e) {
      from = 0;
    }
    if (from < 0) {
      from = Math.max(0, lines.size() + from);
    }
    return from >= lines.size() ? List.of() : List.copyOf(lines.subList(from, lines.size()));
  }

  /** The engine's console of the job; empty when it holds none or cannot be read now (the log tail serves then). */
  private Optional<List<String>> console(JobStatus status) {
    if (console == null) {
      return Optional.empty();
    }
    try {
      return console.lines(status);
    } catch (TransientFailureException e) {
      return Optional.empty();
    }
  }

  // ---- commands -----------------------------------------------------------------------------

  /** {@code POST /task/cancel}. */
  public void cancel(String uuid) throws ApiException, TransientFailureException {
    TaskView.Snapshot current = currentTask(uuid);
    TaskRecord task = current.task();
    TaskInfo info = describe(current);
    if (info.status().code() == TaskInfo.CANCELED) {
      throw new ApiException("Task already cancelled");
    }
    if (info.isFinal()) {
      return; // nothing runs any more
    }
    start(task, true);
    if (statusWriter.read(bucket, folder(uuid)).isEmpty()) {
      // Canceled before the pipeline recorded anything (not committed, or its submit failed):
      // record it, so the task reads as canceled and is not submitted later.
      Optional<BucketStore.Blob> manifest = store.get(bucket, folder(uuid) + manifestName, MAX_TASK_BYTES);
      String eTag = manifest.map(BucketStore.Blob::eTag).orElse("");
      String version = manifest.map(BucketStore.Blob::version).orElse("");
      statusWriter.record(bucket, folder(uuid),
          JobStatus.of(JobId.derive(bucket, folder(uuid), version).value(), eTag, task.name(), JobState.CANCELED,
              "canceled through the API before it started", clock.instant()));
    }
  }

  /** {@code POST /task/remove}: stops the task and deletes its folder. */
  public void remove(String uuid) throws ApiException, TransientFailureException {
    TaskView.Snapshot current = currentTask(uuid);
    TaskRecord task = current.task();
    TaskInfo info = describe(current);
    if (!info.isFinal() && store.size(bucket, folder(uuid) + manifestName).isPresent()) {
      start(task, true);
    }
    int deleted = store.deleteAll(bucket, folder(uuid));
    view.forget(uuid);
    quotas.forget(uuid);
    LOG.info("removed API task {} ({} objects)", uuid, deleted);
  }

  /**
   * {@code POST /task/restart}: same uuid, new job. The manifest is rewritten (with the options
   * given, if any), which makes it a new manifest version; earlier results are deleted first.
   */
  public void restart(String uuid, @Nullable String options) throws ApiException, TransientFailureException {
    TaskView.Snapshot current = currentTask(uuid);
    TaskRecord task = current.task();
    TaskInfo info = describe(current);
    if (!info.isFinal()) {
      throw new ApiException("Task cannot be restarted");
    }
    TaskRecord restarted = task.restarted(clock.millis());
    String rerunFrom = taskOptions.rerunFrom(options);
    if (rerunFrom != null && !ManifestParser.STAGES.contains(rerunFrom)) {
      throw new ApiException("Invalid options: rerun-from must be one of ODM's stages: " + String.join(", ", ManifestParser.STAGES), true);
    }
    String processing = taskOptions.withoutRerunFrom(options);
    if (processing != null && !(rerunFrom != null && processing.equals("[]"))) {
      restarted = restarted.withOptions(taskOptions.parse(processing));
    }
    store.deleteAll(bucket, folder(uuid) + resultsFolder);
    writeTask(restarted);
    // With rerun-from the new job resumes in the failed one's kept workspace (the pipeline's resume).
    start(restarted, false, rerunFrom);
  }

  // ---- download -----------------------------------------------------------------------------

  /** The object behind an asset, opened (ranged when asked), packing {@code all.zip} on first use. */
  public BucketStore.RangeRead download(String uuid, String asset, @Nullable String range)
      throws ApiException, TransientFailureException {
    TaskRecord task = existingTask(uuid);
    String folder = folder(uuid);
    String key;
    if (ResultsArchive.NAME.equals(asset)) {
      Optional<JobStatus> status = statusWriter.read(bucket, folder);
      if (status.isEmpty() || status.get().state() != JobState.SUCCEEDED) {
        throw new ApiException("Asset not ready");
      }
      archive.ensure(bucket, folder, task.outputs());
      key = archive.key(folder);
    } else if (ASSETS.containsKey(asset)) {
      key = folder + resultsFolder + ASSETS.get(asset);
    } else {
      throw new ApiException("Invalid asset");
    }
    BucketStore.RangeRead read = store.open(bucket, key, range);
    if (read instanceof BucketStore.RangeRead.NotFound) {
      throw new ApiException("Asset not ready");
    }
    return read;
  }

  // ---- for the watcher ----------------------------------------------------------------------

  /** Whether the task was committed (its manifest exists): one HEAD. */
  boolean committed(String uuid) throws TransientFailureException {
    return store.size(bucket, folder(uuid) + manifestName).isPresent();
  }

  /** Runs the pipeline again for a committed task the pipeline has not recorded (a failed submit). */
  void resubmit(String uuid) throws TransientFailureException {
    if (pipeline != null) {
      pipeline.handleFolder(bucket, folder(uuid));
    }
  }

  /** When the task was created, if it exists ({@code task.json}'s {@code dateCreated}, ms since the epoch). */
  Optional<Long> createdAt(String uuid) throws TransientFailureException {
    return readTask(uuid).map(TaskRecord::dateCreated);
  }

  /**
   * Deletes a task whose job {@code jobId} ended {@code maxAge} or longer ago, as NodeODM deletes
   * finished tasks ({@code cleanup_tasks_after}). Checked against the bucket first: a task
   * restarted meanwhile (a new job) or not finished is kept.
   *
   * @return whether it was deleted
   */
  boolean expireIfFinished(String uuid, String jobId, java.time.Duration maxAge) throws TransientFailureException {
    Optional<JobStatus> status = statusWriter.read(bucket, folder(uuid));
    if (status.isEmpty() || !status.get().state().isFinal() || !jobId.equals(status.get().jobId())) {
      return false;
    }
    Instant ended = status.get().finishedAt() != null ? status.get().finishedAt() : status.get().updatedAt();
    if (ended == null || clock.instant().isBefore(ended.plus(maxAge))) {
      return false;
    }
    int deleted = store.deleteAll(bucket, folder(uuid));
    view.forget(uuid);
    quotas.forget(uuid);
    LOG.info("API task {} finished {} ago; removed ({} objects, watcher.api.cleanup-tasks-after)", uuid, maxAge, deleted);
    return true;
  }

  /**
   * A task the pipeline holds waiting (for images, or above the split-merge caps): its waiting
   * folders re-check it. After a restart this process does not know the folder yet, and a slot
   * frees without any new object in the task's folder to announce it.
   */
  void recheckWhileWaiting(String uuid) {
    if (pipeline != null) {
      pipeline.recheckLater(bucket, folder(uuid));
    }
  }

  /**
   * The split-merge job a caller may act for ({@code null}: the API token, any task). A caller
   * with a job's token may only reach that job's own tasks: any other reads as not found.
   */
  public void checkScope(String uuid, @Nullable String callerJob) throws ApiException, TransientFailureException {
    if (callerJob == null) {
      return;
    }
    Optional<TaskRecord> task = readTask(uuid);
    if (task.isPresent() && !callerJob.equals(task.get().parentJob())) {
      throw new ApiException(uuid + " not found");
    }
  }

  /**
   * Deletes a task that was never committed and was created longer than {@code maxAge} ago, as
   * NodeODM cleans stale uploads ({@code cleanup-uploads-after}); abandoned uploads would otherwise
   * stay in the bucket for ever.
   *
   * @return whether it was deleted
   */
  boolean expireIfUncommitted(String uuid, java.time.Duration maxAge) throws TransientFailureException {
    if (store.size(bucket, folder(uuid) + manifestName).isPresent()) {
      return false;
    }
    Optional<TaskRecord> task = readTask(uuid);
    if (task.isEmpty() || clock.millis() - task.get().dateCreated() < maxAge.toMillis()) {
      return false;
    }
    int deleted = store.deleteAll(bucket, folder(uuid));
    view.forget(uuid);
    LOG.info("API task {} was not committed within {}; removed ({} objects)", uuid, maxAge, deleted);
    return true;
  }

  Optional<JobStatus> status(String uuid) throws TransientFailureException {
    return statusWriter.read(bucket, folder(uuid));
  }

  void markNotified(String uuid, String jobId) throws TransientFailureException {
    Optional<TaskRecord> task = readTask(uuid);
    if (task.isPresent()) {
      writeTask(task.get().notified(jobId));
    }
  }

  ResultsArchive archive() {
    return archive;
  }

  Optional<TaskRecord> readTask(String uuid) throws TransientFailureException {
    if (!UUID_SHAPE.matcher(uuid).matches()) {
      return Optional.empty();
    }
    Optional<BucketStore.Blob> blob = store.get(bucket, folder(uuid) + TASK_FILE, MAX_TASK_BYTES);
    if (blob.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(json.readValue(blob.get().bytes(), TaskRecord.class));
    } catch (IOException e) {
      LOG.warn("s3://{}/{}{} is not a task this version understands: {}", bucket, folder(uuid), TASK_FILE, e.getMessage());
      return Optional.empty();
    }
  }

  // ---- internals ----------------------------------------------------------------------------

  private TaskRecord existingTask(String uuid) throws ApiException, TransientFailureException {
    return readTask(uuid).orElseThrow(() -> new ApiException(uuid + " not found"));
  }

  /** The task as the bucket has it now (a command must not act on a stale view). */
  private TaskView.Snapshot currentTask(String uuid) throws ApiException, TransientFailureException {
    if (!UUID_SHAPE.matcher(uuid).matches()) {
      throw new ApiException(uuid + " not found");
    }
    TaskView.Snapshot current = view.current(uuid);
    if (current.task() == null) {
      throw new ApiException(uuid + " not found");
    }
    return current;
  }

  /** A task that exists and is not committed yet (as NodeODM: else "Invalid uuid (not found)"). */
  private TaskRecord uploadableTask(String uuid) throws ApiException, TransientFailureException {
    Optional<TaskRecord> task = readTask(uuid);
    if (task.isEmpty() || store.size(bucket, folder(uuid) + manifestName).isPresent()) {
      throw new ApiException("Invalid uuid (not found)", true);
    }
    return task.get();
  }

  private int countImages(String uuid) throws TransientFailureException {
    return FolderImages.of(store.listFolder(bucket, folder(uuid))).images().size();
  }

  /**
   * Writes the task's manifest and runs the pipeline for it now, without waiting for a bucket
   * notification. The task's generation is part of the manifest's bytes (trailing blank lines,
   * meaningless to JSON), so that a restart with unchanged options is still a new manifest
   * version — a new ETag, a new job id, a new Workflow.
   */
  private void start(TaskRecord task, boolean cancel) throws TransientFailureException {
    start(task, cancel, null);
  }

  private void start(TaskRecord task, boolean cancel, @Nullable String rerunFrom) throws TransientFailureException {
    ObjectNode manifest = json.createObjectNode();
    manifest.put("name", task.name());
    // NodeODM adds --cog unless skipPostProcessing (libs/Task.js setPostProcessingOptsSteps);
    // jobs here have it by default (OdmArguments), so a task that skips post-processing says no.
    JsonNode options = task.options();
    boolean namesCog = false;
    for (JsonNode option : options) {
      namesCog |= OdmArguments.COG.equals(option.path("name").asText());
    }
    if (task.skipPostProcessing() && !namesCog && options.isArray()) {
      ArrayNode withoutCog = ((ArrayNode) options).deepCopy();
      withoutCog.addObject().put("name", OdmArguments.COG).put("value", false);
      options = withoutCog;
    }
    manifest.set("options", options);
    TaskOptions.manifestOutputs(task.options()).forEach(manifest.withArray("outputs")::add);
    if (!task.outputs().isEmpty()) {
      // NodeODM's outputs are paths of the project: uploaded with the results, so that all.zip
      // (ResultsArchive, limited to the same paths) holds exactly them.
      task.outputs().forEach(manifest.withArray("resultPaths")::add);
    }
    if (task.parentJob() != null) {
      manifest.put("parentJob", task.parentJob());
    }
    if (!Engine.ODM.equals(taskOptions.engine().name())) {
      manifest.put("engine", taskOptions.engine().name());
    }
    if (cancel) {
      manifest.put("cancel", true);
    }
    if (rerunFrom != null) {
      manifest.put("rerun-from", rerunFrom);
    }
    String text;
    try {
      text = json.writerWithDefaultPrettyPrinter().writeValueAsString(manifest) + "\n".repeat(1 + task.generation());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    String folder = folder(task.uuid());
    store.put(bucket, folder + manifestName, text.getBytes(StandardCharsets.UTF_8), JSON, null, false);
    view.forget(task.uuid());
    if (pipeline == null) {
      return; // no executor in this process: the bucket notification reaches one that has it
    }
    try {
      pipeline.handleFolder(bucket, folder);
    } catch (TransientFailureException e) {
      // The manifest is written: the task is queued and the API watcher submits it again.
      LOG.warn("API task {} committed but not submitted yet: {}", task.uuid(), e.getMessage());
    }
  }

  private void writeTask(TaskRecord task) throws TransientFailureException {
    byte[] bytes;
    try {
      bytes = json.writeValueAsBytes(task);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    store.put(bucket, folder(task.uuid()) + TASK_FILE, bytes, JSON, null, false);
    view.forget(task.uuid());
  }

  /** The file name alone (no path), never one of the task's own files. */
  private String safeName(String filename) throws ApiException {
    String name = filename == null ? "" : filename.substring(Math.max(filename.lastIndexOf('/'), filename.lastIndexOf('\\')) + 1);
    name = name.codePoints().filter(c -> !Character.isISOControl(c))
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString().trim();
    if (name.isEmpty() || name.equals(".") || name.equals("..")) {
      throw new ApiException("Invalid file name: '" + filename + "'", true);
    }
    if (reservedNames.contains(name.toLowerCase(Locale.ROOT))) {
      name = "_" + name; // as NodeODM does with its own body.json
    }
    return name;
  }
}
