package org.odmwatcher.bench;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.odmwatcher.status.JobState;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.StatusCodec;
import org.odmwatcher.testing.Browser;
import org.odmwatcher.testing.PipelineFixture;
import org.openqa.selenium.By;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;

/**
 * The dashboard with many jobs in the bucket: how long the watcher's one seed listing takes, the
 * latency of {@code /jobs} (a page of 50, with and without filters and sorts) and the page's time
 * to its first list in a real headless Chromium, served by the watcher and read from the bucket
 * as a static copy (one summary object).
 */
final class DashboardBench {
  private static final String[] QUERIES = {
    "", "state=running", "q=site-0001", "sort=progress&order=asc", "state=failed,invalid&sort=name", "page=20",
  };

  /** One measured figure with its table row. */
  interface Rows {
    void row(String what, String measured, String baseline, String ratio);
  }

  private DashboardBench() {}

  static Map<String, Object> measure(int jobs, int requests, int pageLoads, Rows rows) throws Exception {
    Map<String, Object> figures = new LinkedHashMap<>();
    try (PipelineFixture world = new PipelineFixture("dashbench", "dashbench")) {
      fill(world, jobs);
      Map<String, Object> props = new HashMap<>(world.properties());
      props.put("watcher.sqs.enabled", "false");
      props.put("watcher.argo.watch", "false");
      props.put("watcher.dashboard.buckets", world.bucket);
      props.put("watcher.dashboard.summary-interval", "500ms");
      props.put("watcher.dashboard.publish-site", "true");
      long started = System.nanoTime();
      EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, props);
      try (ApplicationContext app = server.getApplicationContext()) {
        String base = "http://localhost:" + server.getPort() + "/";
        HttpClient http = HttpClient.newHttpClient();
        while (!http.send(HttpRequest.newBuilder(URI.create(base + "jobs?size=1")).build(),
            HttpResponse.BodyHandlers.ofString()).body().contains("\"total\":" + jobs + ",")) {
          if (System.nanoTime() - started > Duration.ofMinutes(10).toNanos()) {
            throw new IllegalStateException("the index never held " + jobs + " jobs");
          }
          Thread.sleep(50); // bench code: polling a condition, not a test
        }
        double seedMs = (System.nanoTime() - started) / 1e6;
        figures.put("dashboard." + jobs + ".startAndSeedMs", round(seedMs));

        List<Double> latencies = new ArrayList<>();
        for (int i = 0; i < requests + 20; i++) {
          HttpRequest request = HttpRequest.newBuilder(URI.create(base + "jobs?" + QUERIES[i % QUERIES.length])).build();
          long t = System.nanoTime();
          HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
          double ms = (System.nanoTime() - t) / 1e6;
          if (response.statusCode() != 200) {
            throw new IllegalStateException("/jobs answered " + response.statusCode());
          }
          if (i >= 20) {
            latencies.add(ms); // the first 20 warm the JIT
          }
        }
        figures.put("dashboard." + jobs + ".jobsP50ms", round(quantile(latencies, 0.5)));
        figures.put("dashboard." + jobs + ".jobsP99ms", round(quantile(latencies, 0.99)));
        rows.row("dashboard /jobs, " + String.format("%,d", jobs) + " jobs (page of 50, filters, sorts)",
            String.format("p50 %.1f ms, p99 %.1f ms", quantile(latencies, 0.5), quantile(latencies, 0.99)),
            String.format("start + seed listing %.1f s", seedMs / 1000), "");

        List<Double> watcherLoads = new ArrayList<>();
        List<Double> staticLoads = new ArrayList<>();
        awaitSummary(world, jobs);
        for (String key : List.of("dashboard/index.html", "dashboard/assets/app.js", "dashboard/assets/style.css",
            "dashboard/dashboard.json", "index.json")) {
          world.s3.putObjectAcl(b -> b.bucket(world.bucket).key(key).acl(ObjectCannedACL.PUBLIC_READ));
        }
        long summaryBytes = world.s3.headObject(b -> b.bucket(world.bucket).key("index.json")).contentLength();
        figures.put("dashboard." + jobs + ".summaryBytes", summaryBytes);
        try (Browser browser = new Browser(1400, 900)) {
          for (int i = 0; i < pageLoads; i++) {
            watcherLoads.add(firstList(browser, base));
            staticLoads.add(firstList(browser, world.servers.s3Endpoint() + "/" + world.bucket + "/dashboard/index.html"));
          }
        }
        figures.put("dashboard." + jobs + ".firstListMs", round(quantile(watcherLoads, 0.5)));
        figures.put("dashboard." + jobs + ".static.firstListMs", round(quantile(staticLoads, 0.5)));
        rows.row("dashboard page, time to first list (Chromium, median of " + pageLoads + ")",
            String.format("watcher %.0f ms; static copy %.0f ms", quantile(watcherLoads, 0.5), quantile(staticLoads, 0.5)),
            String.format("summary object %,d bytes", summaryBytes), "");
      }
    }
    return figures;
  }

  /** Milliseconds from navigation start to the page's {@code odm-first-list} mark. */
  private static double firstList(Browser browser, String url) {
    browser.driver.get("about:blank");
    browser.driver.get(url);
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (System.nanoTime() < deadline) {
      Object mark = browser.driver.executeScript(
          "const m = performance.getEntriesByName('odm-first-list'); return m.length ? m[0].startTime : null;");
      if (mark instanceof Number n && !browser.driver.findElements(By.cssSelector("#rows tr")).isEmpty()) {
        return n.doubleValue();
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new IllegalStateException(url + " never listed a job");
  }

  private static void awaitSummary(PipelineFixture world, int jobs) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        String summary = world.s3.getObjectAsBytes(b -> b.bucket(world.bucket).key("index.json")).asUtf8String();
        if (summary.split("\"jobId\"", -1).length - 1 == jobs) {
          return;
        }
      } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
        // not written yet
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("no summary with " + jobs + " jobs");
  }

  /** {@code jobs} folders, each with an odm.json and a status.json in a spread of states. */
  private static void fill(PipelineFixture world, int jobs) throws Exception {
    StatusCodec codec = new StatusCodec();
    JobState[] states = JobState.values();
    Instant now = Instant.now();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<?>> puts = new ArrayList<>();
      for (int i = 0; i < jobs; i++) {
        int n = i;
        puts.add(pool.submit(() -> {
          String folder = String.format("site-%04d/flight-%02d/", n / 10, n % 10);
          JobState state = states[n % states.length];
          JobStatus status = JobStatus.of(
                  String.format("%032x", n), "etag" + n, "Flight " + n, state, "bench " + state.wireName(),
                  now.minusSeconds(jobs - n))
              .withImages(50 + n % 200, null)
              .withProgress(state == JobState.RUNNING ? "opensfm" : null, state == JobState.RUNNING ? n % 100 : null);
          world.s3.putObject(b -> b.bucket(world.bucket).key(folder + "odm.json"), RequestBody.fromString("{}"));
          world.s3.putObject(b -> b.bucket(world.bucket).key(folder + "status.json").contentType("application/json"),
              RequestBody.fromBytes(codec.encode(status)));
          return null;
        }));
      }
      for (Future<?> put : puts) {
        put.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static double quantile(List<Double> values, double q) {
    List<Double> sorted = values.stream().sorted().toList();
    int index = (int) Math.ceil(q * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }

  private static double round(double value) {
    return Math.round(value * 100.0) / 100.0;
  }
}
