package org.odmwatcher.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micronaut.core.annotation.Nullable;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.odmwatcher.api.dto.TaskRecord;
import org.odmwatcher.manifest.FolderImages;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.status.JobState;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.StatusCodec;
import org.odmwatcher.status.StatusListener;
import org.odmwatcher.storage.BucketStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code /task/{uuid}/info} and {@code /task/list} answer, kept in memory so that WebODM's and
 * ClusterODM's polling (every task every few seconds) costs no S3 request.
 *
 * <p>The bucket stays the source of truth; the view is only allowed to be behind it by {@code
 * expiry} ({@code watcher.api.view-expiry}):
 *
 * <ul>
 *   <li>a miss reads {@code task.json} and {@code status.json} (and, only where the answer needs
 *       them, the folder listing for the image count and a HEAD of {@code all.zip});
 *   <li>a snapshot older than the expiry is revalidated before it is used, with conditional GETs
 *       ({@code If-None-Match} on the ETags it holds): an unchanged file costs a 304 without body;
 *   <li>this process's own changes are seen at once: every status this process writes (the
 *       pipeline's submit, the informer's Workflow events, the API's cancel) reaches the view as a
 *       {@link StatusListener}, and every write of the API's own calls (init, upload, commit,
 *       restart, remove) drops the task's snapshot and the list, so the next read goes to the bucket.
 * </ul>
 *
 * <p>So another replica's change (or the Workflow's exit handler writing {@code status.json}) is
 * seen here at the latest {@code expiry} after it was written. Snapshots live in a bounded Caffeine
 * cache; one not read for {@link #IDLE} is dropped.
 */
public final class TaskView implements StatusListener {
  private static final Logger LOG = LoggerFactory.getLogger(TaskView.class);
  private static final int MAX_TASK_BYTES = 1 << 20;
  private static final int MAX_STATUS_BYTES = 1 << 20;
  private static final String LIST_KEY = "";
  static final Duration IDLE = Duration.ofMinutes(10);
  static final long MAX_TASKS = 100_000;

  /**
   * One task as last read from the bucket (or as this process last wrote its status).
   *
   * @param task the task, null when {@code task.json} does not exist
   * @param taskETag ETag of {@code task.json}; null when unknown (the next refresh reads it fully)
   * @param status the job's status, empty when {@code status.json} does not exist (yet)
   * @param statusETag ETag of {@code status.json}; null when unknown
   * @param images images in the folder, only when the answer needs it (no status or a status
   *     without a count); else null
   * @param archived whether {@code all.zip} exists, only looked at for a succeeded job
   * @param checkedAt {@link System#nanoTime()} of the last time the bucket confirmed it
   */
  public record Snapshot(
      @Nullable TaskRecord task,
      @Nullable String taskETag,
      Optional<JobStatus> status,
      @Nullable String statusETag,
      @Nullable Integer images,
      boolean archived,
      long checkedAt) {

    boolean needsImages() {
      return status.isEmpty() || status.get().images() == null;
    }

    boolean needsArchiveCheck() {
      return status.isPresent() && status.get().state() == JobState.SUCCEEDED && !archived;
    }
  }

  private final BucketStore store;
  private final String bucket;
  private final String prefix;
  private final String statusName;
  private final ResultsArchive archive;
  private final StatusCodec codec;
  private final ObjectMapper json;
  private final long expiryNanos;
  private final Cache<String, Snapshot> tasks;
  private final Cache<String, List<String>> lists;

  public TaskView(
      BucketStore store,
      String bucket,
      String prefix,
      String statusName,
      ResultsArchive archive,
      StatusCodec codec,
      ObjectMapper json,
      Duration expiry) {
    this.store = store;
    this.bucket = bucket;
    this.prefix = prefix;
    this.statusName = statusName;
    this.archive = archive;
    this.codec = codec;
    this.json = json;
    this.expiryNanos = expiry.toNanos();
    this.tasks = Caffeine.newBuilder().maximumSize(MAX_TASKS).expireAfterAccess(IDLE).build();
    // the listing has no ETag to revalidate with: it is simply listed again once expired
    this.lists = Caffeine.newBuilder().maximumSize(1).expireAfterWrite(expiry).build();
  }

  // ---- reading ------------------------------------------------------------------------------

  /** The task as the bucket had it at most the expiry ago. */
  public Snapshot snapshot(String uuid) throws TransientFailureException {
    Snapshot cached = tasks.getIfPresent(uuid);
    if (cached != null && isFresh(cached)) {
      return cached; // a hit: no S3 request
    }
    return revalidate(uuid, false);
  }

  /** The task as the bucket has it now (conditional GETs on what is held): for commands. */
  public Snapshot current(String uuid) throws TransientFailureException {
    return revalidate(uuid, true);
  }

  /** Every task folder's uuid as the bucket listed it at most the expiry ago. */
  public List<String> list() throws TransientFailureException {
    try {
      return lists.get(LIST_KEY, k -> unchecked(this::listTasks));
    } catch (Unchecked e) {
      throw e.cause;
    }
  }

  private Snapshot revalidate(String uuid, boolean always) throws TransientFailureException {
    try {
      return tasks.asMap().compute(uuid, (k, held) ->
          held != null && !always && isFresh(held) ? held : unchecked(() -> load(uuid, held)));
    } catch (Unchecked e) {
      throw e.cause;
    }
  }

  private boolean isFresh(Snapshot snapshot) {
    return System.nanoTime() - snapshot.checkedAt() < expiryNanos;
  }

  /** Reads what changed since {@code held} (everything when null). */
  private Snapshot load(String uuid, @Nullable Snapshot held) throws TransientFailureException {
    long now = System.nanoTime();
    String folder = prefix + uuid + "/";
    TaskRecord task = held == null ? null : held.task();
    String taskETag = held == null ? null : held.taskETag();
    BucketStore.Revalidated taskRead = store.getIfChanged(bucket, folder + ApiTasks.TASK_FILE, MAX_TASK_BYTES, taskETag);
    boolean taskChanged = !(taskRead instanceof BucketStore.Revalidated.NotModified);
    if (taskRead instanceof BucketStore.Revalidated.Changed changed) {
      task = decodeTask(folder, changed.blob().bytes());
      taskETag = changed.blob().eTag();
    } else if (taskRead instanceof BucketStore.Revalidated.Gone) {
      task = null;
    }
    if (task == null) {
      return new Snapshot(null, null, Optional.empty(), null, null, false, now);
    }
    Optional<JobStatus> status = held == null ? Optional.empty() : held.status();
    String statusETag = held == null ? null : held.statusETag();
    BucketStore.Revalidated statusRead = store.getIfChanged(bucket, folder + statusName, MAX_STATUS_BYTES, statusETag);
    boolean statusChanged = !(statusRead instanceof BucketStore.Revalidated.NotModified);
    if (statusRead instanceof BucketStore.Revalidated.Changed changed) {
      status = codec.decode(changed.blob().bytes());
      statusETag = changed.blob().eTag();
    } else if (statusRead instanceof BucketStore.Revalidated.Gone) {
      status = Optional.empty();
      statusETag = null;
    }
    Snapshot partial = new Snapshot(task, taskETag, status, statusETag, null, false, now);
    // Before a status counts the images, uploads (here or on another replica) change the count,
    // and a listing has no ETag: list again. All.zip only appears, so once seen it stays seen
    // while neither file changed (a restart rewrites task.json and deletes the results).
    Integer images = partial.needsImages()
        ? Integer.valueOf(FolderImages.of(store.listFolder(bucket, folder)).images().size())
        : null;
    boolean archived = status.isPresent() && status.get().state() == JobState.SUCCEEDED
        && (held != null && held.archived() && !taskChanged && !statusChanged || archive.exists(bucket, folder));
    return new Snapshot(task, taskETag, status, statusETag, images, archived, now);
  }

  private @Nullable TaskRecord decodeTask(String folder, byte[] bytes) {
    try {
      return json.readValue(bytes, TaskRecord.class);
    } catch (IOException e) {
      LOG.warn("s3://{}/{}{} is not a task this version understands: {}", bucket, folder, ApiTasks.TASK_FILE, e.getMessage());
      return null;
    }
  }

  private List<String> listTasks() throws TransientFailureException {
    return store.listFolder(bucket, prefix).subFolders().stream()
        .map(f -> f.substring(prefix.length(), f.length() - 1))
        .filter(u -> ApiTasks.UUID_SHAPE.matcher(u).matches())
        .toList();
  }

  // ---- what this process changed ------------------------------------------------------------

  /** Drops what is held about a task (and the list): this process just wrote to its folder. */
  public void forget(String uuid) {
    tasks.invalidate(uuid);
    lists.invalidateAll();
  }

  @Override
  public void written(String bucket, String folder, JobStatus status) {
    take(bucket, folder, status);
  }

  @Override
  public void upToDate(String bucket, String folder, JobStatus status) {
    take(bucket, folder, status);
  }

  /**
   * A status this process wrote (or read while writing): the snapshot takes it at once. Its ETag
   * is not known here, so the next refresh reads the file in full; a count or an archive the new
   * status needs but the snapshot lacks is fetched by marking the snapshot for refresh.
   */
  private void take(String bucket, String folder, JobStatus status) {
    if (!this.bucket.equals(bucket) || !folder.startsWith(prefix) || !folder.endsWith("/")) {
      return;
    }
    String uuid = folder.substring(prefix.length(), folder.length() - 1);
    tasks.asMap().computeIfPresent(uuid, (k, held) -> {
      if (held.task() == null) {
        return null; // the task appeared meanwhile: read it on the next call
      }
      Snapshot next = new Snapshot(held.task(), held.taskETag(), Optional.of(status), null, held.images(),
          held.archived() && status.state() == JobState.SUCCEEDED, held.checkedAt());
      boolean incomplete = next.needsImages() && next.images() == null || next.needsArchiveCheck();
      return incomplete ? null : next;
    });
  }

  // ---- checked exceptions through Caffeine's functions ----------------------------------------

  private interface Io<T> {
    T get() throws TransientFailureException;
  }

  private static <T> T unchecked(Io<T> io) {
    try {
      return io.get();
    } catch (TransientFailureException e) {
      throw new Unchecked(e);
    }
  }

  private static final class Unchecked extends RuntimeException {
    private final TransientFailureException cause;

    Unchecked(TransientFailureException cause) {
      super(cause.getMessage(), cause, false, false);
      this.cause = cause;
    }
  }
}
