package org.odmwatcher.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import org.HdrHistogram.Histogram;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.contract.AwsCallRecorder;

/**
 * The NodeODM API under load: a fixed pool of client threads, each with its own HTTP/1.1
 * connection (one {@link HttpClient} per thread, requests in turn), drives one route for a fixed
 * time; latencies go into HdrHistogram. Each route is measured right after {@code /info} (answered
 * from memory, the server's cheapest route), which is the in-run ceiling its ratio is taken
 * against: the machine is shared, so only ratios within one run mean much. During the task-info
 * run every S3 request the JVM sends for the API's tasks is counted (the SDK's global interceptor,
 * {@link AwsCallRecorder}): a hit must cost none, so the count may only be the view's
 * revalidations (two conditional GETs per task per expiry).
 */
final class ApiBench {
  static final int CONNECTIONS = 8;
  static final int TASKS = 8;
  static final int UPLOAD_BYTES = 20 * 1024 * 1024;
  private static final String PREFIX = "api-tasks/";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration VIEW_EXPIRY = Duration.ofSeconds(3);

  private ApiBench() {}

  /** The figures of one route's run. */
  record Run(long requests, long errors, double seconds, Histogram latencies) {
    double rate() {
      return requests / seconds;
    }

    double p50ms() {
      return latencies.getValueAtPercentile(50) / 1e6;
    }

    double p99ms() {
      return latencies.getValueAtPercentile(99) / 1e6;
    }

    static Run sum(List<Run> runs) {
      Histogram all = new Histogram(MAX_LATENCY.toNanos(), 3);
      runs.forEach(r -> all.add(r.latencies()));
      return new Run(runs.stream().mapToLong(Run::requests).sum(), runs.stream().mapToLong(Run::errors).sum(),
          runs.stream().mapToDouble(Run::seconds).sum(), all);
    }
  }

  private static final Duration MAX_LATENCY = Duration.ofMinutes(5);


