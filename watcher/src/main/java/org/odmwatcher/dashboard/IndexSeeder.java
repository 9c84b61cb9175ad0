package org.odmwatcher.dashboard;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.micronaut.core.annotation.Nullable;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.status.JobState;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.StatusCodec;
import org.odmwatcher.status.StatusIndex;
import org.odmwatcher.storage.BucketStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills the index from the bucket: at start from each bucket's summary object when it has a usable
 * one (the list is then complete at once), and from one listing per bucket, which checks every
 * folder against the summary and reads each {@code status.json} whose ETag changed since the last
 * round (at the first, those written after the summary or missing from it; all of them without a
 * summary). Runs at start and then every {@code watcher.dashboard.resync}, never per request.
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
  private final int listParallelism;
  private final Set<String> summarized = ConcurrentHashMap.newKeySet();
  /** Per bucket whose summary is in the index and not yet checked: before when a listed status is in it. */
  private final Map<String, Instant> trustedBefore = new ConcurrentHashMap<>();
  private volatile Progress progress = new Progress(false, false, null);

  public IndexSeeder(BucketStore store, StatusCodec codec, StatusIndex index, String statusName) {
    this(store, codec, index, statusName, "");
  }

  /**
   * @param summaryKey the summary object a watcher writes at each bucket's root ({@code
   *     watcher.dashboard.summary-key}); blank: every seed reads each {@code status.json}
   */
  public IndexSeeder(BucketStore store, StatusCodec codec, StatusIndex index, String statusName, String summaryKey) {
    this(store, codec, index, statusName, summaryKey, SUMMARY_BUILD, 1);
  }

  /**
   * @param listParallelism how many ranges of a bucket are listed at once ({@code
   *     watcher.dashboard.list-parallelism})
   */
  public IndexSeeder(BucketStore store, StatusCodec codec, StatusIndex index, String statusName, String summaryKey,
      int listParallelism) {
    this(store, codec, index, statusName, summaryKey, SUMMARY_BUILD, listParallelism);
  }

  /** @param summaryBuild how long before the summary object's PUT its rows may have been taken */
  IndexSeeder(BucketStore store, StatusCodec codec, StatusIndex index, String statusName, String summaryKey,
      Duration summaryBuild) {
    this(store, codec, index, statusName, summaryKey, summaryBuild, 1);
  }

  IndexSeeder(BucketStore store, StatusCodec codec, StatusIndex index, String statusName, String summaryKey,
      Duration summaryBuild, int listParallelism) {
    if (listParallelism < 1) {
      throw new IllegalArgumentException("watcher.dashboard.list-parallelism must be at least 1");
    }
    this.summaryBuild = summaryBuild;
    this.store = store;
    this.codec = codec;
    this.index = index;
    this.statusName = statusName;
    this.summaryKey = summaryKey;
    this.listParallelism = listParallelism;
  }

  /**
   * How far the list is. {@code complete}: every folder the watcher knows of is listed, from a
   * listing of each bucket or from each bucket's summary object; {@code checked}: a listing of each
   * bucket has confirmed the list (until then it may hold folders deleted since the summary, and
   * an older state of the folders whose status was written after it). {@code asOf}: while complete
   * but not checked, the time of the oldest summary the rows came from.
   */
  public record Progress(boolean complete, boolean checked, @Nullable Instant asOf) {}

  /** What {@link #seedAll} reached. */
  public Progress progress() {
    return progress;
  }

  /** Hears of each bucket {@link #seedAll} seeded. */
  public interface Seeded {
    void seeded(String bucket, int read, long millis);

    void failed(String bucket, Exception e);
  }

  /**
   * One round over {@code buckets}. The first time, every bucket's summary object is read first:
   * when each has a usable one the list is complete at once (as of the oldest), and the listings
   * that check it follow. Then each bucket is {@link #seed seeded}.
   */
  public void seedAll(Collection<String> buckets, Seeded each) {
    List<String> all = List.copyOf(buckets);
    if (!progress.complete()) {
      Instant asOf = null;
      boolean everyBucket = !all.isEmpty();
      for (String bucket : all) {
        Optional<Instant> at = summarize(bucket);
        if (at.isEmpty()) {
          everyBucket = false;
        } else if (asOf == null || at.get().isBefore(asOf)) {
          asOf = at.get();
        }
      }
      if (everyBucket) {
        progress = new Progress(true, false, asOf);
        LOG.info("dashboard index: complete from the summary objects of {}; checking it against the bucket listing", asOf);
      }
    }
    boolean allListed = true;
    for (String bucket : all) {
      try {
        long start = System.nanoTime();
        int read = seed(bucket);
        each.seeded(bucket, read, (System.nanoTime() - start) / 1_000_000);
      } catch (TransientFailureException | RuntimeException e) {
        allListed = false;
        each.failed(bucket, e);
      }
    }
    Progress before = progress;
    // a round that could not list a bucket leaves the list unchecked until one can (the next resync)
    boolean checked = before.checked() || allListed;
    progress = new Progress(true, checked, checked ? null : before.asOf());
  }

  /**
   * Fills the index from {@code bucket}'s summary object, once per bucket; returns the summary's
   * time, or empty when there is none usable (or it was read before).
   */
  Optional<Instant> summarize(String bucket) {
    if (summaryKey.isBlank() || !summarized.add(bucket)) {
      return Optional.empty();
    }
    Loaded loaded = fromSummary(bucket);
    if (loaded == null) {
      return Optional.empty();
    }
    trustedBefore.put(bucket, loaded.trustedBefore());
    return Optional.of(loaded.generatedAt());
  }

  /**
   * The first time for a bucket: fills the index from its summary object (one GET, so the list is
   * complete at once), then lists the bucket and reads only the statuses the summary cannot
   * vouch for (absent from it, or written since it was). Later rounds: lists {@code bucket} and
   * reads every status whose ETag changed. Returns how many were read.
   */
  public int seed(String bucket) throws TransientFailureException {
    summarize(bucket);
    Instant summarizedAt = trustedBefore.get(bucket);
    Instant listedAt = Instant.now();
    Queue<BucketStore.Entry> statuses = new ConcurrentLinkedQueue<>();
    Set<String> present = ConcurrentHashMap.newKeySet();
    // one page at a time: the bucket's other keys (images, results) are never all held at once
    listInRanges(bucket, entry -> {
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
      await(reads);
    } finally {
      readers.shutdownNow();
    }
    trustedBefore.remove(bucket); // checked: later rounds go by ETag
    return statuses.size();
  }

  /**
   * Lists the whole bucket as {@code listParallelism} ranges at once, split at folders the index
   * holds (from the summary or the last round), so that each range holds about as many folders. A
   * bucket the index knows too few folders of is listed in one go.
   */
  private void listInRanges(String bucket, Consumer<BucketStore.Entry> each) throws TransientFailureException {
    List<String> bounds = bounds(bucket);
    if (bounds.isEmpty()) {
      store.listEach(bucket, "", each);
      return;
    }
    ExecutorService listers = Executors.newFixedThreadPool(bounds.size() + 1, r -> {
      Thread t = new Thread(r, "dashboard-list");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<?>> ranges = new ArrayList<>();
      for (int i = 0; i <= bounds.size(); i++) {
        String startAfter = i == 0 ? null : bounds.get(i - 1);
        String upTo = i == bounds.size() ? null : bounds.get(i);
        ranges.add(listers.submit(() -> {
          store.listEach(bucket, "", startAfter, upTo, each);
          return null;
        }));
      }
      await(ranges);
    } finally {
      listers.shutdownNow();
    }
  }

  private static void await(List<Future<?>> tasks) throws TransientFailureException {
    try {
      for (Future<?> task : tasks) {
        task.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientFailureException("the dashboard's seed was interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof TransientFailureException t) {
        throw t;
      }
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /**
   * Where the ranges meet: {@code listParallelism - 1} folders of the index, evenly spread, in
   * S3's order.
   */
  private List<String> bounds(String bucket) {
    if (listParallelism < 2) {
      return List.of();
    }
    List<String> folders = new ArrayList<>();
    for (StatusIndex.Row row : index.rows(bucket)) {
      folders.add(row.folder());
    }
    if (folders.size() < listParallelism * 2) {
      return List.of();
    }
    folders.sort(BucketStore.KEY_ORDER);
    List<String> bounds = new ArrayList<>();
    for (int i = 1; i < listParallelism; i++) {
      String bound = folders.get(i * folders.size() / listParallelism);
      if (bounds.isEmpty() || BucketStore.KEY_ORDER.compare(bounds.get(bounds.size() - 1), bound) < 0) {
        bounds.add(bound);
      }
    }
    return bounds;
  }

  /** A summary taken into the index: its own time, and the time before which a listed status is in it. */
  private record Loaded(Instant generatedAt, Instant trustedBefore) {}

  /**
   * Fills the index from the bucket's summary object ({@link SummaryPublisher}'s {@link JobRow}s);
   * null when there is none or it cannot be read (then every status is read, as without one).
   */
  private @Nullable Loaded fromSummary(String bucket) {
    try {
      Optional<BucketStore.Blob> blob = store.get(bucket, summaryKey, MAX_SUMMARY_BYTES);
      if (blob.isEmpty()) {
        return null;
      }
      Summary summary = SUMMARY_JSON.readValue(blob.get().bytes(), Summary.class);
      if (summary.schemaVersion() != 1 || summary.generatedAt() == null || summary.jobs() == null
          || !statusName.equals(summary.statusName())) {
        LOG.info("dashboard index: the summary object of s3://{} not used (another schema or status name);"
            + " reading every status", bucket);
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
      Instant trusted = blob.get().lastModified() != null
          ? blob.get().lastModified().minus(summaryBuild) : summary.generatedAt().minus(SUMMARY_SKEW);
      return new Loaded(summary.generatedAt(), trusted);
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
