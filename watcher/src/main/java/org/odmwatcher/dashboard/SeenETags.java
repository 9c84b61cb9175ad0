package org.odmwatcher.dashboard;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ETag of each {@code status.json} the seed last read or trusted, by bucket and folder, held
 * small for 100,000 folders: the folder string is the caller's (the index row's own, so not held
 * twice), and an ETag that is an MD5 (a single-part PUT's, S3's and MinIO's alike; quoted or, as
 * {@link org.odmwatcher.storage.BucketStore} hands it, not) is kept as its 16 bytes rather than a
 * 32-character string. Any other ETag (multipart: {@code "…-N"}) is
 * kept as it came.
 */
final class SeenETags {
  /** A quoted 32-hex-digit ETag as two longs. */
  private record Md5(long high, long low) {}

  private final Map<String, Map<String, Object>> byBucket = new ConcurrentHashMap<>();

  void put(String bucket, String folder, String eTag) {
    byBucket.computeIfAbsent(bucket, b -> new ConcurrentHashMap<>()).put(folder, compact(eTag));
  }

  /** Whether {@code eTag} is the one last seen for the folder's status. */
  boolean same(String bucket, String folder, String eTag) {
    Map<String, Object> folders = byBucket.get(bucket);
    Object seen = folders == null ? null : folders.get(folder);
    return seen != null && seen.equals(compact(eTag));
  }

  int size() {
    return byBucket.values().stream().mapToInt(Map::size).sum();
  }

  static Object compact(String eTag) {
    // BucketStore hands ETags without their quotes; a quoted one is taken too
    int from = eTag.length() == 34 && eTag.charAt(0) == '"' && eTag.charAt(33) == '"' ? 1 : 0;
    if (eTag.length() - 2 * from == 32) {
      try {
        return new Md5(Long.parseUnsignedLong(eTag, from, from + 16, 16), Long.parseUnsignedLong(eTag, from + 16, from + 32, 16));
      } catch (NumberFormatException e) {
        return eTag; // not hex: kept as it came
      }
    }
    return eTag;
  }
}
