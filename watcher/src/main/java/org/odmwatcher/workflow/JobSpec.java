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
 * @param imageBytes the images' total size in bytes; -1 when unknown (scratch space is then estimated per image)
 */
public record JobSpec(
    String bucket,
    String folder,
    JobId jobId,
    String manifestETag,
    OdmManifest manifest,
    List<String> images,
    String resultsPrefix,
    long imageBytes) {

  public JobSpec {
    images = List.copyOf(images);
  }

  public JobSpec(String bucket, String folder, JobId jobId, String manifestETag, OdmManifest manifest,
      List<String> images, String resultsPrefix) {
    this(bucket, folder, jobId, manifestETag, manifest, images, resultsPrefix, -1);
  }
}
