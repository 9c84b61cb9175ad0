package org.odmwatcher.status;

/** Told about every {@code status.json} this process wrote (the dashboard's index listens). */
@FunctionalInterface
public interface StatusListener {
  void written(String bucket, String folder, JobStatus status);
}
