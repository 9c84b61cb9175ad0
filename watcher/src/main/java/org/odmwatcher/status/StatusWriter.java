package org.odmwatcher.status;

import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.storage.BucketStore;
import org.odmwatcher.storage.BucketStore.PutOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code status.json} beside a folder's manifest. Every write is read-merge-write: the merge
 * never moves a job backwards ({@link JobState#rank()}), and the write is conditional on the ETag
 * that was read (If-Match, or If-None-Match for a first write) so that two writers — this watcher,
 * another replica, the workflow's exit handler — cannot overwrite each other's newer state. On a
 * store without conditional writes the state order alone protects it, plus a per-key lock inside
 * this process.
 */
public final class StatusWriter {
  private static final Logger LOG = LoggerFactory.getLogger(StatusWriter.class);
  private static final int MAX_STATUS_BYTES = 1 << 20;
  private static final int MAX_ATTEMPTS = 8;
  private static final String CONTENT_TYPE = "application/json";

  private final BucketStore store;
  private final StatusCodec codec;
  private final String statusName;
  private final Clock clock;
  private final AtomicBoolean conditional;
  private final boolean conditionalForced;
  private final ReentrantLock[] locks = new ReentrantLock[64];
  private final java.util.List<StatusListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * @param conditionalWrites {@code auto} (try, fall back when unsupported), {@code on}, {@code off}
   */
  public StatusWriter(
      BucketStore store, StatusCodec codec, String statusName, String conditionalWrites, Clock clock) {
    this.store = store;
    this.codec = codec;
    this.statusName = statusName;
    this.clock = clock;
    this.conditional = new AtomicBoolean(!"off".equals(conditionalWrites));
    this.conditionalForced = "on".equals(conditionalWrites);
    for (int i = 0; i < locks.length; i++) {
      locks[i] = new ReentrantLock();
    }
  }

  /** Registers a listener told after every successful write (called on the writing thread). */
  public void addListener(StatusListener listener) {
    listeners.add(listener);
  }

  private JobStatus told(String bucket, String folder, JobStatus written) {
    for (StatusListener listener : listeners) {
      try {
        listener.written(bucket, folder, written);
      } catch (RuntimeException e) {
        LOG.warn("a status listener failed for s3://{}/{}: {}", bucket, folder, e.toString());
      }
    }
    return written;
  }

  private void upToDate(String bucket, String folder, JobStatus read) {
    for (StatusListener listener : listeners) {
      try {
        listener.upToDate(bucket, folder, read);
      } catch (RuntimeException e) {
        LOG.warn("a status listener failed for s3://{}/{}: {}", bucket, folder, e.toString());
      }
    }
  }

  /**
   * Tells the listeners about a status read and left as it is (as when an update finds it up to
   * date): a redelivered event finding its job finished re-drives what hangs on that status (its
   * notifications) after a restart.
   */
  public void reconcile(String bucket, String folder, JobStatus read) {
    upToDate(bucket, folder, read);
  }

  /** The key of the status file of a folder. */
  public String statusKey(String folder) {
    return folder + statusName;
  }

  public Optional<JobStatus> read(String bucket, String folder) throws TransientFailureException {
    return store
        .get(bucket, statusKey(folder), MAX_STATUS_BYTES)
        .flatMap(blob -> codec.decode(blob.bytes()));
  }

  /**
   * Records a job's status as the pipeline sees it. A status of another job (an older manifest
   * version) is replaced; one of the same job only moves forward.
   *
   * @return the status now in the bucket
   */
  public JobStatus record(String bucket, String folder, JobStatus proposed)
      throws TransientFailureException {
    if (conditional.get()) {
      // Most jobs are new: try to create the file outright (If-None-Match: *), which spares the
      // read. If a status exists (a redelivery, an older manifest version), merge as usual.
      JobStatus fresh = proposed.stamped(proposed.createdAt(), clock.instant());
      if (store.put(bucket, statusKey(folder), codec.encode(fresh), CONTENT_TYPE, null, true) == PutOutcome.WRITTEN) {
        return told(bucket, folder, fresh);
      }
    }
    return update(bucket, folder, current -> merge(current, proposed)).orElse(proposed);
  }

  /**
   * Applies {@code change} to the status of job {@code jobId}, if that job is still the folder's
   * current one and the change does not move it backwards.
   *
   * @return the status written, or empty when nothing was written
   */
  public Optional<JobStatus> advance(
      String bucket, String folder, String jobId, UnaryOperator<JobStatus> change)
      throws TransientFailureException {
    return update(
        bucket,
        folder,
        current ->
            current.filter(c -> c.jobId().equals(jobId)).flatMap(c -> sameJob(c, change.apply(c))));
  }

  /**
   * Records that a job starts (or starts again after an interrupted run): replaces the folder's
   * status unless it already records this job as finished. Unlike {@link #record}, it may take
   * the same job back from {@code running} to the start, which a re-run needs.
   *
   * @return the status written, or empty when the job is already finished
   */
  public Optional<JobStatus> begin(String bucket, String folder, JobStatus starting)
      throws TransientFailureException {
    return update(
        bucket,
        folder,
        current -> {
          if (current.isPresent()
              && current.get().jobId().equals(starting.jobId())
              && current.get().state().isFinal()) {
            return Optional.empty();
          }
          return Optional.of(
              current.filter(c -> c.jobId().equals(starting.jobId()))
                  .map(c -> starting.stamped(c.createdAt(), c.updatedAt()))
                  .orElse(starting));
        });
  }

  /** What to write instead of {@code current}, or empty to write nothing. */
  static Optional<JobStatus> merge(Optional<JobStatus> current, JobStatus proposed) {
    if (current.isEmpty() || !current.get().jobId().equals(proposed.jobId())) {
      return Optional.of(proposed);
    }
    return sameJob(current.get(), proposed);
  }

  private static Optional<JobStatus> sameJob(JobStatus current, JobStatus proposed) {
    if (!current.state().canMoveTo(proposed.state())) {
      return Optional.empty(); // late or duplicated update: never go backwards; the first final state wins
    }
    if (proposed.state() == current.state()
        && current.progress() != null
        && (proposed.progress() == null || proposed.progress() < current.progress())) {
      return Optional.empty(); // progress never goes backwards either
    }
    JobStatus candidate = proposed.stamped(current.createdAt(), current.updatedAt());
    if (candidate.notifications() == null && current.notifications() != null) {
      for (JobStatus.Delivery kept : current.notifications()) { // a status built afresh knows none: keep them
        candidate = candidate.withDelivery(kept);
      }
    }
    if (candidate.equals(current)) {
      return Optional.empty(); // nothing new: spare the write
    }
    return Optional.of(candidate);
  }

  private Optional<JobStatus> update(
      String bucket, String folder, java.util.function.Function<Optional<JobStatus>, Optional<JobStatus>> change)
      throws TransientFailureException {
    String key = statusKey(folder);
    ReentrantLock lock = locks[Math.floorMod((bucket + "/" + key).hashCode(), locks.length)];
    lock.lock();
    try {
      for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        Optional<BucketStore.Blob> blob = store.get(bucket, key, MAX_STATUS_BYTES);
        Optional<JobStatus> current = blob.flatMap(b -> codec.decode(b.bytes()));
        if (blob.isPresent() && current.isEmpty()) {
          LOG.warn("s3://{}/{} is not a status this watcher understands; replacing it", bucket, key);
        }
        Optional<JobStatus> next = change.apply(current);
        if (next.isEmpty()) {
          current.ifPresent(c -> upToDate(bucket, folder, c));
          return Optional.empty();
        }
        JobStatus toWrite = next.get().stamped(next.get().createdAt(), clock.instant());
        PutOutcome outcome = write(bucket, key, toWrite, blob.map(BucketStore.Blob::eTag));
        if (outcome == PutOutcome.WRITTEN) {
          return Optional.of(told(bucket, folder, toWrite));
        }
        LOG.debug("s3://{}/{} changed while updating it (attempt {}); merging again", bucket, key, attempt);
      }
      throw new TransientFailureException(
          "s3://" + bucket + "/" + key + " kept changing under " + MAX_ATTEMPTS + " attempts");
    } finally {
      lock.unlock();
    }
  }

  private PutOutcome write(String bucket, String key, JobStatus status, Optional<String> readETag)
      throws TransientFailureException {
    byte[] bytes = codec.encode(status);
    if (!conditional.get()) {
      return store.put(bucket, key, bytes, CONTENT_TYPE, null, false);
    }
    PutOutcome outcome =
        store.put(bucket, key, bytes, CONTENT_TYPE, readETag.orElse(null), readETag.isEmpty());
    if (outcome == PutOutcome.CONDITIONS_UNSUPPORTED) {
      if (conditionalForced) {
        throw new TransientFailureException(
            "the store rejects conditional writes but watcher.s3.conditional-writes=on");
      }
      LOG.warn("the store does not support conditional writes; relying on the state order only");
      conditional.set(false);
      return store.put(bucket, key, bytes, CONTENT_TYPE, null, false);
    }
    return outcome;
  }
}
