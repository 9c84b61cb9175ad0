package org.odmwatcher.workflow;

import io.micronaut.core.annotation.Nullable;
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
 * @param resume the kept workspace of the folder's failed run this job continues, or null for a
 *     run from the start
 */
public record JobSpec(
    String bucket,
    String folder,
    JobId jobId,
    String manifestETag,
    OdmManifest manifest,
    List<String> images,
    String resultsPrefix,
    long imageBytes,
    @Nullable Resumption resume) {

  public JobSpec {
    images = List.copyOf(images);
  }

  public JobSpec(String bucket, String folder, JobId jobId, String manifestETag, OdmManifest manifest,
      List<String> images, String resultsPrefix, long imageBytes) {
    this(bucket, folder, jobId, manifestETag, manifest, images, resultsPrefix, imageBytes, null);
  }

  /**
   * Where a resumed job continues: the failed run's kept workspace and ODM project in it.
   *
   * @param workspace the kept workspace (a PersistentVolumeClaim's name; local mode: a folder)
   * @param project ODM's project folder in it (the failed run's job id)
   * @param fromJob the failed run's job id
   * @param fromStage ODM's {@code --rerun-from} stage, or null to let ODM skip what is done
   * @param steppedUpMemory the memory the failed run's resume hint suggested after an
   *     out-of-memory kill, or null
   */
  public record Resumption(String workspace, String project, String fromJob, @Nullable String fromStage,
      @Nullable String steppedUpMemory) {}

  /** This job, continuing {@code value}. */
  public JobSpec resuming(Resumption value) {
    return new JobSpec(bucket, folder, jobId, manifestETag, manifest, images, resultsPrefix, imageBytes, value);
  }

  public JobSpec(String bucket, String folder, JobId jobId, String manifestETag, OdmManifest manifest,
      List<String> images, String resultsPrefix) {
    this(bucket, folder, jobId, manifestETag, manifest, images, resultsPrefix, -1);
  }
}
