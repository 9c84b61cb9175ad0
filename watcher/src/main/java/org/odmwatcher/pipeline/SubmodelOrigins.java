package org.odmwatcher.pipeline;

import org.odmwatcher.retry.TransientFailureException;

/**
 * Who may make a folder a split-merge submodel. A manifest's {@code parentJob} makes its job
 * another job's child (counted in that job's caps, listed in its {@code submodels}, stopped by its
 * cancel), so it is honoured only where the NodeODM API wrote it: for a task created with that
 * job's token, whose own {@code task.json} names the job. A bucket writer who puts {@code parentJob}
 * into an {@code odm.json} (any folder, the API's task folders included) gets {@code invalid}.
 */
@FunctionalInterface
public interface SubmodelOrigins {
  /** None: no API runs here, so no folder is a submodel. */
  SubmodelOrigins NONE = (bucket, folder, parentJob) -> false;

  /** Whether the folder is an API task created for {@code parentJob} by that job's own token. */
  boolean isTaskOf(String bucket, String folder, String parentJob) throws TransientFailureException;
}
