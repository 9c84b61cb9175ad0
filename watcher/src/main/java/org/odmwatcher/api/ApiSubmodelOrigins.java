package org.odmwatcher.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Optional;
import org.odmwatcher.api.dto.TaskRecord;
import org.odmwatcher.pipeline.SubmodelOrigins;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.storage.BucketStore;

/**
 * A folder is a split-merge submodel of a job only when it is one of this API's task folders
 * ({@code <bucket>/<prefix><uuid>/}) and its {@code task.json}, which only {@code init} writes (with
 * the job that the caller's token names), carries that job. The manifest alone proves nothing: a
 * bucket writer can put anything into {@code odm.json}.
 */
final class ApiSubmodelOrigins implements SubmodelOrigins {
  private static final int MAX_TASK_BYTES = 1 << 20;
  private final BucketStore store;
  private final String bucket;
  private final String prefix;
  private final ObjectMapper json;

  ApiSubmodelOrigins(BucketStore store, String bucket, String prefix, ObjectMapper json) {
    this.store = store;
    this.bucket = bucket;
    this.prefix = prefix;
    this.json = json;
  }

  @Override
  public boolean isTaskOf(String bucket, String folder, String parentJob) throws TransientFailureException {
    if (!this.bucket.equals(bucket) || !folder.startsWith(prefix) || !folder.endsWith("/")) {
      return false;
    }
    String uuid = folder.substring(prefix.length(), folder.length() - 1);
    if (!ApiTasks.UUID_SHAPE.matcher(uuid).matches()) {
      return false;
    }
    Optional<BucketStore.Blob> blob = store.get(bucket, folder + ApiTasks.TASK_FILE, MAX_TASK_BYTES);
    if (blob.isEmpty() || blob.get().truncated()) {
      return false;
    }
    try {
      TaskRecord task = json.readValue(blob.get().bytes(), TaskRecord.class);
      return uuid.equals(task.uuid()) && parentJob.equals(task.parentJob());
    } catch (IOException e) {
      return false;
    }
  }
}
