package org.odmwatcher.workflow;

import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.status.JobStatus;

/**
 * Starts jobs somewhere (Argo on Kubernetes, or a local executor). Submitting the same {@link
 * JobSpec} twice must start it once: the second call reports {@code created=false}.
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
