package org.odmwatcher.testing;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import org.gaul.s3proxy.blobstore.SdkResponses;
import org.gaul.s3proxy.blobstore.domain.MultipartUpload;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CopyObjectResponse;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectResponse;
import software.amazon.awssdk.services.s3.model.DeleteObjectsRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An S3Proxy store whose recursive listings walk the store once per listing instead of once per
 * page. S3Proxy 4.1.0's {@code filesystem} and {@code transient} stores are both
 * {@code AbstractNio2BlobStore} ({@code BlobStores.create}; the {@code -nio2} names are aliases),
 * whose {@code list} walks every file under the prefix, reading each one's attributes and MD5
 * extended attribute, builds the whole sorted set and only then cuts out the page after the marker
 * (gaul/s3proxy {@code src/main/java/org/gaul/s3proxy/nio2blob/AbstractNio2BlobStore.java},
 * {@code list} and {@code listHelper}): a listing of n keys in pages of 1,000 reads n²/1,000 files,
 * which at half a million keys is hours. S3 pages in time proportional to the page.
 *
 * <p>Here the first page of a listing without a delimiter asks the store for the whole listing
 * (S3Proxy's own walk, keys, sizes, ETags and dates as it reports them) and the following pages
 * (continuation token or start-after = the last key, as S3Proxy's tokens are) are cut from that
 * walk, so a listing costs one walk plus its pages. A write through the store (put, copy,
 * delete, multipart completion) makes the next page walk again, so a page never misses a write
 * made before it was asked for. Delimited listings (one folder) go to the store unchanged: they
 * walk only that folder.
 */
public final class WalkOnceListingStore extends ForwardingBlobStore {
  private record Walk(long generation, List<S3Object> contents) {}

  private final AtomicLong writes = new AtomicLong();
  private final Map<String, Walk> walks = new ConcurrentHashMap<>();
  private final AtomicLong walked = new AtomicLong();

  public WalkOnceListingStore(BlobStore store) {
    super(store);
  }

  /** How many whole walks the store made (for the tests of this class). */
  public long walks() {
    return walked.get();
  }

  @Override
  public ListObjectsV2Response list(ListObjectsV2Request request) {
    if ((request.delimiter() != null && !request.delimiter().isEmpty()) || request.maxKeys() == null) {
      return super.list(request);
    }
    String marker = request.continuationToken() != null ? request.continuationToken() : request.startAfter();
    String prefix = request.prefix() == null ? "" : request.prefix();
    String key = request.bucket() + '\n' + prefix;
    long generation = writes.get();
    Walk walk = walks.get(key);
    if (marker == null || walk == null || walk.generation() != generation) {
      ListObjectsV2Response all = super.list(request.toBuilder().continuationToken(null).startAfter(null).maxKeys(null).build());
      walked.incrementAndGet();
      walk = new Walk(generation, List.copyOf(all.contents()));
      walks.put(key, walk);
    }
    List<S3Object> contents = walk.contents();
    int from = 0;
    if (marker != null) {
      List<String> keys = new KeyView(contents);
      int at = Collections.binarySearch(keys, marker);
      from = at >= 0 ? at + 1 : -at - 1;
    }
    int to = Math.min(contents.size(), from + request.maxKeys());
    String next = to < contents.size() && to > from ? contents.get(to - 1).key() : null;
    return SdkResponses.objectsPage(new ArrayList<>(contents.subList(from, to)), List.of(), next);
  }

  /** The keys of a sorted listing, for a binary search. */
  private static final class KeyView extends java.util.AbstractList<String> implements java.util.RandomAccess {
    private final List<S3Object> contents;

    KeyView(List<S3Object> contents) {
      this.contents = contents;
    }

    @Override
    public String get(int index) {
      return contents.get(index).key();
    }

    @Override
    public int size() {
      return contents.size();
    }
  }

  @Override
  public PutObjectResponse putBlob(PutObjectRequest request, InputStream input) {
    try {
      return super.putBlob(request, input);
    } finally {
      writes.incrementAndGet();
    }
  }

  @Override
  public CopyObjectResponse copyBlob(CopyObjectRequest request) {
    try {
      return super.copyBlob(request);
    } finally {
      writes.incrementAndGet();
    }
  }

  @Override
  public DeleteObjectResponse removeBlob(DeleteObjectRequest request) {
    try {
      return super.removeBlob(request);
    } finally {
      writes.incrementAndGet();
    }
  }

  @Override
  public void removeBlob(String container, String name) {
    try {
      super.removeBlob(container, name);
    } finally {
      writes.incrementAndGet();
    }
  }

  @Override
  public DeleteObjectResponse removeBlob(String container, String name, String versionId) {
    try {
      return super.removeBlob(container, name, versionId);
    } finally {
      writes.incrementAndGet();
    }
  }

  @Override
  public DeleteObjectsResponse removeBlobs(DeleteObjectsRequest request) {
    try {
      return super.removeBlobs(request);
    } finally {
      writes.incrementAndGet();
    }
  }

  @Override
  public CompleteMultipartUploadResponse completeMultipartUpload(MultipartUpload mpu, CompleteMultipartUploadRequest request) {
    try {
      return super.completeMultipartUpload(mpu, request);
    } finally {
      writes.incrementAndGet();
    }
  }

  @Override
  public void clearContainer(ListObjectsV2Request request) {
    try {
      super.clearContainer(request);
    } finally {
      writes.incrementAndGet();
    }
  }

  @Override
  public void deleteBucket(String container) {
    try {
      super.deleteBucket(container);
    } finally {
      writes.incrementAndGet();
    }
  }

  @Override
  public void deleteContainer(String container) {
    try {
      super.deleteContainer(container);
    } finally {
      writes.incrementAndGet();
    }
  }
}