  static Map<String, Object> measure(boolean smoke, DashboardBench.Rows rows) throws Exception {
    Duration each = smoke ? Duration.ofSeconds(1) : Duration.ofSeconds(10);
    Duration warmUp = smoke ? Duration.ofMillis(500) : Duration.ofSeconds(3);
    Map<String, Object> figures = new LinkedHashMap<>();
    try (PipelineFixture world = new PipelineFixture("apibench", "apibench")) {
      Map<String, Object> props = new HashMap<>(world.apiProperties());
      // The task poller (all.zip, webhooks) lists and reads every unfinished task every 10 s
      // whatever the request rate; off here so that the S3 count is the routes' own.
      props.put("watcher.api.poll-interval", "1h");
      props.put("watcher.dashboard.enabled", "false");
      props.put("watcher.api.view-expiry", VIEW_EXPIRY.toMillis() + "ms"); // the default, said out loud
      EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, props);
      try (ApplicationContext app = server.getApplicationContext()) {
        String base = "http://localhost:" + server.getPort();
        Duration expiry = hasView() ? VIEW_EXPIRY : Duration.ZERO;
        HttpClient setup = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<String> committed = new ArrayList<>();
        for (int i = 0; i < TASKS; i++) {
          String uuid = init(setup, base, "bench " + i);
          send(setup, upload(base, uuid, "IMG_0001.JPG", image(1000)));
          send(setup, HttpRequest.newBuilder(URI.create(base + "/task/new/commit/" + uuid))
              .POST(HttpRequest.BodyPublishers.noBody()).build());
          committed.add(uuid);
        }
        List<String> uploading = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
          uploading.add(init(setup, base, "upload " + i));
        }
        String boundary = "----apibench";
        byte[] uploadBody = multipart(boundary, "IMG_0001.JPG", image(UPLOAD_BYTES)); // one copy, sent by every thread

        IntFunction<HttpRequest> info = c -> HttpRequest.newBuilder(URI.create(base + "/info")).build();
        IntFunction<HttpRequest> taskInfo =
            c -> HttpRequest.newBuilder(URI.create(base + "/task/" + committed.get(c % TASKS) + "/info")).build();
        IntFunction<HttpRequest> list = c -> HttpRequest.newBuilder(URI.create(base + "/task/list")).build();
        IntFunction<HttpRequest> bigUpload = c -> HttpRequest.newBuilder(URI.create(base + "/task/new/upload/" + uploading.get(c)))
            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
            .POST(HttpRequest.BodyPublishers.ofByteArray(uploadBody)).build();

        String mode = expiry.isZero() ? "" : String.format(" (view expiry %d ms)", expiry.toMillis());
        route("task info", "api.taskInfo", info, taskInfo, each, warmUp, world, figures, rows, true, true, expiry, mode);
        route("task list (" + (TASKS + CONNECTIONS) + " tasks)", "api.taskList", info, list, each, warmUp, world, figures, rows,
            false, true, expiry, mode);
        route("upload of a 20 MB image", "api.upload20mb", info, bigUpload, each, warmUp, world, figures, rows, false, false,
            expiry, "");
      }
    }
    return figures;
  }

  private static void route(String name, String key, IntFunction<HttpRequest> ceilingRoute, IntFunction<HttpRequest> route,
      Duration each, Duration warmUp, PipelineFixture world, Map<String, Object> figures, DashboardBench.Rows rows,
      boolean countS3, boolean sliced, Duration expiry, String mode) throws Exception {
    load(ceilingRoute, warmUp);
    load(route, warmUp);
    // The route and the ceiling take turns in short slices, so that both meet the same machine
    // (other processes, JIT, garbage collection) rather than one the calm and the other the storm.
    // slices of about two seconds; an upload (seconds per request) runs whole
    int slices = sliced ? (int) Math.max(1, each.toSeconds() / 2) : 1;
    Duration slice = each.dividedBy(slices);
    List<Run> ceilingRuns = new ArrayList<>();
    List<Run> routeRuns = new ArrayList<>();
    long s3Calls = 0;
    for (int i = 0; i < slices; i++) {
      ceilingRuns.add(load(ceilingRoute, slice));
      long s3Before = AwsCallRecorder.s3Calls(world.bucket, PREFIX);
      routeRuns.add(load(route, slice));
      s3Calls += AwsCallRecorder.s3Calls(world.bucket, PREFIX) - s3Before;
    }
    Run ceiling = Run.sum(ceilingRuns);
    Run run = Run.sum(routeRuns);
    double ratio = run.rate() / ceiling.rate();
    figures.put(key + ".requestsPerSecond", round(run.rate()));
    figures.put(key + ".p50ms", round(run.p50ms()));
    figures.put(key + ".p99ms", round(run.p99ms()));
    figures.put(key + ".errors", run.errors());
    figures.put(key + ".ceiling.requestsPerSecond", round(ceiling.rate()));
    figures.put(key + ".ceiling.p50ms", round(ceiling.p50ms()));
    figures.put(key + ".ceiling.p99ms", round(ceiling.p99ms()));
    figures.put(key + ".ratio", ratio >= 0.01 ? round(ratio) : ratio);
    String measured = String.format("%,.0f req/s; p50 %.2f ms, p99 %.2f ms", run.rate(), run.p50ms(), run.p99ms())
        + (run.errors() > 0 ? String.format("; %d errors", run.errors()) : "");
    String ratioText = ratio >= 0.01 ? String.format("%.2fx", ratio) : String.format("%.4fx", ratio);
    if (!sliced) {
      measured += String.format(" (%.0f MB/s)", run.rate() * UPLOAD_BYTES / 1e6);
    }
    if (countS3) {
      // A hit costs nothing; what may reach S3 is each task's revalidation (task.json and
      // status.json, conditional), which starts at least one expiry after the last one: within a
      // slice of L seconds at most floor(L / expiry) + 1 per task.
      long allowed = expiry.isZero() ? Long.MAX_VALUE
          : routeRuns.stream().mapToLong(r -> 2L * TASKS * ((long) (r.seconds() * 1000) / expiry.toMillis() + 1)).sum();
      figures.put(key + ".s3Calls", s3Calls);
      figures.put(key + ".s3CallsAllowedByRevalidation", allowed == Long.MAX_VALUE ? -1 : allowed);
      measured += String.format("; %,d S3 calls for %,d requests", s3Calls, run.requests());
      ratioText += " (goal >= 0.8x)" + (s3Calls <= allowed ? "" : "; MORE S3 CALLS THAN REVALIDATION NEEDS (" + allowed + ")");
      System.out.printf("api bench: %s, %d requests, %d S3 calls (revalidation allows %s)%n", name, run.requests(), s3Calls,
          allowed == Long.MAX_VALUE ? "any: no view" : Long.toString(allowed));
    }
    rows.row("API " + name + ", " + CONNECTIONS + " connections, " + each.toSeconds() + " s" + mode, measured,
        String.format("/info %,.0f req/s; p50 %.2f ms, p99 %.2f ms", ceiling.rate(), ceiling.p50ms(), ceiling.p99ms()),
        ratioText);
  }

  /** {@link #CONNECTIONS} threads, each its own connection, send {@code request(thread)} in turn for {@code time}. */
  static Run load(IntFunction<HttpRequest> request, Duration time) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(CONNECTIONS);
    try {
      long start = System.nanoTime();
      long end = start + time.toNanos();
      List<Future<long[]>> results = new ArrayList<>();
      List<Histogram> histograms = new ArrayList<>();
      for (int c = 0; c < CONNECTIONS; c++) {
        int connection = c;
        Histogram histogram = new Histogram(MAX_LATENCY.toNanos(), 3);
        histograms.add(histogram);
        results.add(pool.submit(() -> {
          long requests = 0;
          long errors = 0;
          HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
          HttpRequest req = request.apply(connection);
          while (System.nanoTime() < end) {
            long t = System.nanoTime();
            HttpResponse<byte[]> response = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
            histogram.recordValue(System.nanoTime() - t);
            requests++;
            if (response.statusCode() != 200 || startsWithError(response.body())) {
              errors++;
            }
          }
          return new long[] {requests, errors};
        }));
      }
      long requests = 0;
      long errors = 0;
      for (Future<long[]> result : results) {
        long[] r = result.get();
        requests += r[0];
        errors += r[1];
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      Histogram all = new Histogram(MAX_LATENCY.toNanos(), 3);
      histograms.forEach(all::add);
      return new Run(requests, errors, seconds, all);
    } finally {
      pool.shutdownNow();
    }
  }

  /** Whether the watcher answers task info from a view (it read the bucket per request before). */
  private static boolean hasView() {
    try {
      Class.forName("org.odmwatcher.api.TaskView");
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  private static boolean startsWithError(byte[] body) {
    int n = Math.min(body.length, 16);
    return new String(body, 0, n, StandardCharsets.UTF_8).startsWith("{\"error\"");
  }

  private static String init(HttpClient http, String base, String name) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/task/new/init"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("name=" + name.replace(' ', '+'))).build();
    return send(http, request).path("uuid").asText();
  }

  private static HttpRequest upload(String base, String uuid, String file, byte[] image) {
    String boundary = "----apibench-setup";
    return HttpRequest.newBuilder(URI.create(base + "/task/new/upload/" + uuid))
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(multipart(boundary, file, image))).build();
  }

  private static JsonNode send(HttpClient http, HttpRequest request) throws IOException, InterruptedException {
    HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    JsonNode body = JSON.readTree(response.body());
    if (response.statusCode() != 200 || body.has("error")) {
      throw new IllegalStateException(request.uri() + " answered " + response.statusCode() + " " + body);
    }
    return body;
  }

  private static byte[] multipart(String boundary, String file, byte[] bytes) {
    ByteArrayOutputStream body = new ByteArrayOutputStream(bytes.length + 512);
    body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"images\"; filename=\"" + file
        + "\"\r\nContent-Type: image/jpeg\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    body.writeBytes(bytes);
    body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return body.toByteArray();
  }

  /** JPEG's start-of-image marker, then noise (S3 stores it as it is). */
  private static byte[] image(int size) {
    byte[] bytes = new byte[size];
    new Random(42).nextBytes(bytes);
    bytes[0] = (byte) 0xFF;
    bytes[1] = (byte) 0xD8;
    return bytes;
  }

  private static double round(double value) {
    return Math.round(value * 100.0) / 100.0;
  }
}
