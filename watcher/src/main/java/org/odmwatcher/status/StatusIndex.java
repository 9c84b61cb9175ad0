package org.odmwatcher.status;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every job this watcher knows of, one entry per folder, kept in memory as statuses are written
 * ({@link StatusListener}) and seeded once at start from a listing. Dashboards query it instead of
 * listing the bucket per request. An entry is only replaced by a status of another job or by a
 * newer one of the same job, so a seed that races a write never takes a row back. Outputs a
 * status lists outside its job's results ({@link OutputKeyValidator}) are dropped on the way in.
 */
public final class StatusIndex implements StatusListener {
  private static final Logger LOG = LoggerFactory.getLogger(StatusIndex.class);

  /** One job: where it is and its latest status. */
  public record Row(String bucket, String folder, JobStatus status) {}

  /** What a page of the list is asked for. */
  public record Query(
      Set<JobState> states, String text, String sort, boolean descending, int page, int size) {}

  /** One page of rows, the number matching, and the count per state over all jobs. */
  public record Page(List<Row> rows, int total, Map<JobState, Integer> counts, long version) {}

  private final Map<String, Row> rows = new ConcurrentHashMap<>();
  private final AtomicLong version = new AtomicLong();
  private final OutputKeyValidator outputKeys;
  private final Set<String> partial = java.util.concurrent.ConcurrentHashMap.newKeySet();

  public StatusIndex(OutputKeyValidator outputKeys) {
    this.outputKeys = outputKeys;
  }

  @Override
  public void written(String bucket, String folder, JobStatus status) {
    put(bucket, folder, status);
  }

  /**
   * Records a status; ignored when the index already holds a newer one of the same job.
   *
   * @return whether the index changed
   */
  public boolean put(String bucket, String folder, JobStatus written) {
    List<String> refused = outputKeys.refused(written);
    if (!refused.isEmpty()) {
      LOG.warn("s3://{}/{}: outputs outside {} not listed: {}", bucket, folder, outputKeys.resultsFolder(), refused);
    }
    JobStatus status = outputKeys.keepAccepted(written);
    Row fresh = new Row(bucket, folder, status);
    Row[] changed = new Row[1];
    rows.compute(
        bucket + "/" + folder,
        (key, current) -> {
          // a row from the summary object stands for its status.json until that is read
          if (current == null || partial.contains(key) || isNewer(status, current.status())) {
            partial.remove(key);
            changed[0] = fresh;
            return fresh;
          }
          return current;
        });
    if (changed[0] != null) {
      version.incrementAndGet();
    }
    return changed[0] != null;
  }

  private static boolean isNewer(JobStatus proposed, JobStatus current) {
    if (!proposed.jobId().equals(current.jobId())) {
      return !proposed.updatedAt().isBefore(current.updatedAt());
    }
    if (proposed.state().rank() != current.state().rank()) {
      return proposed.state().rank() > current.state().rank();
    }
    return proposed.updatedAt().isAfter(current.updatedAt()) && !proposed.equals(current);
  }

  /**
   * Records a row read from the summary object a watcher wrote (the list's fields only, no outputs,
   * errors or log): only where the index holds nothing yet, and marked {@link #isPartial} until a
   * status of that folder is recorded with {@link #put}.
   *
   * @return whether the index changed
   */
  public boolean putSummarized(String bucket, String folder, JobStatus summarized) {
    String key = bucket + "/" + folder;
    boolean[] added = new boolean[1];
    rows.computeIfAbsent(key, k -> {
      partial.add(k);
      added[0] = true;
      return new Row(bucket, folder, summarized);
    });
    if (added[0]) {
      version.incrementAndGet();
    }
    return added[0];
  }

  /** Whether the folder's row came from the summary object and its status.json is not read yet. */
  public boolean isPartial(String bucket, String folder) {
    return partial.contains(bucket + "/" + folder);
  }

  /** Forgets a folder whose status is gone. */
  public void remove(String bucket, String folder) {
    partial.remove(bucket + "/" + folder);
    if (rows.remove(bucket + "/" + folder) != null) {
      version.incrementAndGet();
    }
  }

  public Optional<Row> get(String bucket, String folder) {
    return Optional.ofNullable(rows.get(bucket + "/" + folder));
  }

  /** Changes with every row that changes: a cheap ETag for polling clients. */
  public long version() {
    return version.get();
  }

  public int size() {
    return rows.size();
  }

  /** Every row of one bucket (or all buckets when {@code bucket} is null), by folder. */
  public List<Row> rows(String bucket) {
    return rows.values().stream()
        .filter(r -> bucket == null || r.bucket().equals(bucket))
        .sorted(Comparator.comparing(Row::folder))
        .toList();
  }

  /** Buckets with at least one row. */
  public Set<String> buckets() {
    return rows.values().stream().map(Row::bucket).collect(java.util.stream.Collectors.toSet());
  }

  /** Filters, sorts and pages the rows. */
  public Page query(Query query) {
    long seen = version.get();
    Map<JobState, Integer> counts = new EnumMap<>(JobState.class);
    List<Row> matching = new ArrayList<>();
    String text = query.text() == null ? "" : query.text().trim().toLowerCase(Locale.ROOT);
    Predicate<Row> textMatch =
        text.isEmpty()
            ? r -> true
            : r -> contains(r.folder(), text) || contains(r.status().name(), text)
                || contains(r.bucket(), text) || contains(r.status().jobId(), text);
    for (Row row : rows.values()) {
      counts.merge(row.status().state(), 1, Integer::sum);
      if ((query.states().isEmpty() || query.states().contains(row.status().state())) && textMatch.test(row)) {
        matching.add(row);
      }
    }
    Comparator<Row> order = comparator(query.sort());
    matching.sort(query.descending() ? order.reversed() : order);
    int from = Math.min(matching.size(), Math.max(0, query.page()) * query.size());
    int to = Math.min(matching.size(), from + query.size());
    return new Page(List.copyOf(matching.subList(from, to)), matching.size(), counts, seen);
  }

  private static boolean contains(String value, String lowerNeedle) {
    return value != null && value.toLowerCase(Locale.ROOT).contains(lowerNeedle);
  }

  private static Comparator<Row> comparator(String sort) {
    Comparator<Row> byFolder = Comparator.comparing((Row r) -> r.bucket()).thenComparing(Row::folder);
    Comparator<Row> primary =
        switch (sort == null ? "" : sort) {
          case "name" -> Comparator.comparing(r -> r.status().name() == null ? "" : r.status().name().toLowerCase(Locale.ROOT));
          case "state" -> Comparator.comparing(r -> r.status().state().wireName());
          case "progress" -> Comparator.comparing(r -> r.status().progress() == null ? -1 : r.status().progress());
          case "images" -> Comparator.comparing(r -> r.status().images() == null ? -1 : r.status().images());
          case "created" -> Comparator.comparing(r -> r.status().createdAt());
          case "duration" -> Comparator.comparing(StatusIndex::durationMillis);
          case "folder" -> byFolder;
          default -> Comparator.comparing(r -> r.status().updatedAt());
        };
    return primary.thenComparing(byFolder);
  }

  /** How long a job ran: until it finished, or until its last update while it runs. */
  public static long durationMillis(Row row) {
    Instant end = row.status().finishedAt() != null ? row.status().finishedAt() : row.status().updatedAt();
    return java.time.Duration.between(row.status().createdAt(), end).toMillis();
  }
}
