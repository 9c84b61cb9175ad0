package org.odmwatcher.storage;

import io.micronaut.core.annotation.Nullable;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.odmwatcher.retry.TransientFailureException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The watcher's only door to S3. It reads, lists and writes, and it is the one place that sorts S3
 * failures into "the object is not there", "the precondition failed", {@link
 * PermanentFailureException} (an answer that never changes: 400 for a malformed request, 414) and
 * {@link TransientFailureException} (everything else: network, 5xx, throttling, access denied — a
 * misconfiguration is fixed by a human, and the event must survive until then).
 */
public final class BucketStore {
  private final S3Client s3;

  public BucketStore(S3Client s3) {
    this.s3 = s3;
  }

  /**
   * An object's bytes and identity. {@code truncated} when it was larger than asked for; {@code
   * lastModified} in whole seconds (as the {@code Last-Modified} header has it), null when the store
   * does not say.
   */
  public record Blob(
      byte[] bytes, String eTag, @Nullable String versionId, long size, boolean truncated,
      @Nullable Instant lastModified) {

    /** Which upload of the object this is: see {@link BucketStore#version}. */
    public String version() {
      return BucketStore.version(versionId, eTag, lastModified);
    }
  }

  /** One entry of a listing; {@code lastModified} in whole seconds, null when the store does not say. */
  public record Entry(String key, long size, String eTag, @Nullable Instant lastModified) {

    public Entry(String key, long size, String eTag) {
      this(key, size, eTag, null);
    }

    /**
     * Which upload of the object this is, as far as a listing can tell (it carries no version id):
     * {@link BucketStore#version} without one.
     */
    public String unversioned() {
      return BucketStore.version(null, eTag, lastModified);
    }
  }

  /**
   * Names one upload of an object, so that uploading the same bytes again is a new version and
   * announcing the same upload again is not: the version id where the bucket keeps versions, else
   * the ETag and the second of {@code Last-Modified} (both in every GET, HEAD and listing, so every
   * event source agrees on it). S3's "null" version id (objects written while versioning was off or
   * suspended; each upload replaces it) names no upload. Without a time, the ETag alone.
   */
  public static String version(@Nullable String versionId, String eTag, @Nullable Instant lastModified) {
    if (versionId != null && !versionId.isEmpty() && !"null".equals(versionId)) {
      return versionId;
    }
    return lastModified == null ? eTag : eTag + "@" + lastModified.getEpochSecond();
  }

  /** A folder listed with a delimiter: the files directly in it and its sub-folders. */
  public record FolderContents(List<Entry> files, List<String> subFolders) {}

  /** The outcome of a conditional write. */
  public enum PutOutcome {
    WRITTEN,
    /** The object changed since it was read (If-Match) or exists (If-None-Match). */
    PRECONDITION_FAILED,
    /** The store does not implement conditional writes. */
    CONDITIONS_UNSUPPORTED
  }

