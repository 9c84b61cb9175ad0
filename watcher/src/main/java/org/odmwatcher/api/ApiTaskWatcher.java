package org.odmwatcher.api;

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
  /** uuid → the job id whose end was handled by this process. */
  private final Map<String, String> handled = new ConcurrentHashMap<>();
  private final AtomicInteger unfinished = new AtomicInteger();
  private final java.time.Duration uploadExpiry;

  public ApiTaskWatcher(ApiTasks tasks, Webhooks webhooks, java.time.Duration uploadExpiry) {
    this.tasks = tasks;
    this.webhooks = webhooks;
    this.uploadExpiry = uploadExpiry;
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
      handled.keySet().retainAll(new java.util.HashSet<>(listed));
      for (String uuid : listed) {
        if (handled.containsKey(uuid)) {
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

  /** @return whether the task's current job is over and handled */
  private boolean check(String uuid) throws TransientFailureException {
    Optional<JobStatus> status = tasks.status(uuid);
    if (status.isEmpty()) {
      if (tasks.expireIfUncommitted(uuid, uploadExpiry)) {
        return true;
      }
      tasks.resubmitIfStuck(uuid);
      return false;
    }
    JobStatus job = status.get();
    if (job.state() == JobState.WAITING) {
      tasks.recheckWhileWaiting(uuid);
      return false;
    }
    if (!job.state().isFinal()) {
      return false;
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
    handled.put(uuid, job.jobId());
    return true;
  }
}
