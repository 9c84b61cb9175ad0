package org.odmwatcher.workflow;

import org.odmwatcher.event.TransientFailureException;
import org.odmwatcher.status.JobStatus;

/**
 * Starts jobs somewhere (Argo on Kubernetes, or a local executor). Submitting the same {@link
 * JobSpec} twice must start it once: the second call reports {@code created=false}.
 */
public interface JobSubmitter {

  /** The result of a submit. */
  record Submission(boolean created, JobStatus.WorkflowRef workflow, String engine) {}

  Submission submit(JobSpec spec) throws TransientFailureException;

  /** Stops the job if it still runs. Idempotent; unknown jobs are ignored. */
  void cancel(JobId jobId) throws TransientFailureException;
}
