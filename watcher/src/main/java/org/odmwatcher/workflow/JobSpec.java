package org.odmwatcher.workflow;

import java.util.List;
import org.odmwatcher.manifest.OdmManifest;

/**
 * Everything needed to run one job: where the folder is, which manifest version, and what it asks.
 *
 * @param bucket bucket
 * @param folder folder prefix with trailing slash
 * @param jobId the manifest version's id
 * @param manifestETag the manifest's ETag
 * @param manifest the validated manifest
 * @param images keys of the images found
 * @param resultsPrefix where results go
 */
public record JobSpec(
    String bucket,
    String folder,
    JobId jobId,
    String manifestETag,
    OdmManifest manifest,
    List<String> images,
    String resultsPrefix) {

  public JobSpec {
    images = List.copyOf(images);
  }
}
