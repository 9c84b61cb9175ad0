package org.odmwatcher.bench;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.odmwatcher.status.JobState;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.OutputKeyValidator;
import org.odmwatcher.status.StatusIndex;

/**
 * {@code /jobs}'s work in the index at 100,000 rows, in this process: the queries the scale
 * bench sends (a page of 50, filters, sorts), each after one status write (a busy cluster writes
 * between two polls of the page), answered by {@link StatusIndex#query} and, interleaved on the
 * same rows, by the full scan and sort per request the index did before (kept here as {@link
 * #fullSort}, the reference). p50 / p99 of each.
 */
final class IndexQueryBench {
  private static final String[][] QUERIES = {
    {"", "", "updated", "desc", "0"}, {"running", "", "updated", "desc", "0"}, {"", "site-0001", "updated", "desc", "0"},
    {"", "", "progress", "asc", "0"}, {"failed,invalid", "", "name", "desc", "0"}, {"", "", "updated", "desc", "20"},
  };

  private IndexQueryBench() {}

  static Map<String, Object> measure(int jobs, int requests, DashboardBench.Rows rows) {
    StatusIndex index = new StatusIndex(new OutputKeyValidator("results/"));
    Instant now = Instant.parse("2026-12-07T00:00:00Z");
    JobState[] finals = {JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELED};
    for (int n = 0; n < jobs; n++) {
      JobState state = n % 10 == 0 ? JobState.RUNNING : finals[n % finals.length];
      index.putSummarized("scalebench", String.format("site-%06d/", n), status(n, state, now.minusSeconds(jobs - n)));
    }
    List<Double> after = new ArrayList<>();
    List<Double> before = new ArrayList<>();
    long sink = 0;
    for (int i = 0; i < requests + 20; i++) {
      // one write between two requests: a running job's progress
      int n = (i * 7919) % jobs / 10 * 10;
      index.put("scalebench", String.format("site-%06d/", n),
          status(n, JobState.RUNNING, now.plusSeconds(i)).withProgress("opensfm", i % 100));
      String[] q = QUERIES[i % QUERIES.length];
      StatusIndex.Query query = query(q);
      long t = System.nanoTime();
      sink += index.query(query).rows().size();
      double a = (System.nanoTime() - t) / 1e6;
      List<StatusIndex.Row> all = index.rows(null); // the old index walked its map's values: not timed
      t = System.nanoTime();
      sink += fullSort(all, query);
      double b = (System.nanoTime() - t) / 1e6;
      if (i >= 20) {
        after.add(a);
        before.add(b);
      }
    }
    if (sink < 0) {
      throw new IllegalStateException();
    }
    Map<String, Object> figures = new java.util.LinkedHashMap<>();
    String key = "indexQuery." + jobs + ".";
    figures.put(key + "p50ms", round(quantile(after, 0.5)));
    figures.put(key + "p99ms", round(quantile(after, 0.99)));
    figures.put(key + "fullSort.p50ms", round(quantile(before, 0.5)));
    figures.put(key + "fullSort.p99ms", round(quantile(before, 0.99)));
    rows.row(String.format("index: a page of /jobs at %,d jobs, one write between requests (in process)", jobs),
        String.format("p50 %.2f ms, p99 %.2f ms", quantile(after, 0.5), quantile(after, 0.99)),
        String.format("sort per request: p50 %.1f ms, p99 %.1f ms", quantile(before, 0.5), quantile(before, 0.99)),
        String.format("%.3fx", quantile(after, 0.5) / quantile(before, 0.5)));
    return figures;
  }

  private static JobStatus status(int n, JobState state, Instant at) {
    return JobStatus.of(String.format("%032x", n), "etag" + n, "Flight " + n, state,
            state == JobState.RUNNING ? "running: process" : "bench " + state.wireName(), at)
        .withImages(3, null)
        .withWorkflow(new JobStatus.WorkflowRef("scale", String.format("odm-%06d", n)), "argo")
        .withProgress(state == JobState.RUNNING ? "opensfm" : null, state == JobState.RUNNING ? n % 100 : null);
  }

  private static StatusIndex.Query query(String[] q) {
    Set<JobState> states = EnumSet.noneOf(JobState.class);
    for (String s : q[0].isEmpty() ? new String[0] : q[0].split(",")) {
      states.add(JobState.fromWire(s));
    }
    return new StatusIndex.Query(states, q[1], q[2], "desc".equals(q[3]), Integer.parseInt(q[4]), 50);
  }

  /** The index's query before the kept views: every row counted, filtered and sorted per request. */
  private static int fullSort(List<StatusIndex.Row> all, StatusIndex.Query query) {
    Map<JobState, Integer> counts = new EnumMap<>(JobState.class);
    List<StatusIndex.Row> matching = new ArrayList<>();
    String text = query.text().trim().toLowerCase(Locale.ROOT);
    for (StatusIndex.Row row : all) {
      counts.merge(row.status().state(), 1, Integer::sum);
      boolean textMatch = text.isEmpty() || row.folder().toLowerCase(Locale.ROOT).contains(text)
          || row.status().name().toLowerCase(Locale.ROOT).contains(text)
          || row.bucket().toLowerCase(Locale.ROOT).contains(text) || row.status().jobId().toLowerCase(Locale.ROOT).contains(text);
      if ((query.states().isEmpty() || query.states().contains(row.status().state())) && textMatch) {
        matching.add(row);
      }
    }
    Comparator<StatusIndex.Row> byFolder = Comparator.comparing((StatusIndex.Row r) -> r.bucket()).thenComparing(StatusIndex.Row::folder);
    Comparator<StatusIndex.Row> primary = switch (query.sort()) {
      case "name" -> Comparator.comparing(r -> r.status().name() == null ? "" : r.status().name().toLowerCase(Locale.ROOT));
      case "progress" -> Comparator.comparing(r -> r.status().progress() == null ? -1 : r.status().progress());
      default -> Comparator.comparing(r -> r.status().updatedAt());
    };
    Comparator<StatusIndex.Row> order = primary.thenComparing(byFolder);
    matching.sort(query.descending() ? order.reversed() : order);
    int from = Math.min(matching.size(), query.page() * query.size());
    return List.copyOf(matching.subList(from, Math.min(matching.size(), from + query.size()))).size() + counts.size();
  }

  private static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }

  private static double quantile(List<Double> values, double q) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
  }
}
