package org.odmwatcher.api;

import io.micronaut.core.annotation.Nullable;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.odmwatcher.api.dto.TaskRecord;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.workflow.ChildWorkflows;

/**
 * What a caller may still create, checked at {@code init} before anything is written: a split-merge
 * job's token only while its job runs and up to {@code watcher.split-merge.max-tasks-per-job}
 * tasks of that job at once; every caller up to {@code watcher.api.max-tasks} task folders in all.
 *
 * <p>The counts come from the bucket (the task list, which the {@link TaskView} holds for {@code
 * view-expiry}), so they hold across replicas. Which job a task belongs to is in its {@code
 * task.json} and never changes, so each task's is read once and kept (for the tasks still listed).
 * Two calls at the same moment may both pass the last free place: the caps are limits against
 * abuse, not exact accounting.
 */
final class TaskQuotas {
  /** Reads a task's record from the bucket. */
  @FunctionalInterface
  interface Records {
    Optional<TaskRecord> read(String uuid) throws TransientFailureException;
  }

  private static final String NONE = "";
  private final TaskView view;
  private final Records records;
  private final int maxTasks;
  private final int maxTasksPerJob;
  private final @Nullable ChildWorkflows jobs;
  /** uuid → the split-merge job of its task ({@link #NONE} for none). */
  private final Map<String, String> jobOf = new ConcurrentHashMap<>();

  TaskQuotas(TaskView view, Records records, int maxTasks, int maxTasksPerJob, @Nullable ChildWorkflows jobs) {
    this.view = view;
    this.records = records;
    this.maxTasks = maxTasks;
    this.maxTasksPerJob = maxTasksPerJob;
    this.jobs = jobs;
  }

  /** Refuses one more task of {@code parentJob} (null: a caller with the API token) when over a limit. */
  void checkRoomFor(@Nullable String parentJob) throws ApiException, TransientFailureException {
    if (parentJob != null && (jobs == null || !jobs.isRunning(parentJob))) {
      // A token outlives nothing it was made for: a job that ended, was stopped or never existed.
      throw new ApiException("Invalid authentication token: the split-merge job " + parentJob + " is not running", true);
    }
    List<String> listed = view.list();
    if (listed.size() >= maxTasks) {
      throw new ApiException("This node holds " + listed.size() + " tasks, its most (watcher.api.max-tasks); remove some first");
    }
    if (parentJob != null && tasksOf(parentJob, listed) >= maxTasksPerJob) {
      throw new ApiException("Job " + parentJob + " holds " + maxTasksPerJob
          + " tasks, its most (watcher.split-merge.max-tasks-per-job); remove some first");
    }
  }

  private int tasksOf(String parentJob, List<String> listed) throws TransientFailureException {
    jobOf.keySet().retainAll(new HashSet<>(listed));
    int count = 0;
    for (String uuid : listed) {
      String job = jobOf.get(uuid);
      if (job == null) {
        Optional<TaskRecord> task = records.read(uuid);
        if (task.isEmpty()) {
          continue; // removed meanwhile, or not a task: asked again if it is listed again
        }
        job = task.get().parentJob() == null ? NONE : task.get().parentJob();
        jobOf.put(uuid, job);
      }
      if (job.equals(parentJob)) {
        count++;
      }
    }
    return count;
  }

  /** A task this process created or removed: its job is read again if it is listed. */
  void forget(String uuid) {
    jobOf.remove(uuid);
  }
}