  /** Reads at most {@code maxBytes} of an object; empty when it does not exist. */
  public Optional<Blob> get(String bucket, String key, long maxBytes)
      throws TransientFailureException {
    try (ResponseInputStream<GetObjectResponse> in =
        s3.getObject(b -> b.bucket(bucket).key(key))) {
      return Optional.of(blob(in, maxBytes));
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return Optional.empty();
      }
      throw transientFailure("read", bucket, key, e);
    } catch (SdkException | IOException e) {
      throw transientFailure("read", bucket, key, e);
    }
  }

  /** The answer to a conditional read ({@link #getIfChanged}). */
  public sealed interface Revalidated {
    /** The object still has the ETag the caller holds (HTTP 304): no body was sent. */
    record NotModified() implements Revalidated {}

    /** The object changed (or the caller held no ETag): its new bytes. */
    record Changed(Blob blob) implements Revalidated {}

    /** The object does not exist (any more). */
    record Gone() implements Revalidated {}
  }

  /**
   * Reads an object only if its ETag is no longer {@code eTag} ({@code If-None-Match}; S3 answers
   * 304 Not Modified without a body otherwise). With {@code eTag} null it is a plain read.
   */
  public Revalidated getIfChanged(String bucket, String key, long maxBytes, @Nullable String eTag)
      throws TransientFailureException {
    if (eTag == null || eTag.isEmpty()) {
      return get(bucket, key, maxBytes).<Revalidated>map(Revalidated.Changed::new).orElseGet(Revalidated.Gone::new);
    }
    try (ResponseInputStream<GetObjectResponse> in =
        s3.getObject(b -> b.bucket(bucket).key(key).ifNoneMatch("\"" + eTag + "\""))) {
      return new Revalidated.Changed(blob(in, maxBytes));
    } catch (NoSuchKeyException e) {
      return new Revalidated.Gone();
    } catch (S3Exception e) {
      if (e.statusCode() == 304) {
        return new Revalidated.NotModified();
      }
      if (e.statusCode() == 404) {
        return new Revalidated.Gone();
      }
      throw transientFailure("read", bucket, key, e);
    } catch (SdkException | IOException e) {
      throw transientFailure("read", bucket, key, e);
    }
  }

  /**
   * Lists what is directly in a folder (delimiter {@code /}), all pages. Both listings ask for
   * {@code encoding-type=url}: a key may hold characters XML 1.0 cannot carry (ESC and most other
   * control characters), and a store answering them raw (S3Proxy) or refusing to answer makes the
   * whole listing fail. The SDK decodes the keys again (its {@code
   * DecodeUrlEncodedResponseInterceptor}), so callers see them as written.
   */
  public FolderContents listFolder(String bucket, String folder) throws TransientFailureException {
    List<Entry> files = new ArrayList<>();
    List<String> subFolders = new ArrayList<>();
    try {
      ListObjectsV2Request request =
          ListObjectsV2Request.builder().bucket(bucket).prefix(folder).delimiter("/").encodingType(EncodingType.URL).build();
      for (ListObjectsV2Response page : s3.listObjectsV2Paginator(request)) {
        page.contents()
            .forEach(o -> files.add(new Entry(o.key(), o.size(), unquote(o.eTag()), seconds(o.lastModified()))));
        page.commonPrefixes().stream().map(CommonPrefix::prefix).forEach(subFolders::add);
      }
    } catch (SdkException e) {
      throw transientFailure("list", bucket, folder, e);
    }
    return new FolderContents(files, subFolders);
  }

  /** Lists every key under a prefix, recursively, all pages. */
  public List<Entry> listAll(String bucket, String prefix) throws TransientFailureException {
    List<Entry> entries = new ArrayList<>();
    listEach(bucket, prefix, entries::add);
    return entries;
  }

  /**
   * Hands every key under a prefix, recursively, to {@code each}, one page at a time: a walk of a
   * whole bucket (the sweep, the dashboard's seed) holds one page of entries, not the bucket's.
   */
  public void listEach(String bucket, String prefix, java.util.function.Consumer<Entry> each) throws TransientFailureException {
    listEach(bucket, prefix, null, null, each);
  }

  /**
   * S3's listing order: keys by their UTF-8 bytes ("List results are always returned in UTF-8
   * binary order", the S3 API Reference, ListObjectsV2), which is not {@link String}'s order for
   * characters past U+FFFF.
   */
  public static final java.util.Comparator<String> KEY_ORDER = (a, b) -> java.util.Arrays.compareUnsigned(
      a.getBytes(java.nio.charset.StandardCharsets.UTF_8), b.getBytes(java.nio.charset.StandardCharsets.UTF_8));

  /**
   * {@link #listEach(String, String, java.util.function.Consumer)} over one range of the keys: those
   * after {@code startAfter} (S3's own {@code StartAfter}; null: from the first) up to and including
   * {@code upTo} (null: to the last), in {@link #KEY_ORDER}. Ranges that meet at their bounds
   * ({@code (null, k1]}, {@code (k1, k2]}, …, {@code (kn, null)}) list every key once, and can be
   * listed at the same time: S3 serves one listing a page after another.
   */
  public void listEach(String bucket, String prefix, @Nullable String startAfter, @Nullable String upTo,
      java.util.function.Consumer<Entry> each) throws TransientFailureException {
    try {
      ListObjectsV2Request.Builder request =
          ListObjectsV2Request.builder().bucket(bucket).prefix(prefix).encodingType(EncodingType.URL);
      if (startAfter != null) {
        request.startAfter(startAfter);
      }
      for (ListObjectsV2Response page : s3.listObjectsV2Paginator(request.build())) {
        for (software.amazon.awssdk.services.s3.model.S3Object o : page.contents()) {
          if (upTo != null && KEY_ORDER.compare(o.key(), upTo) > 0) {
            return; // the next range's; no further page is asked for
          }
          each.accept(new Entry(o.key(), o.size(), unquote(o.eTag()), seconds(o.lastModified())));
        }
      }
    } catch (SdkException e) {
      throw transientFailure("list", bucket, startAfter == null ? prefix : startAfter, e);
    }
  }

  /** Copies an object into a file (replacing it); false when the object does not exist. */
  public boolean download(String bucket, String key, java.nio.file.Path target)
      throws TransientFailureException {
    try {
      java.nio.file.Files.deleteIfExists(target);
      s3.getObject(b -> b.bucket(bucket).key(key), software.amazon.awssdk.core.sync.ResponseTransformer.toFile(target));
      return true;
    } catch (NoSuchKeyException e) {
      return false;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return false;
      }
      throw transientFailure("read", bucket, key, e);
    } catch (SdkException | IOException | java.io.UncheckedIOException e) {
      throw transientFailure("read", bucket, key, e);
    }
  }

  /** Writes a file as an object, unconditionally. */
  public void upload(String bucket, String key, java.nio.file.Path source, String contentType)
      throws TransientFailureException {
    try {
      s3.putObject(
          PutObjectRequest.builder().bucket(bucket).key(key).contentType(contentType).build(),
          RequestBody.fromFile(source));
    } catch (SdkException | java.io.UncheckedIOException e) {
      throw transientFailure("write", bucket, key, e);
    }
  }

  /**
   * Writes an object. With {@code ifMatch} set, only if its current ETag is that; with {@code
   * ifNoneMatch}, only if it does not exist yet. Without either, unconditionally.
   */
  public PutOutcome put(
      String bucket,
      String key,
      byte[] bytes,
      String contentType,
      @Nullable String ifMatch,
      boolean ifNoneMatch)
      throws TransientFailureException {
    PutObjectRequest.Builder request =
        PutObjectRequest.builder().bucket(bucket).key(key).contentType(contentType);
    if (ifMatch != null) {
      request.ifMatch("\"" + ifMatch + "\"");
    } else if (ifNoneMatch) {
      request.ifNoneMatch("*");
    }
    try {
      PutObjectResponse ignored = s3.putObject(request.build(), RequestBody.fromBytes(bytes));
      return PutOutcome.WRITTEN;
    } catch (S3Exception e) {
      if (e.statusCode() == 412 || e.statusCode() == 409) {
        // 409 ConditionalRequestConflict: a concurrent conditional write won; same as 412.
        return PutOutcome.PRECONDITION_FAILED;
      }
      if (e.statusCode() == 501 || (ifMatch != null || ifNoneMatch) && e.statusCode() == 400) {
        return PutOutcome.CONDITIONS_UNSUPPORTED;
      }
      throw transientFailure("write", bucket, key, e);
    } catch (SdkException e) {
      throw transientFailure("write", bucket, key, e);
    }
  }

  /** Size of the parts {@link #putStream} sends; S3's minimum for all parts but the last. */
  public static final int STREAM_PART_SIZE = 5 * 1024 * 1024;

  /**
   * Streams an object of unknown length to S3 holding at most one part ({@link #STREAM_PART_SIZE})
   * in memory: a single PUT when it fits in one part, else a multipart upload. The object appears
   * only once the stream ended normally; when reading fails, a started multipart upload is aborted
   * and nothing is left behind.
   *
   * @return the bytes written
   * @throws IOException when {@code in} fails (the object is not written)
   */
  public long putStream(String bucket, String key, InputStream in, String contentType)
      throws IOException, TransientFailureException {
    // readNBytes(len) allocates as data arrives (in small chunks), never the whole part up front:
    // a stalled client holds what it sent, not 5 MiB.
    byte[] part = in.readNBytes(STREAM_PART_SIZE);
    try {
      if (part.length < STREAM_PART_SIZE) {
        byte[] whole = part;
        s3.putObject(b -> b.bucket(bucket).key(key).contentType(contentType), RequestBody.fromBytes(whole));
        return whole.length;
      }
      String uploadId =
          s3.createMultipartUpload(b -> b.bucket(bucket).key(key).contentType(contentType)).uploadId();
      List<CompletedPart> parts = new ArrayList<>();
      long total = 0;
      try {
        while (part.length > 0) {
          int partNumber = parts.size() + 1;
          byte[] bytes = part;
          String eTag =
              s3.uploadPart(
                      b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(partNumber)
                          .contentLength((long) bytes.length),
                      RequestBody.fromBytes(bytes))
                  .eTag();
          parts.add(CompletedPart.builder().partNumber(partNumber).eTag(eTag).build());
          total += bytes.length;
          part = null; // let the sent part go before the next one arrives
          part = in.readNBytes(STREAM_PART_SIZE);
        }
        s3.completeMultipartUpload(
            b -> b.bucket(bucket).key(key).uploadId(uploadId)
                .multipartUpload(m -> m.parts(parts)));
        return total;
      } catch (IOException | RuntimeException e) {
        abortQuietly(bucket, key, uploadId);
        throw e;
      }
    } catch (SdkException e) {
      throw transientFailure("write", bucket, key, e);
    }
  }

  private void abortQuietly(String bucket, String key, String uploadId) {
    try {
      s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
    } catch (SdkException ignored) {
      // the bucket's lifecycle rule for incomplete uploads cleans up what this could not
    }
  }

  /** An object opened for reading, possibly a byte range of it. Close it. */
  public record Opened(
      InputStream body, long contentLength, @Nullable String contentRange, @Nullable String contentType)
      implements AutoCloseable {
    @Override
    public void close() throws IOException {
      body.close();
    }
  }

  /** The answer to a ranged read. */
  public sealed interface RangeRead {
    record Found(Opened object) implements RangeRead {}

    record NotFound() implements RangeRead {}

    /** The range does not overlap the object; {@code size} is its length. */
    record Unsatisfiable(long size) implements RangeRead {}
  }

  /**
   * Opens an object for streaming, the whole of it or the single HTTP byte range {@code range}
   * ({@code bytes=0-99}, {@code bytes=100-}, {@code bytes=-100}), which S3 itself applies.
   */
  public RangeRead open(String bucket, String key, @Nullable String range)
      throws TransientFailureException {
    try {
      ResponseInputStream<GetObjectResponse> in =
          s3.getObject(b -> b.bucket(bucket).key(key).range(range));
      GetObjectResponse meta = in.response();
      return new RangeRead.Found(
          new Opened(in, meta.contentLength() == null ? -1 : meta.contentLength(), meta.contentRange(),
              meta.contentType()));
    } catch (NoSuchKeyException e) {
      return new RangeRead.NotFound();
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return new RangeRead.NotFound();
      }
      if (e.statusCode() == 416) {
        return new RangeRead.Unsatisfiable(size(bucket, key).orElse(0L));
      }
      throw transientFailure("read", bucket, key, e);
    } catch (SdkException e) {
      throw transientFailure("read", bucket, key, e);
    }
  }

  /** An object's size, empty when it does not exist. */
  public Optional<Long> size(String bucket, String key) throws TransientFailureException {
    try {
      return Optional.ofNullable(s3.headObject(b -> b.bucket(bucket).key(key)).contentLength());
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return Optional.empty();
      }
      throw transientFailure("read", bucket, key, e);
    } catch (SdkException e) {
      throw transientFailure("read", bucket, key, e);
    }
  }

  /** Deletes every object under a prefix (1000 keys per request). */
  public int deleteAll(String bucket, String prefix) throws TransientFailureException {
    List<Entry> entries = listAll(bucket, prefix);
    try {
      for (int from = 0; from < entries.size(); from += 1000) {
        List<ObjectIdentifier> batch =
            entries.subList(from, Math.min(entries.size(), from + 1000)).stream()
                .map(e -> ObjectIdentifier.builder().key(e.key()).build())
                .toList();
        s3.deleteObjects(b -> b.bucket(bucket).delete(d -> d.objects(batch).quiet(true)));
      }
    } catch (SdkException e) {
      throw transientFailure("delete", bucket, prefix, e);
    }
    return entries.size();
  }

  /** The object an answer holds, read up to {@code maxBytes} (the rest left unread: aborted). */
  private static Blob blob(ResponseInputStream<GetObjectResponse> in, long maxBytes) throws IOException {
    GetObjectResponse meta = in.response();
    long size = meta.contentLength() == null ? -1 : meta.contentLength();
    byte[] bytes = readAtMost(in, maxBytes + 1);
    boolean truncated = bytes.length > maxBytes;
    if (truncated) {
      in.abort();
      bytes = java.util.Arrays.copyOf(bytes, (int) maxBytes);
    }
    return new Blob(bytes, unquote(meta.eTag()), meta.versionId(), size, truncated, seconds(meta.lastModified()));
  }

  /**
   * A time cut to whole seconds: a listing may give milliseconds where GET's and HEAD's {@code
   * Last-Modified} header (an HTTP date) has seconds, and both must name the same upload.
   */
  private static @Nullable Instant seconds(@Nullable Instant time) {
    return time == null ? null : time.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
  }

  private static byte[] readAtMost(InputStream in, long limit) throws IOException {
    return in.readNBytes((int) Math.min(limit, Integer.MAX_VALUE - 8));
  }

  private static String unquote(String eTag) {
    return eTag == null ? "" : eTag.replace("\"", "");
  }

  /**
   * 400 codes that do change with time or credentials, so they stay transient (the S3 API
   * Reference, "Error responses": RequestTimeout, ExpiredToken, TokenRefreshRequired).
   */
  private static final java.util.Set<String> TRANSIENT_400_CODES =
      java.util.Set.of("RequestTimeout", "ExpiredToken", "TokenRefreshRequired");

  /**
   * The failure to throw for {@code e}: {@link PermanentFailureException} (thrown right here) when
   * the store's answer will never change — 414, or 400 but for the codes above (a malformed or
   * over-long key, an invalid argument) — else a {@link TransientFailureException} to throw.
   */
  private static TransientFailureException transientFailure(
      String verb, String bucket, String key, Exception e) {
    String detail =
        e instanceof S3Exception s3e
            ? "HTTP " + s3e.statusCode() + " " + errorCode(s3e)
            : e.getClass().getSimpleName() + ": " + e.getMessage();
    String shownKey = key.length() > 200 ? key.substring(0, 200) + "…" : key;
    String message = "cannot " + verb + " s3://" + bucket + "/" + shownKey + " (" + detail + ")";
    if (e instanceof S3Exception s3e && isPermanent(s3e)) {
      throw new PermanentFailureException(message, e);
    }
    return new TransientFailureException(message, e);
  }

  static boolean isPermanent(S3Exception e) {
    return e.statusCode() == 414 || e.statusCode() == 400 && !TRANSIENT_400_CODES.contains(errorCode(e));
  }

  private static String errorCode(S3Exception e) {
    return e.awsErrorDetails() == null ? "" : String.valueOf(e.awsErrorDetails().errorCode());
  }
}
