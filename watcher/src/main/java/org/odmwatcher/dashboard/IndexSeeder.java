package org.odmwatcher.dashboard;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.StatusCodec;
import org.odmwatcher.status.StatusIndex;
import org.odmwatcher.storage.BucketStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills the index from the bucket: one listing per bucket, then a read of each {@code status.json}
 * whose ETag changed since the last round (all of them the first time). Runs at start and then
 * every {@code watcher.dashboard.resync}, never per request.
 */
public final class IndexSeeder {
  private static final Logger LOG = LoggerFactory.getLogger(IndexSeeder.class);
  private static final int READERS = 8;

  private final BucketStore store;
  private final StatusCodec codec;
  private final StatusIndex index;
  private final String statusName;
  private final Map<String, String> seenETags = new ConcurrentHashMap<>();

  public IndexSeeder(BucketStore store, StatusCodec codec, StatusIndex index, String statusName) {
    this.store = store;
    this.codec = codec;
    this.index = index;
    this.statusName = statusName;
  }

  /** Lists {@code bucket} and reads every status not read before; returns how many were read. */
  public int seed(String bucket) throws TransientFailureException {
    java.time.Instant listedAt = java.time.Instant.now();
    List<BucketStore.Entry> statuses = new ArrayList<>();
    Set<String> present = new HashSet<>();
    for (BucketStore.Entry entry : store.listAll(bucket, "")) {
      String key = entry.key();
      if (key.equals(statusName) || key.endsWith("/" + statusName)) {
        present.add(key);
        if (!entry.eTag().equals(seenETags.get(bucket + "/" + key))) {
          statuses.add(entry);
        }
      }
    }
    for (StatusIndex.Row row : index.rows(bucket)) {
      // gone from the bucket; a status written while the listing ran is newer than it, and stays
      if (!present.contains(row.folder() + statusName) && row.status().updatedAt().isBefore(listedAt)) {
        index.remove(bucket, row.folder());
      }
    }
    ExecutorService readers = Executors.newFixedThreadPool(READERS, r -> {
      Thread t = new Thread(r, "dashboard-seed");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<?>> reads = new ArrayList<>();
      for (BucketStore.Entry entry : statuses) {
        reads.add(readers.submit(() -> {
          read(bucket, entry);
          return null;
        }));
      }
      for (Future<?> read : reads) {
        read.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof TransientFailureException t) {
        throw t;
      }
      throw new IllegalStateException(e.getCause());
    } finally {
      readers.shutdownNow();
    }
    return statuses.size();
  }

  private void read(String bucket, BucketStore.Entry entry) throws TransientFailureException {
    String folder = entry.key().substring(0, entry.key().length() - statusName.length());
    Optional<BucketStore.Blob> blob = store.get(bucket, entry.key(), 1 << 20);
    Optional<JobStatus> status = blob.flatMap(b -> codec.decode(b.bytes()));
    if (status.isPresent()) {
      index.put(bucket, folder, status.get());
      seenETags.put(bucket + "/" + entry.key(), blob.get().eTag());
    } else if (blob.isPresent()) {
      LOG.debug("s3://{}/{} is not a status this watcher understands; not listed", bucket, entry.key());
      seenETags.put(bucket + "/" + entry.key(), blob.get().eTag());
    }
  }
}
