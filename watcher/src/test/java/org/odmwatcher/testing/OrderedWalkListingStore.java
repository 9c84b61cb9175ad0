package org.odmwatcher.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import org.gaul.s3proxy.blobstore.SdkResponses;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.StorageClass;

/**
 * S3Proxy's {@code filesystem} store with recursive listings that cost a page, not the bucket.
 * S3Proxy 4.1.0's {@code filesystem} and {@code transient} stores are both
 * {@code AbstractNio2BlobStore} ({@code BlobStores.create}; the {@code -nio2} names are aliases),
 * whose {@code list} walks every file under the prefix, reading each one's attributes and MD5
 * extended attribute, sorts them all and only then cuts out the page after the marker (gaul/s3proxy
 * {@code src/main/java/org/gaul/s3proxy/nio2blob/AbstractNio2BlobStore.java}, {@code list} and
 * {@code listHelper}): a listing of n keys in pages of 1,000 reads n²/1,000 files, hours at half a
 * million keys. S3 pages in time proportional to the page.
 *
 * <p>Here a listing without a delimiter walks the store's folder in S3's key order (a folder sorts
 * as its name with the {@code /}), skips every folder whose keys all sort before the marker (the
 * continuation token or start-after: the last key, as S3Proxy's tokens are) and stops after the
 * page; each key's size, ETag and date are the store's own ({@code blobMetadata}, the MD5 its PUT
 * wrote). Nothing is cached, so a page sees every write made before it. Listings with a delimiter
 * (one folder) go to the store unchanged: they read only that folder. Not covered, as the watcher's
 * buckets hold none: folder marker objects (keys ending in {@code /}), S3Proxy's hidden multipart
 * and version folders.
 */
public final class OrderedWalkListingStore extends ForwardingBlobStore {
  private final Path basedir;
  private final AtomicLong headsRead = new AtomicLong();

  public OrderedWalkListingStore(BlobStore filesystemStore, Path basedir) {
    super(filesystemStore);
    this.basedir = basedir;
  }

  /** How many keys' metadata the listings read (for the tests of this class). */
  public long keysRead() {
    return headsRead.get();
  }

  @Override
  public ListObjectsV2Response list(ListObjectsV2Request request) {
    if ((request.delimiter() != null && !request.delimiter().isEmpty()) || request.maxKeys() == null) {
      return super.list(request);
    }
    String marker = request.continuationToken() != null ? request.continuationToken() : request.startAfter();
    String prefix = request.prefix() == null ? "" : request.prefix();
    List<String> keys = new ArrayList<>();
    int wanted = request.maxKeys() + 1; // one more than the page says whether there is a next page
    try {
      walk(basedir.resolve(request.bucket()), "", prefix, marker, wanted, keys);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    boolean truncated = keys.size() > request.maxKeys();
    List<String> page = truncated ? keys.subList(0, request.maxKeys()) : keys;
    List<S3Object> contents = new ArrayList<>();
    for (String key : page) {
      try {
        HeadObjectResponse head = delegate().blobMetadata(HeadObjectRequest.builder().bucket(request.bucket()).key(key).build());
        headsRead.incrementAndGet();
        if (head != null) {
          contents.add(SdkResponses.objectEntry(key, head.eTag(), head.lastModified(), head.contentLength(), StorageClass.STANDARD));
        }
      } catch (NoSuchKeyException deletedSinceTheWalk) {
        // gone between the folder's read and this one: not listed, as S3Proxy's own walk does
      }
    }
    String next = truncated && !page.isEmpty() ? page.get(page.size() - 1) : null;
    return SdkResponses.objectsPage(contents, List.of(), next);
  }

  /** Adds the keys under {@code dir} (whose keys start with {@code dirKey}) in order, until {@code wanted}. */
  private static void walk(Path dir, String dirKey, String prefix, String marker, int wanted, List<String> keys)
      throws IOException {
    List<String[]> children = new ArrayList<>(); // {sort name, file name}
    try (Stream<Path> list = Files.list(dir)) {
      list.forEach(p -> {
        String name = p.getFileName().toString();
        children.add(new String[] {Files.isDirectory(p) ? name + "/" : name, name});
      });
    } catch (java.nio.file.NoSuchFileException gone) {
      return;
    }
    children.sort(Comparator.comparing(c -> c[0]));
    for (String[] child : children) {
      if (keys.size() >= wanted) {
        return;
      }
      String key = dirKey + child[0];
      if (!key.startsWith(prefix) && !(key.endsWith("/") && prefix.startsWith(key))) {
        continue;
      }
      if (key.endsWith("/")) {
        // every key in the folder starts with key: all before the marker unless the marker is in it
        if (marker != null && marker.compareTo(key) > 0 && !marker.startsWith(key)) {
          continue;
        }
        walk(dir.resolve(child[1]), key, prefix, marker, wanted, keys);
      } else if (marker == null || key.compareTo(marker) > 0) {
        keys.add(key);
      }
    }
  }
}
