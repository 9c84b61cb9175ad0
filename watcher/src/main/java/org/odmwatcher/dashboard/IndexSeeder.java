package org.odmwatcher.dashboard;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
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
import org.odmwatcher.status.JobState;
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
  private final SeenETags seenETags = new SeenETags();
  /** A status.json written this long before the summary's time is trusted to be in it (clocks differ). */
  private static final Duration SUMMARY_SKEW = Duration.ofMinutes(5);
  /** A status.json written this long before the summary object's PUT is trusted to be in it. */
  private static final Duration SUMMARY_BUILD = Duration.ofMinutes(1);
  private static final long MAX_SUMMARY_BYTES = 512L << 20;
  private static final ObjectMapper SUMMARY_JSON = new ObjectMapper().registerModule(new JavaTimeModule())
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private final String summaryKey;
  private final Duration summaryBuild;
  private final Set<String> summarized = ConcurrentHashMap.newKeySet();

  public IndexSeeder(BucketStore store, StatusCodec codec, StatusIndex index, String statusName) {
    this(store, codec, index, statusName, "");
  }

  /**
   * @param summaryKey the summary object a watcher writes at each bucket's root ({@code
   *     watcher.dashboard.summary-key}); blank: every seed reads each {@code status.json}
   */
  public IndexSeeder(BucketStore store, StatusCodec codec, StatusIndex index, String statusName, String summaryKey) {
    this(store, codec, index, statusName, summaryKey, SUMMARY_BUILD);
  }

  /** @param summaryBuild how long before the summary object's PUT its rows may have been taken */
  IndexSeeder(BucketStore store, StatusCodec codec, StatusIndex index, String statusName, String summaryKey,
      Duration summaryBuild) {
    this.summaryBuild = summaryBuild;
    this.store = store;
    this.codec = codec;
    this.index = index;
    this.statusName = statusName;
    this.summaryKey = summaryKey;
  }

  /**
   * The first time for a bucket: fills the index from its summary object (one GET, so the list is
   * complete at once), then lists the bucket and reads only the statuses the summary cannot
   * vouch for (absent from it, or written since it was). Later rounds: lists {@code bucket} and
   * reads every status whose ETag changed. Returns how many were read.
   */
  public int seed(String bucket) throws TransientFailureException {
    Instant summarizedAt = summaryKey.isBlank() || !summarized.add(bucket) ? null : fromSummary(bucket);
    Instant listedAt = Instant.now();
    List<BucketStore.Entry> statuses = new ArrayList<>();
    Set<String> present = new HashSet<>();
    // one page at a time: the bucket's other keys (images, results) are never all held at once
    store.listEach(bucket, "", entry -> {
      String key = entry.key();
      if (key.equals(statusName) || key.endsWith("/" + statusName)) {
        present.add(key);
        String folder = key.substring(0, key.length() - statusName.length());
        if (summarizedAt != null && entry.lastModified() != null
            && entry.lastModified().isBefore(summarizedAt) && index.isPartial(bucket, folder)) {
          seenETags.put(bucket, heldFolder(bucket, folder), entry.eTag()); // unchanged since the summary said so
        } else if (!seenETags.same(bucket, folder, entry.eTag())) {
          statuses.add(entry);
        }
      }
    });
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

  /**
   * Fills the index from the bucket's summary object ({@link SummaryPublisher}'s {@link JobRow}s);
   * returns the time before which a listed status.json is trusted to be in it, or null when there is none or it cannot be read (then every
   * status is read, as without one).
   */
  private Instant fromSummary(String bucket) {
    try {
      Optional<BucketStore.Blob> blob = store.get(bucket, summaryKey, MAX_SUMMARY_BYTES);
      if (blob.isEmpty()) {
        return null;
      }
      Summary summary = SUMMARY_JSON.readValue(blob.get().bytes(), Summary.class);
      if (summary.schemaVersion() != 1 || summary.generatedAt() == null || summary.jobs() == null
          || !statusName.equals(summary.statusName())) {
        return null;
      }
      int rows = 0;
      for (JobRow row : summary.jobs()) {
        if (row.folder() != null && row.jobId() != null && row.state() != null && row.updatedAt() != null) {
          index.putSummarized(bucket, row.folder(), summarized(row));
          rows++;
        }
      }
      LOG.info("dashboard index: {} jobs of s3://{} from its summary object of {}", rows, bucket, summary.generatedAt());
      // The store's own clock where it says (the listing's Last-Modified is on it too): the summary's
      // rows were taken shortly before its PUT; else the watcher's clock, with room for skew.
      return blob.get().lastModified() != null
          ? blob.get().lastModified().minus(summaryBuild) : summary.generatedAt().minus(SUMMARY_SKEW);
    } catch (TransientFailureException | IOException | RuntimeException e) {
      LOG.info("dashboard index: the summary object of s3://{} not used ({}); reading every status", bucket, e.getMessage());
      return null;
    }
  }

  /** The status a summary row stands for: the list's fields (the job view reads the rest). */
  private static JobStatus summarized(JobRow row) {
    JobStatus status = new JobStatus(JobStatus.SCHEMA_VERSION, row.jobId(), null, row.name(), JobState.fromWire(row.state()),
        row.message() == null ? "" : row.message(), null, row.images(), row.expectedImages(),
        row.workflow() == null ? null : new JobStatus.WorkflowRef(null, row.workflow()), row.stage(), row.progress(),
        row.engine(), row.createdAt() == null ? row.updatedAt() : row.createdAt(), row.updatedAt(), row.finishedAt(),
        null, null, null, null, null, null);
    return status;
  }

  /** The summary object's fields the seed reads. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record Summary(int schemaVersion, String statusName, Instant generatedAt, List<JobRow> jobs) {}

  /**
   * Reads one folder's {@code status.json} into the index now (the job view, for a row that came
   * from the summary object).
   */
  public Optional<StatusIndex.Row> refresh(String bucket, String folder) throws TransientFailureException {
    read(bucket, new BucketStore.Entry(folder + statusName, 0, "", null));
    return index.get(bucket, folder);
  }

  private void read(String bucket, BucketStore.Entry entry) throws TransientFailureException {
    String folder = entry.key().substring(0, entry.key().length() - statusName.length());
    Optional<BucketStore.Blob> blob = store.get(bucket, entry.key(), 1 << 20);
    Optional<JobStatus> status = blob.flatMap(b -> codec.decode(b.bytes()));
    if (status.isPresent()) {
      index.put(bucket, folder, status.get());
      seenETags.put(bucket, heldFolder(bucket, folder), blob.get().eTag());
    } else if (blob.isPresent()) {
      LOG.debug("s3://{}/{} is not a status this watcher understands; not listed", bucket, entry.key());
      seenETags.put(bucket, folder, blob.get().eTag());
    }
  }

  /** The folder string the index's row holds, if it has one: the ETag's key is not held twice. */
  private String heldFolder(String bucket, String folder) {
    return index.get(bucket, folder).map(StatusIndex.Row::folder).orElse(folder);
  }
}
