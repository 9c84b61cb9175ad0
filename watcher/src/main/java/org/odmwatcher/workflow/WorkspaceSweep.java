package org.odmwatcher.workflow;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.status.JobState;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.StatusWriter;
import org.odmwatcher.storage.BucketStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes kept workspaces nobody will resume: expired ({@link KeptWorkspaces#KEEP_UNTIL} passed),
 * their folder's {@code odm.json} deleted, or a newer job of the folder that runs without them
 * (its {@code status.json} names another job and not this workspace, and it is past waiting for
 * its images). Run every {@code watcher.workspace.sweep-interval}; each removal is logged with its
 * reason. The same rules for the cluster's claims and local mode's work folders ({@link
 * KeptWorkspaceStore}).
 */
public final class WorkspaceSweep {
  private static final Logger LOG = LoggerFactory.getLogger(WorkspaceSweep.class);

  /** One removal and why. */
  public record Removed(String claim, String reason) {}

  private final KeptWorkspaceStore volumes;
  private final BucketStore store;
  private final StatusWriter statusWriter;
  private final String manifestName;
  private final Clock clock;

  public WorkspaceSweep(KeptWorkspaceStore volumes, BucketStore store, StatusWriter statusWriter, String manifestName,
      Clock clock) {
    this.volumes = volumes;
    this.store = store;
    this.statusWriter = statusWriter;
    this.manifestName = manifestName;
    this.clock = clock;
  }

  /**
   * Runs the sweep every {@code interval} on a daemon thread of its own (the cluster's watcher and
   * local mode alike); a round that fails is logged and the next one tries again.
   *
   * @return the timer, for the caller to shut down
   */
  public ScheduledExecutorService every(Duration interval, String threadName) {
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, threadName);
      t.setDaemon(true);
      return t;
    });
    long every = interval.toMillis();
    timer.scheduleWithFixedDelay(() -> {
      try {
        sweep();
      } catch (TransientFailureException | RuntimeException e) {
        LOG.info("{} not done ({}); next round", threadName, e.getMessage());
      }
    }, every, every, TimeUnit.MILLISECONDS);
    return timer;
  }

  public List<Removed> sweep() throws TransientFailureException {
    Instant now = clock.instant();
    List<Removed> removed = new ArrayList<>();
    for (KeptWorkspaces.Kept kept : volumes.all()) {
      String reason = reason(kept, now);
      if (reason != null) {
        volumes.release(kept.claim());
        LOG.info("workspace {} of s3://{}/{} removed: {}", kept.claim(), kept.bucket(), kept.folder(), reason);
        removed.add(new Removed(kept.claim(), reason));
      }
    }
    return removed;
  }

  private String reason(KeptWorkspaces.Kept kept, Instant now) throws TransientFailureException {
    if (!kept.keepUntil().isAfter(now)) {
      return "kept until " + kept.keepUntil() + " (watcher.workspace.keep-failed, keep-succeeded)";
    }
    if (store.size(kept.bucket(), kept.folder() + manifestName).isEmpty()) {
      return "the folder's " + manifestName + " was deleted";
    }
    Optional<JobStatus> status = statusWriter.read(kept.bucket(), kept.folder());
    if (status.isPresent() && !status.get().jobId().equals(kept.jobId()) && status.get().state() != JobState.WAITING
        && (status.get().workspace() == null || !kept.claim().equals(status.get().workspace().volume()))) {
      return "job " + status.get().jobId() + " of the folder runs without it";
    }
    return null;
  }
}
