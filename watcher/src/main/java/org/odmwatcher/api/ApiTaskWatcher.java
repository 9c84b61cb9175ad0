package org.odmwatcher.api;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.odmwatcher.api.dto.TaskInfo;
import org.odmwatcher.api.dto.TaskRecord;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.status.JobState;
import org.odmwatcher.status.JobStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Does, for API tasks, what NodeODM does when a task ends: packs {@code all.zip} and calls the
 * webhook. It polls the API prefix rather than hooking into the status writers, so the pipeline
 * stays unaware of the API and it works whichever process (informer, exit handler, another
 * replica) recorded the end. A task is looked at until its current job has been handled; then
 * only the folder listing costs anything. Also resubmits committed tasks whose submit failed,
 * and counts the tasks queued or running for {@code /info}.
 */
public final class ApiTaskWatcher {
  private static final Logger LOG = LoggerFactory.getLogger(ApiTaskWatcher.class);

  private final ApiTasks tasks;
  private final Webhooks webhooks;
  /** uuid → the job whose end was handled by this process, and when it ended. */
  private final Map<String, Ended> handled = new ConcurrentHashMap<>();
  /** uuid → when an uncommitted task was created ({@code task.json} is read once, not every poll). */
  private final Map<String, Long> uncommitted = new ConcurrentHashMap<>();
  private final AtomicInteger unfinished = new AtomicInteger();
  private final Duration uploadExpiry;
  private final Duration cleanupTasksAfter;
  private final Clock clock;

  private record Ended(String jobId, Instant at) {}

  public ApiTaskWatcher(ApiTasks tasks, Webhooks webhooks, Duration uploadExpiry) {
    this(tasks, webhooks, uploadExpiry, Duration.ZERO, Clock.systemUTC());
  }

  /**
   * @param cleanupTasksAfter finished tasks are deleted this long after their job ended ({@code
   *     watcher.api.cleanup-tasks-after}); zero keeps them
   */
  public ApiTaskWatcher(ApiTasks tasks, Webhooks webhooks, Duration uploadExpiry, Duration cleanupTasksAfter, Clock clock) {
    this.tasks = tasks;
    this.webhooks = webhooks;
    this.uploadExpiry = uploadExpiry;
    this.cleanupTasksAfter = cleanupTasksAfter;
    this.clock = clock;
  }

  /** API tasks queued or running as of the last poll. */
  public int unfinished() {
    return unfinished.get();
  }

  /** Forget what was handled for a task (it was restarted or removed here). */
  public void forget(String uuid) {
    handled.remove(uuid);
  }

  public void poll() {
    int open = 0;
    try {
      java.util.List<String> listed = tasks.list();
      // only tasks that still exist are remembered: the map cannot outgrow the bucket's task list
      java.util.Set<String> present = new java.util.HashSet<>(listed);
      handled.keySet().retainAll(present);
      uncommitted.keySet().retainAll(present);
      for (String uuid : listed) {
        Ended ended = handled.get(uuid);
        if (ended != null) {
          expireIfDue(uuid, ended);
          continue;
        }
        try {
          if (!check(uuid)) {
            open++;
          }
        } catch (TransientFailureException | RuntimeException e) {
          open++;
          LOG.info("API task {} not checked ({}); next poll tries again", uuid, e.getMessage());
        }
      }
      unfinished.set(open);
    } catch (TransientFailureException e) {
      LOG.warn("cannot list API tasks: {}", e.getMessage());
    }
  }

  /** A finished task whose job ended {@code cleanup-tasks-after} ago is deleted (checked against the bucket first). */
  private void expireIfDue(String uuid, Ended ended) {
    if (cleanupTasksAfter.isZero() || clock.instant().isBefore(ended.at().plus(cleanupTasksAfter))) {
      return; // no S3 call until it is due
    }
    try {
      if (tasks.expireIfFinished(uuid, ended.jobId(), cleanupTasksAfter)) {
        handled.remove(uuid);
      }
    } catch (TransientFailureException | RuntimeException e) {
      LOG.info("finished API task {} not cleaned up ({}); next poll tries again", uuid, e.getMessage());
    }
  }

  /** @return whether the task's current job is over and handled */
  private boolean check(String uuid) throws TransientFailureException {
    Optional<JobStatus> status = tasks.status(uuid);
    if (status.isEmpty()) {
      // No status: committed but not submitted (resubmit), or still uploading. An uploading task
      // costs the status GET and one HEAD per poll; its task.json is read once, for its age.
      if (tasks.committed(uuid)) {
        uncommitted.remove(uuid);
        tasks.resubmit(uuid);
        return false;
      }
      Long created = uncommitted.get(uuid);
      if (created == null) {
        Optional<Long> read = tasks.createdAt(uuid);
        if (read.isEmpty()) {
          return true; // removed meanwhile
        }
        created = read.get();
        uncommitted.put(uuid, created);
      }
      if (clock.millis() - created >= uploadExpiry.toMillis() && tasks.expireIfUncommitted(uuid, uploadExpiry)) {
        uncommitted.remove(uuid);
        return true;
      }
      return false;
    }
    uncommitted.remove(uuid);
    JobStatus job = status.get();
    if (job.state() == JobState.WAITING) {
      tasks.recheckWhileWaiting(uuid);
      return false;
    }
    if (!job.state().isFinal() || tasks.settling(job)) {
      return false; // the webhook tells the final state once the API shows it
    }
    Optional<TaskRecord> task = tasks.readTask(uuid);
    if (task.isEmpty()) {
      return true; // removed meanwhile
    }
    if (job.state() == JobState.SUCCEEDED) {
      tasks.archive().ensure(tasks.bucket(), tasks.folder(uuid), task.get().outputs());
    }
    String webhook = task.get().webhook();
    if (webhook != null && !job.jobId().equals(task.get().notifiedJobId())) {
      Optional<TaskInfo> info = tasks.infoIfExists(uuid);
      if (info.isPresent()) {
        webhooks.deliver(webhook, info.get(), () -> {
          try {
            tasks.markNotified(uuid, job.jobId());
          } catch (TransientFailureException e) {
            LOG.info("webhook of {} delivered but not recorded: {}", uuid, e.getMessage());
          }
        });
      }
    }
    handled.put(uuid, new Ended(job.jobId(), job.finishedAt() != null ? job.finishedAt() : job.updatedAt()));
    expireIfDue(uuid, handled.get(uuid));
    return true;
  }
}
