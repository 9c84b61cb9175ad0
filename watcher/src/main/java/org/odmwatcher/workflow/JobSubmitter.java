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
}
