package org.odmwatcher.status;

/** Told about every {@code status.json} this process wrote (the dashboard's index listens). */
@FunctionalInterface
public interface StatusListener {
  void written(String bucket, String folder, JobStatus status);

  /**
   * Told about a status this process read while updating it and left as it was, because it already
   * said as much: another process (the Workflow's exit handler, another replica) wrote it first.
   */
  default void upToDate(String bucket, String folder, JobStatus status) {}
}
