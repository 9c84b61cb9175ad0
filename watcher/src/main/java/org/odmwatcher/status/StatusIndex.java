package org.odmwatcher.status;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every job this watcher knows of, one entry per folder, kept in memory as statuses are written
 * ({@link StatusListener}) and seeded once at start from a listing. Dashboards query it instead of
 * listing the bucket per request. An entry is only replaced by a status of another job or by a
 * newer one of the same job, so a seed that races a write never takes a row back. Outputs a
 * status lists outside its job's results ({@link OutputKeyValidator}) are dropped on the way in.
 *
 * <p>Sized for 100,000 jobs: rows are held per bucket by folder (the folder string is the key and
 * the row's own, no {@code bucket/folder} copy), the few strings many jobs share (bucket, message,
 * stage, engine) are held once ({@link #canonical}), and a query reads a sorted view of every row
 * that is kept per sort order and brought up to date from the changes since it was made, instead
 * of sorting every row per request.
 */
public final class StatusIndex implements StatusListener {
  private static final Logger LOG = LoggerFactory.getLogger(StatusIndex.class);
  /** Distinct shared strings held at most; past it a string is kept as it came. */
  private static final int CANONICAL_MAX = 4096;
  /** Changes kept for the views at least; past this (or an eighth of the rows) the views are made anew. */
  private static final int CHANGES_MIN = 4096;

  /**
   * One job: where it is and its latest status.
   *
   * @param partial the row came from the summary object and stands for its status.json until that
   *     is read (the list's fields only: no outputs, errors or log)
   */
  public record Row(String bucket, String folder, JobStatus status, boolean partial) {}

  /** What a page of the list is asked for. */
  public record Query(
      Set<JobState> states, String text, String sort, boolean descending, int page, int size) {}

  /** One page of rows, the number matching, and the count per state over all jobs. */
  public record Page(List<Row> rows, int total, Map<JobState, Integer> counts, long version) {}

  /** Every row in one order at one version of the index (ascending; never changed once made). */
  private record View(long version, Row[] rows) {}

  /** One change of the index: the row it took out and the row it put in (either may be null). */
  private record Change(long version, Row removed, Row added) {}

  /** bucket → folder → row; written under {@link #lock} only, read without it. */
  private final Map<String, Map<String, Row>> buckets = new ConcurrentHashMap<>();
  private final OutputKeyValidator outputKeys;
  private final Map<String, String> shared = new ConcurrentHashMap<>();
  private final Object lock = new Object();
  // guarded by lock
  private final int[] counts = new int[JobState.values().length];
  private final Map<String, View> views = new HashMap<>();
  private final List<Change> changes = new ArrayList<>();
  private int size;
  private volatile long version;

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
    JobStatus status = canonical(outputKeys.keepAccepted(written));
    synchronized (lock) {
      Map<String, Row> folders = buckets.computeIfAbsent(canonical(bucket), b -> new ConcurrentHashMap<>());
      Row current = folders.get(folder);
      // a row from the summary object stands for its status.json until that is read
      if (current != null && !current.partial() && !isNewer(status, current.status())) {
        return false;
      }
      Row fresh = new Row(canonical(bucket), current == null ? folder : current.folder(), status, false);
      folders.put(fresh.folder(), fresh);
      changed(current, fresh);
      return true;
    }
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
    JobStatus status = canonical(summarized);
    synchronized (lock) {
      Map<String, Row> folders = buckets.computeIfAbsent(canonical(bucket), b -> new ConcurrentHashMap<>());
      if (folders.containsKey(folder)) {
        return false;
      }
      Row fresh = new Row(canonical(bucket), folder, status, true);
      folders.put(folder, fresh);
      changed(null, fresh);
      return true;
    }
  }

  /** Whether the folder's row came from the summary object and its status.json is not read yet. */
  public boolean isPartial(String bucket, String folder) {
    return get(bucket, folder).map(Row::partial).orElse(false);
  }

  /** Forgets a folder whose status is gone. */
  public void remove(String bucket, String folder) {
    synchronized (lock) {
      Map<String, Row> folders = buckets.get(bucket);
      Row gone = folders == null ? null : folders.remove(folder);
      if (gone != null) {
        changed(gone, null);
      }
    }
  }

  /** Counts, version and the changes the views have not taken yet; under {@link #lock}. */
  private void changed(Row removed, Row added) {
    if (removed != null) {
      counts[removed.status().state().ordinal()]--;
      size--;
    }
    if (added != null) {
      counts[added.status().state().ordinal()]++;
      size++;
    }
    version++;
    if (views.isEmpty()) {
      return; // nobody asked yet: no view to bring up to date
    }
    changes.add(new Change(version, removed, added));
    if (changes.size() > Math.max(CHANGES_MIN, size / 8)) {
      // cheaper to sort once more than to merge this many changes
      views.clear();
      changes.clear();
    }
  }

  public Optional<Row> get(String bucket, String folder) {
    Map<String, Row> folders = buckets.get(bucket);
    return Optional.ofNullable(folders == null ? null : folders.get(folder));
  }

  /** Changes with every row that changes: a cheap ETag for polling clients. */
  public long version() {
    return version;
  }

  public int size() {
    synchronized (lock) {
      return size;
    }
  }

  /** Every row of one bucket (or all buckets when {@code bucket} is null), by folder. */
  public List<Row> rows(String bucket) {
    return buckets.entrySet().stream()
        .filter(b -> bucket == null || b.getKey().equals(bucket))
        .flatMap(b -> b.getValue().values().stream())
        .sorted(Comparator.comparing(Row::folder))
        .toList();
  }

  /** Buckets with at least one row. */
  public Set<String> buckets() {
    return buckets.entrySet().stream().filter(b -> !b.getValue().isEmpty()).map(Map.Entry::getKey)
        .collect(Collectors.toSet());
  }

  /**
   * Filters, sorts and pages the rows: reads the view of the asked order (made or brought up to
   * date here when the index changed since), so a page costs a walk over the rows at most, and a
   * page of the whole list only its own rows.
   */
  public Page query(Query query) {
    String sort = sortKey(query.sort());
    View view;
    Map<JobState, Integer> byState = new EnumMap<>(JobState.class);
    synchronized (lock) {
      view = view(sort);
      for (JobState s : JobState.values()) {
        if (counts[s.ordinal()] > 0) {
          byState.put(s, counts[s.ordinal()]);
        }
      }
    }
    Row[] rows = view.rows();
    int from = Math.max(0, query.page()) * query.size();
    String text = query.text() == null ? "" : query.text().trim();
    List<Row> page = new ArrayList<>(Math.min(query.size(), rows.length));
    int matching = 0;
    if (query.states().isEmpty() && text.isEmpty()) {
      // every row matches: only the page's own rows are read
      for (int i = from; i < Math.min(rows.length, from + query.size()); i++) {
        page.add(rows[query.descending() ? rows.length - 1 - i : i]);
      }
      matching = rows.length;
    } else {
      for (int i = 0; i < rows.length; i++) {
        Row row = rows[query.descending() ? rows.length - 1 - i : i];
        if ((query.states().isEmpty() || query.states().contains(row.status().state())) && matches(row, text)) {
          if (matching >= from && page.size() < query.size()) {
            page.add(row);
          }
          matching++;
        }
      }
    }
    return new Page(List.copyOf(page), matching, byState, view.version());
  }

  /** The view of {@code sort} at the current version; under {@link #lock}. */
  private View view(String sort) {
    View view = views.get(sort);
    if (view != null && view.version() == version) {
      return view;
    }
    Comparator<Row> order = comparator(sort);
    if (view != null) {
      view = patched(view, order);
    } else {
      Row[] all = buckets.values().stream().flatMap(f -> f.values().stream()).toArray(Row[]::new);
      Arrays.sort(all, order);
      view = new View(version, all);
    }
    views.put(sort, view);
    long oldest = views.values().stream().mapToLong(View::version).min().orElse(version);
    changes.removeIf(c -> c.version() <= oldest);
    return view;
  }

  /**
   * {@code view} with the changes since it was made merged in: each changed row found by binary
   * search, the rows between copied as blocks.
   */
  private View patched(View view, Comparator<Row> order) {
    Set<Row> out = Collections.newSetFromMap(new IdentityHashMap<>());
    List<Row> in = new ArrayList<>();
    for (Change change : changes) {
      if (change.version() > view.version()) {
        if (change.removed() != null) {
          out.add(change.removed());
        }
        if (change.added() != null) {
          in.add(change.added());
        }
      }
    }
    in.removeIf(out::contains); // put in and taken out again since the view
    in.sort(order);
    Row[] old = view.rows();
    // positions of the rows taken out that the view holds (a total order: bucket and folder last)
    int[] gone = out.stream().mapToInt(r -> {
      int at = Arrays.binarySearch(old, r, order);
      return at >= 0 && old[at] == r ? at : -1;
    }).filter(at -> at >= 0).sorted().toArray();
    Row[] merged = new Row[old.length - gone.length + in.size()];
    int n = 0;
    int from = 0; // next row of old to copy
    int g = 0;
    for (Row row : in) {
      int at = Arrays.binarySearch(old, row, order);
      int until = at >= 0 ? at : -at - 1; // rows of old before it
      n = copy(old, from, until, gone, g, merged, n);
      while (g < gone.length && gone[g] < until) {
        g++;
      }
      from = Math.max(from, until);
      merged[n++] = row;
    }
    n = copy(old, from, old.length, gone, g, merged, n);
    return new View(version, n == merged.length ? merged : Arrays.copyOf(merged, n));
  }

  /** Copies old[from, until) without the positions in gone (sorted, from gone[g] on) to merged at n. */
  private static int copy(Row[] old, int from, int until, int[] gone, int g, Row[] merged, int n) {
    int at = from;
    while (at < until) {
      while (g < gone.length && gone[g] < at) {
        g++;
      }
      int stop = g < gone.length && gone[g] < until ? gone[g] : until;
      System.arraycopy(old, at, merged, n, stop - at);
      n += stop - at;
      at = stop + (stop < until ? 1 : 0);
    }
    return n;
  }

  private static boolean matches(Row r, String text) {
    return text.isEmpty() || contains(r.folder(), text) || contains(r.status().name(), text)
        || contains(r.bucket(), text) || contains(r.status().jobId(), text);
  }

  /** Case-insensitive {@code contains} that allocates nothing (a filtered request walks every row). */
  private static boolean contains(String value, String needle) {
    if (value == null) {
      return false;
    }
    char lower = Character.toLowerCase(needle.charAt(0));
    char upper = Character.toUpperCase(needle.charAt(0));
    for (int i = 0, last = value.length() - needle.length(); i <= last; i++) {
      char c = value.charAt(i);
      if ((c == lower || c == upper) && value.regionMatches(true, i, needle, 0, needle.length())) {
        return true;
      }
    }
    return false;
  }

  private static String sortKey(String sort) {
    return switch (sort == null ? "" : sort) {
      case "name", "state", "progress", "images", "created", "duration", "folder" -> sort;
      default -> "updated";
    };
  }

  private static Comparator<Row> comparator(String sort) {
    Comparator<Row> byFolder = Comparator.comparing((Row r) -> r.bucket()).thenComparing(Row::folder);
    Comparator<Row> primary =
        switch (sort) {
          case "name" -> Comparator.comparing(r -> r.status().name() == null ? "" : r.status().name(),
              String.CASE_INSENSITIVE_ORDER);
          case "state" -> Comparator.comparing(r -> r.status().state().wireName());
          case "progress" -> Comparator.comparingInt(r -> r.status().progress() == null ? -1 : r.status().progress());
          case "images" -> Comparator.comparingInt(r -> r.status().images() == null ? -1 : r.status().images());
          case "created" -> Comparator.comparing(r -> r.status().createdAt());
          case "duration" -> Comparator.comparingLong(StatusIndex::durationMillis);
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

  /** One instance of a string many rows share (a bucket, a state's message, a stage, an engine). */
  private String canonical(String value) {
    if (value == null) {
      return null;
    }
    String held = shared.get(value);
    if (held != null) {
      return held;
    }
    if (shared.size() >= CANONICAL_MAX) {
      return value;
    }
    held = shared.putIfAbsent(value, value);
    return held == null ? value : held;
  }

  /**
   * {@code status} with its shared strings held once, and one {@link Instant} for its equal times
   * (a finished job's last update is its end; read from JSON they are two objects).
   */
  private JobStatus canonical(JobStatus s) {
    JobStatus.WorkflowRef workflow = s.workflow() == null ? null
        : new JobStatus.WorkflowRef(canonical(s.workflow().namespace()), s.workflow().name());
    Instant updated = s.updatedAt() != null && s.updatedAt().equals(s.createdAt()) ? s.createdAt() : s.updatedAt();
    Instant finished = s.finishedAt() != null && s.finishedAt().equals(updated) ? updated : s.finishedAt();
    return new JobStatus(s.schemaVersion(), s.jobId(), s.manifestETag(), s.name(), s.state(), canonical(s.message()),
        s.errors(), s.images(), s.expectedImages(), workflow, canonical(s.stage()), s.progress(),
        canonical(s.engine()), s.createdAt(), updated, finished, s.outputs(), s.logTail(),
        s.submodels(), s.defaults(), s.notifications(), s.workspace());
  }
}
