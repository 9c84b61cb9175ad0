package org.odmwatcher.workflow;

import java.util.List;
import java.util.Optional;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.status.JobStatus;

/**
 * ODM's console of a job as its engine still holds it: the running ODM's output, or what the
 * engine keeps of a finished one (Argo keeps a failed pod and its log). Once a job has ended its
 * {@code odm.log} is among the results; this is for the time before, and for what the results lack.
 * Argo reads the {@code process} pod's log ({@link ProcessPodLog}); local mode the log file its ODM
 * writes ({@code workflow/local}).
 */
public interface JobConsole {
  /** The console lines of the job {@code status} records; empty when this engine holds none now. */
  Optional<List<String>> lines(JobStatus status) throws TransientFailureException;
}
