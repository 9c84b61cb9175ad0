package org.odmwatcher.workflow;

import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.status.JobStatus;

/**
 * Starts jobs somewhere (Argo on Kubernetes, or a local executor). Submitting the same {@link
 * JobSpec} twice must start it once: the second call reports {@code created=false}. A folder runs
 * one job at a time: an earlier job of the folder (an earlier upload of its manifest) that still
 * runs is stopped, as {@link #cancel} stops it, and records nothing over the new job's status.
 */
public interface JobSubmitter {

  /** The result of a submit. */
  record Submission(boolean created, JobStatus.WorkflowRef workflow, String engine) {}

  /**
   * Starts the job.
   *
   * @throws TransientFailureException when it may work later (executor unreachable, throttled,
   *     not authorised yet): the event is offered again
   * @throws JobRejectedException when the executor refuses this job for good
   */
  Submission submit(JobSpec spec) throws TransientFailureException, JobRejectedException;

  /** Stops the job if it still runs. Idempotent; unknown jobs are ignored. */
  void cancel(JobId jobId) throws TransientFailureException;

  /**
   * Whether the workspace {@code volume} a failed job's {@code status.json} names is still kept at
   * {@code now}, so that a new job can resume on it. Executors that keep nothing: false.
   */
  default boolean keeps(String volume, java.time.Instant now) throws TransientFailureException {
    return false;
  }

  /** A resumed job was submitted on the kept {@code volume}: it is that job's now, no longer kept. */
  default void takeOver(String volume) throws TransientFailureException {}

  /** Removes a kept workspace that no run needs any more (gone already is fine). */
  default void release(String volume) throws TransientFailureException {}
}
