package org.odmwatcher.storage;

import io.micronaut.core.annotation.Nullable;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.odmwatcher.event.TransientFailureException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The watcher's only door to S3. It reads, lists and writes, and it is the one place that sorts S3
 * failures into "the object is not there", "the precondition failed" and {@link
 * TransientFailureException} (everything else: network, 5xx, throttling, access denied — a
 * misconfiguration is fixed by a human, and the event must survive until then).
 */
public final class BucketStore {
  private final S3Client s3;

  public BucketStore(S3Client s3) {
    this.s3 = s3;
  }

  /** An object's bytes and identity. {@code truncated} when it was larger than asked for. */
  public record Blob(byte[] bytes, String eTag, @Nullable String versionId, long size, boolean truncated) {}

  /** One entry of a listing. */
  public record Entry(String key, long size, String eTag) {}

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
      GetObjectResponse meta = in.response();
      long size = meta.contentLength() == null ? -1 : meta.contentLength();
      byte[] bytes = readAtMost(in, maxBytes + 1);
      boolean truncated = bytes.length > maxBytes;
      if (truncated) {
        in.abort();
        bytes = java.util.Arrays.copyOf(bytes, (int) maxBytes);
      }
      return Optional.of(
          new Blob(bytes, unquote(meta.eTag()), meta.versionId(), size, truncated));
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

  /** Lists what is directly in a folder (delimiter {@code /}), all pages. */
  public FolderContents listFolder(String bucket, String folder) throws TransientFailureException {
    List<Entry> files = new ArrayList<>();
    List<String> subFolders = new ArrayList<>();
    try {
      ListObjectsV2Request request =
          ListObjectsV2Request.builder().bucket(bucket).prefix(folder).delimiter("/").build();
      for (ListObjectsV2Response page : s3.listObjectsV2Paginator(request)) {
        page.contents()
            .forEach(o -> files.add(new Entry(o.key(), o.size(), unquote(o.eTag()))));
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
    try {
      ListObjectsV2Request request =
          ListObjectsV2Request.builder().bucket(bucket).prefix(prefix).build();
      for (ListObjectsV2Response page : s3.listObjectsV2Paginator(request)) {
        page.contents()
            .forEach(o -> entries.add(new Entry(o.key(), o.size(), unquote(o.eTag()))));
      }
    } catch (SdkException e) {
      throw transientFailure("list", bucket, prefix, e);
    }
    return entries;
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

  private static byte[] readAtMost(InputStream in, long limit) throws IOException {
    return in.readNBytes((int) Math.min(limit, Integer.MAX_VALUE - 8));
  }

  private static String unquote(String eTag) {
    return eTag == null ? "" : eTag.replace("\"", "");
  }

  private static TransientFailureException transientFailure(
      String verb, String bucket, String key, Exception e) {
    String detail =
        e instanceof S3Exception s3e
            ? "HTTP " + s3e.statusCode() + " " + s3e.awsErrorDetails().errorCode()
            : e.getClass().getSimpleName() + ": " + e.getMessage();
    return new TransientFailureException(
        "cannot " + verb + " s3://" + bucket + "/" + key + " (" + detail + ")", e);
  }
}
