package org.odmwatcher.event;

import io.micronaut.core.annotation.Nullable;
import java.time.Instant;
import java.util.Objects;

/**
 * One "an object was created" fact, whatever source announced it (SQS, SNS, EventBridge, MinIO
 * webhook, bucket sweep). Keys are always decoded (a space is a space).
 *
 * @param bucket bucket name
 * @param key decoded object key
 * @param size object size in bytes, -1 when the source does not say
 * @param eTag ETag without quotes, or null
 * @param versionId version id on versioned buckets, or null
 * @param sequencer S3's per-key ordering token, or null
 * @param eventTime when the store says it happened, or null
 */
public record ObjectCreated(
    String bucket,
    String key,
    long size,
    @Nullable String eTag,
    @Nullable String versionId,
    @Nullable String sequencer,
    @Nullable Instant eventTime) {

  public ObjectCreated {
    Objects.requireNonNull(bucket, "bucket");
    Objects.requireNonNull(key, "key");
    if (bucket.isBlank() || key.isBlank()) {
      throw new IllegalArgumentException("bucket and key must not be blank");
    }
    if (eTag != null) {
      eTag = eTag.replace("\"", "");
    }
  }

  /** A record knowing only where the object is (as a listing yields). */
  public static ObjectCreated of(String bucket, String key) {
    return new ObjectCreated(bucket, key, -1, null, null, null, null);
  }

  /** The folder the object is in, with a trailing slash ({@code ""} at the bucket's root). */
  public String folder() {
    int slash = key.lastIndexOf('/');
    return slash < 0 ? "" : key.substring(0, slash + 1);
  }

  /** The file name after the last slash. */
  public String fileName() {
    return key.substring(key.lastIndexOf('/') + 1);
  }
}
