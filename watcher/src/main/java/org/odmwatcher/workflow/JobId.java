package org.odmwatcher.workflow;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The deterministic identity of one upload of a manifest: SHA-256 over bucket, folder and the
 * manifest's version ({@code BucketStore.version}: its version id on versioned buckets, else its
 * ETag and the second of its Last-Modified). The same upload announced twice (or by two sources)
 * yields the same id, hence the same Workflow name and a 409 on the second create; another upload,
 * edited or byte for byte the same, yields a new id and a new job.
 */
public record JobId(String value) {
  private static final int LENGTH = 32;

  public JobId {
    Objects.requireNonNull(value);
    if (!value.matches("[0-9a-f]{" + LENGTH + "}")) {
      throw new IllegalArgumentException("not a job id: " + value);
    }
  }

  public static JobId derive(String bucket, String folder, String manifestVersion) {
    return new JobId(sha256(bucket + '\n' + folder + '\n' + manifestVersion).substring(0, LENGTH));
  }

  /** The Workflow's name: {@code odm-} and the first 16 hex digits (64 bits). */
  public String workflowName() {
    return "odm-" + value.substring(0, 16);
  }

  /** A short, label-safe hash of any string (bucket names can be 63 chars with dots). */
  public static String shortHash(String text) {
    return sha256(text).substring(0, 16);
  }

  private static String sha256(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }

  @Override
  public String toString() {
    return value;
  }
}
