package org.odmwatcher.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micronaut.context.ApplicationContext;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.odmwatcher.event.ObjectCreatedHandler;
import org.odmwatcher.event.sweep.BucketSweep;
import org.odmwatcher.status.StatusCodec;
import org.odmwatcher.status.StatusWriter;
import org.odmwatcher.storage.BucketStore;
import org.odmwatcher.testing.Clients;
import org.odmwatcher.testing.Notifications;
import org.odmwatcher.testing.RealServers;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.argo.TestArgo;
import org.odmwatcher.workflow.ArgoWorkflowSubmitter;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * The benchmark command: how fast and how lean the watcher is, each figure next to a floor measured
 * in the same run (the same bare SDK calls in a tight loop), against the same in-process real
 * servers the tests use (ElasticMQ, S3Proxy, the fabric8 CRUD mock). Loopback only, bounded loops,
 * stops by itself. Prints a table and writes JSON ({@code -Dbench.out}). {@code -Dbench.size=smoke}
 * runs a tiny configuration (CI proves it still produces every figure).
 */
public final class Bench {
  /** How big a run is. */
  record Size(
      String name,
      int[] overheadFolders,
      int eventSamples,
      int phaseSamples,
      int[] concurrencies,
      int scalingFolders,
      int[] bucketSizes,
      int jmhIterations,
      int jmhForks) {}

  static final Size FULL = new Size("full", new int[] {200, 1000}, 100, 50, new int[] {1, 4, 16, 64}, 200, new int[] {1000, 10000}, 5, 1);
  static final Size SMOKE = new Size("smoke", new int[] {20}, 5, 5, new int[] {1, 4}, 20, new int[] {50, 100}, 1, 0);

  private static final Duration PATIENCE = Duration.ofMinutes(5);
  private final Size size;
  private final Map<String, Object> figures = new LinkedHashMap<>();
  private final List<String[]> table = new ArrayList<>();

  Bench(Size size) {
    this.size = size;
  }

  public static void main(String[] args) throws Exception {
    Size size = "smoke".equals(System.getProperty("bench.size", "full")) ? SMOKE : FULL;
    Path out = Path.of(System.getProperty("bench.out", "target/bench.json"));
    Map<String, Object> result;
    try {
      result = new Bench(size).run();
    } catch (Exception | Error e) {
      e.printStackTrace();
      System.exit(1); // the in-process servers' threads would keep the JVM alive
      return;
    }
    Files.createDirectories(out.toAbsolutePath().getParent());
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), result);
    System.out.println("written " + out.toAbsolutePath());
    System.exit(0);
  }

  Map<String, Object> run() throws Exception {
    Instant started = Instant.now();
    // -Dbench.only=overhead,startup runs just those parts (e.g. under a profiler)
    String parts = System.getProperty("bench.only", "");
    List<String> only = List.of((parts.isBlank() ? "parse,overhead,defaults,latency,startup,scaling,dashboard,indexquery,map,scale,api,resume" : parts).split(","));
    if (only.contains("parse")) {
      parseThroughput();
    }
    if (only.contains("overhead")) {
      if (size == FULL) {
        perFolderOverhead(100, false); // warm-up: class loading and JIT for both sides, not recorded
      }
      for (int n : size.overheadFolders()) {
        perFolderOverhead(n, true);
      }
    }
    if (only.contains("defaults")) {
      if (size == FULL && !only.contains("overhead")) {
        perFolderOverhead(100, false); // warm-up, as for the overhead part
      }
      perFolderOverhead(size.overheadFolders()[0], true, true);
    }
    if (only.contains("latency")) {
      eventAndPhaseLatency();
      progressLatency();
    }
    if (only.contains("startup")) {
      startup();
    }
    if (only.contains("scaling")) {
      scaling();
    }
    if (only.contains("dashboard")) {
      boolean smoke = "smoke".equals(size.name());
      figures.putAll(DashboardBench.measure(smoke ? 100 : 10_000, smoke ? 20 : 500, smoke ? 1 : 5, this::row));
    }
    if (only.contains("indexquery")) {
      boolean smoke = "smoke".equals(size.name());
      figures.putAll(IndexQueryBench.measure(smoke ? 1_000 : 100_000, smoke ? 30 : 600, this::row));
    }
    if (only.contains("scale")) {
      // -Dbench.scale.folders / -Dbench.scale.workflows: the size knob (issue 27's run: 100,000 / 10,000)
      boolean smoke = "smoke".equals(size.name());
      if (smoke && System.getProperty("bench.scale.idle") == null) {
        System.setProperty("bench.scale.idle", "2");
      }
      figures.putAll(ScaleBench.measure(Integer.getInteger("bench.scale.folders", smoke ? 200 : 100_000),
          Integer.getInteger("bench.scale.workflows", smoke ? 50 : 10_000), this::row,
          (world, inPlace, n, key, what) -> {
            if (!smoke) {
              try (PipelineFixture warmUp = world.get()) {
                perFolderOverhead(warmUp, 100, false, false, inPlace, key, what); // warm-up, as for the overhead part
              }
            }
            try (PipelineFixture measured = world.get()) {
              perFolderOverhead(measured, n, true, false, inPlace, key, what);
            }
          }, size.overheadFolders()[0]));
    }
    if (only.contains("map")) {
      // full: 9000 x 9000 RGBA, ~400 MB with overviews; smoke: 1024 x 1024
      figures.putAll(MapBench.measure("smoke".equals(size.name()) ? 1024 : 9000, 3, this::row));
    }
    if (only.contains("api")) {
      figures.putAll(ApiBench.measure("smoke".equals(size.name()), this::row));
    }
    if (only.contains("resume")) {
      resumeVersusFullRun();
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("date", started.toString());
    result.put("size", size.name());
    result.put("cores", Runtime.getRuntime().availableProcessors());
    result.put("java", System.getProperty("java.version"));
    result.put("seconds", Duration.between(started, Instant.now()).toSeconds());
    result.put("figures", figures);
    printTable(result);
    return result;
  }

  // 1. Parse + filter throughput (JMH, one thread)
  private void parseThroughput() throws Exception {
    var options =
        new OptionsBuilder()
            .include(ParseBenchmark.class.getName())
            .forks(size.jmhForks())
            .threads(1)
            .warmupIterations(size.jmhIterations())
            .measurementIterations(size.jmhIterations())
            .warmupTime(TimeValue.seconds(1))
            .measurementTime(TimeValue.seconds(size.jmhForks() == 0 ? 1 : 2))
            .shouldFailOnError(true)
            .build();
    RunResult result = new Runner(options).run().iterator().next();
    double bodies = result.getPrimaryResult().getScore();
    double records = bodies * ParseBenchmark.RECORDS_PER_BODY;
    figures.put("parse.recordsPerSecond", Math.round(records));
    figures.put("parse.error", Math.round(result.getPrimaryResult().getScoreError() * ParseBenchmark.RECORDS_PER_BODY));
    row("parse + filter, 1 thread", String.format("%,.0f records/s", records), "goal >= 50,000/s", "");
  }

  // 2. Per-folder overhead versus the floor of the bare calls
  private void perFolderOverhead(int n, boolean record) throws Exception {
    perFolderOverhead(n, record, false);
  }

  /**
   * The per-folder overhead; {@code withDefaults}: the folders sit under {@code farm-a/field-1/}
   * with a defaults file at the bucket root, {@code farm-a/} and {@code farm-a/field-1/}, as in
   * issue 24's goal (the floor stays the four bare calls: reading defaults is the watcher's cost).
   */
  private void perFolderOverhead(int n, boolean record, boolean withDefaults) throws Exception {
    try (PipelineFixture world = new PipelineFixture("bench-overhead", nextNamespace())) {
      perFolderOverhead(world, n, record, withDefaults, null, (withDefaults ? "defaults." : "overhead.") + n + ".",
          withDefaults ? "per-folder with defaults at 3 levels" : "per-folder");
    }
  }

  /**
   * The per-folder part in a world made by the caller. {@code inPlace} null: both sides start with
   * an empty API server and the watcher finds the folders queued; otherwise (the scale bench's big
   * bucket and busy cluster) nothing is reset, the watcher runs with {@code inPlace}'s properties
   * added and the folders are queued once {@code inPlace.ready} holds (its dashboard index complete),
   * so the drain is the per-folder path in that bucket and not the start.
   */
  void perFolderOverhead(PipelineFixture world, int n, boolean record, boolean withDefaults, InPlace inPlace, String key, String what)
      throws Exception {
    {
      if (withDefaults) {
        world.s3.putObject(b -> b.bucket(world.bucket).key("odm.defaults.json"),
            RequestBody.fromString("{\"options\": {\"feature-quality\": \"medium\"}}"));
        world.s3.putObject(b -> b.bucket(world.bucket).key("farm-a/odm.defaults.json"),
            RequestBody.fromString("{\"options\": {\"dsm\": true}, \"outputs\": [\"orthophoto\", \"dsm\"]}"));
        world.s3.putObject(b -> b.bucket(world.bucket).key("farm-a/field-1/odm.defaults.json"),
            RequestBody.fromString("{\"options\": {\"orthophoto-resolution\": 5}}"));
      }
      List<String> folders = populate(world, withDefaults ? "farm-a/field-1/job" : inPlace == null ? "job" : "new-" + nextNamespace(), n);
      if (inPlace == null) {
        world.servers.resetKubernetes(); // both sides start with an empty API server
      }
      phase("floor N=" + n + " starts");
      Floor floor = floor(world, folders, 10);
      phase("floor N=" + n + " ends");
      if (inPlace == null) {
        world.servers.resetKubernetes();
        sendAll(world, folders); // queued before the watcher starts, as after a mapping campaign
      }
      // after the reset: a reset API server listens on a new port, which the properties name
      Map<String, Object> properties = watcherProperties(world, 10);
      if (inPlace != null) {
        properties.putAll(inPlace.properties());
      }
      try (ApplicationContext app = ApplicationContext.run(properties)) {
        MeterRegistry metrics = app.getBean(MeterRegistry.class);
        phase("watcher N=" + n + " started");
        if (inPlace != null) {
          awaitTrue(() -> inPlace.ready().test(app));
          phase("watcher N=" + n + " ready");
          sendAll(world, folders);
        }
        Drain drain = drain(metrics, n);
        phase("watcher N=" + n + " drained");
        if (!record) {
          return;
        }
        double seconds = drain.seconds();
        Timer handling = metrics.get("odm.watcher.sqs.handling").timer();
        Timer lag = metrics.get("odm.watcher.sqs.lag").tag("result", "acknowledged").timer();
        double watcherRate = n / seconds;
        double p50 = percentile(handling, 0.5);
        double p99 = percentile(handling, 0.99);
        if (withDefaults) {
          long reads = app.getBean(org.odmwatcher.manifest.ManifestDefaults.class).reads();
          figures.put(key + "watcher.defaultsReads", reads);
          row("  defaults files read, N=" + n, String.format("%d requests (%.2f per folder)", reads, (double) reads / n),
              "bound: 3 per folder (root, farm-a/, field-1/)", "");
        }
        figures.put(key + "floor.foldersPerSecond", round(floor.rate()));
        figures.put(key + "floor.p50ms", round(floor.p50()));
        figures.put(key + "floor.p99ms", round(floor.p99()));
        figures.put(key + "floor.receiveCalls", floor.receives());
        figures.put(key + "watcher.foldersPerSecond", round(watcherRate));
        figures.put(key + "watcher.handlingP50ms", round(p50));
        figures.put(key + "watcher.handlingP99ms", round(p99));
        figures.put(key + "watcher.enqueuedToDoneP50ms", round(percentile(lag, 0.5)));
        figures.put(key + "watcher.enqueuedToDoneP99ms", round(percentile(lag, 0.99)));
        io.micrometer.core.instrument.DistributionSummary received = metrics.get("odm.watcher.sqs.received").summary();
        figures.put(key + "watcher.receiveCalls", received.count());
        figures.put(key + "watcher.messagesPerReceive", round(received.mean()));
        figures.put(key + "floor.cpuMsPerFolder", round(floor.cpuMsPerFolder()));
        figures.put(key + "watcher.cpuMsPerFolder", round(drain.cpuMsPerFolder()));
        figures.put(key + "ratio.cpu", round(drain.cpuMsPerFolder() / floor.cpuMsPerFolder()));
        figures.put(key + "ratio.time", round(floor.rate() / watcherRate));
        figures.put(key + "ratio.p50", round(p50 / floor.p50()));
        row(what + ", N=" + n + " (10 workers)",
            String.format("%.0f folders/s; handling p50 %.1f ms, p99 %.1f ms", watcherRate, p50, p99),
            String.format("floor %.0f folders/s; p50 %.1f ms, p99 %.1f ms", floor.rate(), floor.p50(), floor.p99()),
            String.format("%.2fx time, %.2fx p50 (goal <= 1.3x)", floor.rate() / watcherRate, p50 / floor.p50()));
        row("  queued -> done, N=" + n + (inPlace == null ? " queued before start" : " queued once the watcher was ready"),
            String.format("p50 %.0f ms, p99 %.0f ms", percentile(lag, 0.5), percentile(lag, 0.99)), "(backlog drain, includes waiting in the queue)", "");
        row("  CPU per folder, N=" + n + " (whole process: servers, clients, watcher)",
            String.format("%.2f ms", drain.cpuMsPerFolder()), String.format("floor %.2f ms", floor.cpuMsPerFolder()),
            String.format("%.2fx", drain.cpuMsPerFolder() / floor.cpuMsPerFolder()));
        row("  ReceiveMessage calls, N=" + n, String.format("%d (%.1f messages each)", received.count(), received.mean()),
            String.format("floor %d", floor.receives()), "");
      }
    }
  }

  /**
   * The floor: the calls a folder cannot avoid, batched as well as the SDK allows, with the same
   * clients on {@code threads} threads. Each thread takes up to ten messages with one
   * ReceiveMessage, makes the four per-folder calls for each (GET manifest, LIST folder, CREATE
   * Workflow, PUT status) and deletes the ten with one DeleteMessageBatch: per folder, a tenth of a
   * receive and of a delete, and the four calls. The folders' notifications are queued before it
   * starts, as for the watcher. Latency is the four calls' time per folder (the watcher's handling
   * time likewise runs from receipt to the acknowledgement being queued).
   */
  private Floor floor(PipelineFixture world, List<String> folders, int threads) throws Exception {
    // The Workflow each folder needs, rendered as the watcher renders it (same labels, annotations,
    // parameters: the API server's cost depends on them), before the clock starts.
    ObjectMapper json = new ObjectMapper();
    org.odmwatcher.manifest.OptionCatalogue catalogue = org.odmwatcher.manifest.OptionCatalogue.load(json);
    org.odmwatcher.workflow.WorkflowRenderer renderer = new org.odmwatcher.workflow.WorkflowRenderer(
        new org.odmwatcher.config.ArgoConfig("floor", "odm-process", null, true, Duration.ofMinutes(5)),
        new org.odmwatcher.config.S3Config(world.servers.s3Endpoint(), "us-east-1", true, null, null, "auto"),
        new org.odmwatcher.workflow.OdmArguments(catalogue));
    org.odmwatcher.manifest.OdmManifest manifest =
        new org.odmwatcher.manifest.ManifestParser(json, new org.odmwatcher.manifest.ManifestValidator(catalogue))
            .parse("{}".getBytes(StandardCharsets.UTF_8)).manifest();
    List<GenericKubernetesResource> workflows = new ArrayList<>();
    for (String folder : folders) {
      String eTag = "\"" + Integer.toHexString(folder.hashCode()) + "\"";
      workflows.add(renderer.render(new org.odmwatcher.workflow.JobSpec(world.bucket, folder,
          org.odmwatcher.workflow.JobId.derive(world.bucket, folder, eTag), eTag, manifest,
          List.of(folder + "DJI_0001.JPG"), folder + "results/", 2)));
    }
    byte[] status = "{\"schemaVersion\":1,\"state\":\"submitted\"}".getBytes(StandardCharsets.UTF_8);
    Map<String, Integer> folderOfBody = new HashMap<>();
    for (int i = 0; i < folders.size(); i++) {
      folderOfBody.put(Notifications.objectCreated(world.bucket, folders.get(i) + "odm.json", 2, "e"), i);
    }
    // Its status.json goes to a bucket of its own, same keys: the watcher's folders stay as they were
    // (S3Proxy's listings cost more with every key in the bucket).
    String statusBucket = world.bucket + "-floor";
    try {
      world.s3.createBucket(b -> b.bucket(statusBucket));
    } catch (software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException again) {
      // the scale part's worlds share one bucket (its 100,000 folders), so a second round finds it made
    }
    sendAll(world, folders);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    KubernetesClient kubernetes = Clients.kubernetes(world.servers); // the current (fresh) API server
    List<Double> millis = java.util.Collections.synchronizedList(new ArrayList<>());
    java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger receives = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicLong finished = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicLong finishedCpu = new java.util.concurrent.atomic.AtomicLong();
    long cpu0 = processCpuNanos();
    long t0 = System.nanoTime();
    try {
      List<Future<Object>> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        workers.add(pool.submit(() -> {
          while (done.get() < folders.size()) {
            receives.incrementAndGet();
            List<software.amazon.awssdk.services.sqs.model.Message> messages = world.sqs.receiveMessage(b -> b.queueUrl(world.queueUrl)
                .maxNumberOfMessages(10).waitTimeSeconds(1).visibilityTimeout(300)).messages();
            List<software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry> acks = new ArrayList<>();
            for (software.amazon.awssdk.services.sqs.model.Message message : messages) {
              int i = folderOfBody.get(message.body());
              String folder = folders.get(i);
              long s = System.nanoTime();
              world.s3.getObjectAsBytes(b -> b.bucket(world.bucket).key(folder + "odm.json"));
              world.s3.listObjectsV2(b -> b.bucket(world.bucket).prefix(folder).delimiter("/"));
              kubernetes.genericKubernetesResources(ArgoWorkflowSubmitter.WORKFLOWS).inNamespace("floor").resource(workflows.get(i)).create();
              world.s3.putObject(b -> b.bucket(statusBucket).key(folder + "status.json"), RequestBody.fromBytes(status));
              millis.add((System.nanoTime() - s) / 1e6);
              acks.add(software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry.builder()
                  .id(Integer.toString(acks.size())).receiptHandle(message.receiptHandle()).build());
            }
            if (!acks.isEmpty()) {
              world.sqs.deleteMessageBatch(b -> b.queueUrl(world.queueUrl).entries(acks));
              if (done.addAndGet(acks.size()) >= folders.size()) {
                finished.set(System.nanoTime()); // not counting the other threads' last empty polls
                finishedCpu.set(processCpuNanos());
              }
            }
          }
          return null;
        }));
      }
      for (Future<Object> f : workers) {
        f.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
      }
    } finally {
      pool.shutdownNow();
      kubernetes.close();
    }
    double seconds = (finished.get() - t0) / 1e9;
    return new Floor(folders.size() / seconds, quantile(millis, 0.5), quantile(millis, 0.99), receives.get(),
        (finishedCpu.get() - cpu0) / 1e6 / folders.size());
  }

  /** Watcher properties added for a per-folder run in place, and when its watcher is ready for the folders. */
  record InPlace(Map<String, String> properties, java.util.function.Predicate<ApplicationContext> ready) {}

  /** Folders per second, latency of the four calls, ReceiveMessage calls, process CPU ms per folder. */
  record Floor(double rate, double p50, double p99, int receives, double cpuMsPerFolder) {}

  // 3 and 4. Event arrival -> Workflow created (long polling, idle queue); phase change -> status.json
  private void eventAndPhaseLatency() throws Exception {
    RealServers.get().resetKubernetes(); // before the fixture, whose client must see the new server
    try (PipelineFixture world = new PipelineFixture("bench-latency", nextNamespace())) {
      List<String> folders = populate(world, "event", size.eventSamples());
      try (ApplicationContext app = ApplicationContext.run(watcherProperties(world, 10))) {
        MeterRegistry metrics = app.getBean(MeterRegistry.class);
        awaitPolling(app);
        List<Double> event = new ArrayList<>();
        for (int i = 0; i < folders.size(); i++) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20 + (i * 7) % 30)); // let the poll idle
          long before = count(metrics);
          long t0 = System.nanoTime();
          world.send(Notifications.objectCreated(world.bucket, folders.get(i) + "odm.json", 2, "e"));
          int target = (int) before + 1;
          awaitTrue(() -> count(metrics) >= target);
          event.add((System.nanoTime() - t0) / 1e6);
        }
        figures.put("event.p50ms", round(quantile(event, 0.5)));
        figures.put("event.p99ms", round(quantile(event, 0.99)));
        row("event arrival -> Workflow + status (long poll)",
            String.format("p50 %.0f ms, p99 %.0f ms", quantile(event, 0.5), quantile(event, 0.99)), "goal p99 < 1 s", "");

        // The test Argo runs the Workflows one at a time (namespace parallelism 1) and keeps each
        // one's first pod running: the time measured is from the controller's write of phase
        // Running to status.json saying running. Each measured Workflow is then terminated, which
        // admits the next.
        List<Double> phase = new ArrayList<>();
        Map<String, Long> runningWritten = new java.util.concurrent.ConcurrentHashMap<>();
        try (TestArgo argo = world.startArgo(1)) {
          argo.hold(null, "workspace");
          argo.onStatusWritten((workflow, wfPhase, nanos) -> {
            if ("Running".equals(wfPhase)) {
              runningWritten.putIfAbsent(workflow, nanos);
            }
          });
          java.util.Set<String> measured = new java.util.HashSet<>();
          for (int i = 0; i < Math.min(size.phaseSamples(), folders.size()); i++) {
            // Whichever Workflow the controller admitted next.
            awaitTrue(() -> runningWritten.keySet().stream().anyMatch(n -> !measured.contains(n)));
            String name = runningWritten.keySet().stream().filter(n -> !measured.contains(n)).findFirst().orElseThrow();
            measured.add(name);
            String folder = argo.workflow(name).getMetadata().getAnnotations().get(org.odmwatcher.workflow.WorkflowLabels.PREFIX);
            awaitTrue(() -> world.status(folder).map(s -> s.path("state").asText().equals("running")).orElse(false));
            phase.add((System.nanoTime() - runningWritten.get(name)) / 1e6);
            world.kubernetes.genericKubernetesResources(org.odmwatcher.workflow.ArgoWorkflowSubmitter.WORKFLOWS)
                .inNamespace(world.namespace).withName(name)
                .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                    "{\"spec\":{\"shutdown\":\"Terminate\"}}");
          }
        }
        figures.put("phase.p50ms", round(quantile(phase, 0.5)));
        figures.put("phase.p99ms", round(quantile(phase, 0.99)));
        row("phase change -> status.json",
            String.format("p50 %.0f ms, p99 %.0f ms", quantile(phase, 0.5), quantile(phase, 0.99)), "goal < 5 s (ScaleODM polls every 30 s)", "");
      }
    }
  }

  /**
   * ODM's progress datagram -> status.json: one job runs in the test Argo with the stand-in ODM held
   * in its opensfm stage; the bench, as ODM, sends {@code PGUP/<pid>/<job id>/<percent>} to
   * 127.0.0.1:6367 (opendm/progress.py) and times how long until status.json shows the percentage
   * it maps to. The path: the template's process program (UDP -> progress file), the executor's
   * read and patch ticks (test Argo: 50 ms and 200 ms; Argo's own patch tick is 1 min by default,
   * ARGO_PROGRESS_PATCH_TICK_DURATION), the controller's round (100 ms), the watcher's informer and
   * status write. Samples are spaced wider than the watcher's progress interval (1 s here), so the
   * pacing does not delay them; when ODM reports faster, it adds up to one interval.
   */
  private void progressLatency() throws Exception {
    RealServers.get().resetKubernetes();
    try (PipelineFixture world = new PipelineFixture("bench-progress", nextNamespace())) {
      String folder = "progress/";
      world.uploadImages(folder, 2);
      world.putManifest(folder, "{}");
      Map<String, Object> properties = watcherProperties(world, 2);
      properties.put("watcher.argo.progress-interval", "1s");
      int samples = "smoke".equals(size.name()) ? 5 : 30;
      List<Double> latency = new ArrayList<>();
      try (ApplicationContext app = ApplicationContext.run(properties);
          TestArgo argo = world.startArgo();
          java.net.DatagramSocket odm = new java.net.DatagramSocket()) {
        awaitPolling(app);
        argo.pauseOdm(folder);
        world.notifyCreated(folder + "odm.json");
        awaitTrue(() -> world.status(folder).map(st -> "opensfm".equals(st.path("stage").asText())).orElse(false));
        String jobId = world.status(folder).orElseThrow().path("jobId").asText();
        int previous = world.status(folder).orElseThrow().path("progress").asInt();
        for (int i = 0, odmPercent = 6; latency.size() < samples && odmPercent < 99; i++, odmPercent += 3) {
          int expected = org.odmwatcher.workflow.OdmStages.ofOdmPercent(odmPercent).orElseThrow().percent();
          if (expected <= previous) {
            continue;
          }
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1500)); // past the progress interval
          byte[] datagram = ("PGUP/4242/" + jobId + "/" + odmPercent + ".0").getBytes(java.nio.charset.StandardCharsets.UTF_8);
          long t0 = System.nanoTime();
          odm.send(new java.net.DatagramPacket(datagram, datagram.length, java.net.InetAddress.getLoopbackAddress(), 6367));
          awaitTrue(() -> world.status(folder).map(st -> st.path("progress").asInt() >= expected).orElse(false));
          latency.add((System.nanoTime() - t0) / 1e6);
          previous = expected;
        }
        argo.resumeOdm(folder);
      }
      figures.put("progress.p50ms", round(quantile(latency, 0.5)));
      figures.put("progress.p99ms", round(quantile(latency, 0.99)));
      row("ODM progress datagram -> status.json",
          String.format("p50 %.0f ms, p99 %.0f ms (%d samples)", quantile(latency, 0.5), quantile(latency, 0.99), latency.size()),
          "test Argo ticks; a cluster adds Argo's patch tick (1 min default)", "");
    }
  }

  // 5. Start-up to first poll, and idle RSS, of a separate watcher JVM, two ways:
  //    - plain: the fat jar on this JVM, default flags, as is and with a class-data-sharing archive
  //      made by a training start;
  //    - the image's way: the Jib tar's layers unpacked into a temporary root and its entrypoint and
  //      environment run as the image runs them (same class path layout, same flags, the image's own
  //      Java runtime from the layers, /app/jre, with the class-data archive its build made). A new
  //      pod is exactly that: nothing of the image's differs between pods. The same launch without
  //      the archive is the before; each of the image's options left out in turn says what it earns.
  private void startup() throws Exception {
    try (PipelineFixture world = new PipelineFixture("bench-startup", nextNamespace())) {
      Path archive = Path.of("target", "bench-cds.jsa").toAbsolutePath();
      Files.deleteIfExists(archive);
      if (Boolean.getBoolean("bench.startup.imageOnly")) { // -Dbench.startup.imageOnly=true: only the image's way
        startupFromImage(world);
        return;
      }
      Launch plain = launch(world, javaCommand(), watcherClasspath(), jvmFlags(), Map.of(), null);
      launch(world, javaCommand(), watcherClasspath(), plus(jvmFlags(), "-XX:ArchiveClassesAtExit=" + archive), Map.of(), null); // training
      Launch cds = Files.exists(archive)
          ? launch(world, javaCommand(), watcherClasspath(), plus(jvmFlags(), "-XX:SharedArchiveFile=" + archive), Map.of(), null)
          : new Launch(-1, -1);
      figures.put("startup.toFirstPollMs", round(plain.startMs()));
      figures.put("startup.idleRssMb", round(plain.rssMb()));
      figures.put("startup.cds.toFirstPollMs", round(cds.startMs()));
      figures.put("startup.cds.idleRssMb", round(cds.rssMb()));
      row("start-up: JVM start -> first poll, plain", String.format("%.0f ms; with AppCDS %.0f ms", plain.startMs(), cds.startMs()),
          "goal <= 1.0 s", launched() + ", Java " + Runtime.version().feature() + ", default flags " + String.join(" ", jvmFlags()));
      row("idle RSS after start-up, plain", String.format("%.0f MB (anonymous %.0f); with AppCDS %.0f MB (anonymous %.0f)",
          plain.rssMb(), plain.anonMb(), cds.rssMb(), cds.anonMb()), "goal <= 150 MB", "");
      startupFromImage(world);
    }
  }

  private void startupFromImage(PipelineFixture world) throws Exception {
    // -Dbench.image.tar=PATH measures another build's image (e.g. main's, for a before/after)
    Path tar = Path.of(System.getProperty("bench.image.tar", "target/jib-image.tar"));
    if (!Files.exists(tar)) {
      row("start-up from the image", "not measured: target/jib-image.tar missing (run package first)", "", "");
      return;
    }
    ImageLaunch image = ImageLaunch.unpack(tar, Path.of("target", "bench-image"));
    Path imageJava = image.java();
    if (!Files.isExecutable(imageJava)) {
      row("start-up from the image", "not measured: the image carries no runtime at " + imageJava, "", "");
      return;
    }
    // In a pod the JVM sizes its heap from the container's memory limit (cgroups), not the
    // machine's: the Deployment's limit (manifests/base/watcher-deployment.yaml, 768Mi).
    String memory = System.getProperty("bench.image.memory", "768m");
    List<String> java = List.of(imageJava.toString(), "-XX:MaxRAM=" + memory);
    List<String> options = new ArrayList<>(image.options());
    // -Dbench.startup.extra="-Xlog:... -XX:StartFlightRecording=..." adds options to every launch (profiling)
    String extra = System.getProperty("bench.startup.extra", "");
    if (!extra.isBlank()) {
      options.addAll(List.of(extra.trim().split("\\s+")));
    }
    List<String> withoutArchive = options.stream().filter(o -> !ImageLaunch.isArchiveOption(o)).toList();
    int repeats = Integer.getInteger("bench.startup.repeats", "smoke".equals(size.name()) ? 1 : 3);
    // alternated, so that the machine's weather falls on both alike
    List<Launch> pods = new ArrayList<>();
    List<Launch> unarchived = new ArrayList<>();
    for (int i = 0; i < repeats; i++) {
      pods.add(launch(world, java, List.of(), image.jvmArgs(), image.withOptions(options), image.workingDirectory()));
      unarchived.add(launch(world, java, List.of(), image.jvmArgs(), image.withOptions(withoutArchive), image.workingDirectory()));
    }
    Launch pod = Launch.median(pods);
    Launch before = Launch.median(unarchived);
    String jvm = javaVersion(imageJava);
    figures.put("startup.image.java", jvm);
    figures.put("startup.image.archiveBytes", image.archiveBytes());
    figures.put("startup.image.newPod.toFirstPollMs", round(pod.startMs()));
    figures.put("startup.image.newPod.idleRssMb", round(pod.rssMb()));
    figures.put("startup.image.newPod.idleAnonMb", round(pod.anonMb()));
    figures.put("startup.image.noArchive.toFirstPollMs", round(before.startMs()));
    figures.put("startup.image.noArchive.idleRssMb", round(before.rssMb()));
    figures.put("startup.image.noArchive.idleAnonMb", round(before.anonMb()));
    row("start-up: JVM start -> first poll, the image's way", String.format(
            "new pod %.0f ms; without the image's archive %.0f ms", pod.startMs(), before.startMs()),
        "goal <= 1.0 s", String.format("%.2fx; Java %s (the image's own runtime), memory limit %s, median of %d",
            pod.startMs() / before.startMs(), jvm, memory, repeats));
    row("idle RSS after start-up, the image's way", String.format("new pod %.0f MB (anonymous %.0f); without the archive %.0f MB (anonymous %.0f)",
        pod.rssMb(), pod.anonMb(), before.rssMb(), before.anonMb()), "goal <= 150 MB", String.format("archive %,d bytes", image.archiveBytes()));
    // -Dbench.image.compare=PATH[,PATH...]: other builds' images (e.g. the same code's image on
    // another JDK: -Dimage.jdk=...), new pods of each in the same rounds as this one's
    String compare = System.getProperty("bench.image.compare", "");
    if (!compare.isBlank()) {
      imagesSideBySide(world, memory, repeats, image, compare);
    }
    // -Dbench.startup.sweep=false: without the options in turn
    if (!"smoke".equals(size.name()) && !"false".equals(System.getProperty("bench.startup.sweep"))) {
      imageOptionsInTurn(world, java, image, repeats);
    }
  }

  /**
   * Which JVM options make a new pod start slower or faster, and its idle RSS larger or smaller:
   * the image's set, then each option left out in turn, no option at all, and the set plus each of
   * {@link #CANDIDATE_OPTIONS} ({@code -Dbench.startup.candidates="-XX:A -XX:B"} to try others), each
   * the median of {@code repeats} launches, all in this run, so each is a ratio against the image's
   * own set measured beside it.
   */
  private void imageOptionsInTurn(PipelineFixture world, List<String> java, ImageLaunch image, int repeats) throws Exception {
    List<String> options = image.options();
    Map<String, List<String>> variants = new LinkedHashMap<>();
    variants.put("the image's", options);
    for (String option : options) {
      if (isHeapFreeRatio(option)) {
        // a pair: without one, the JVM refuses the other against its default (Min 40 > Max 30)
        variants.put("without the heap free ratios", options.stream().filter(o -> !isHeapFreeRatio(o)).toList());
      } else {
        variants.put("without " + shortName(option), options.stream().filter(o -> !o.equals(option)).toList());
      }
    }
    variants.put("no options", List.of());
    String candidates = System.getProperty("bench.startup.candidates", "");
    for (String candidate : candidates.isBlank() ? CANDIDATE_OPTIONS : List.of(candidates.trim().split("\\s+"))) {
      variants.put("plus " + candidate, plus(options, candidate));
    }
    Map<String, List<Launch>> launches = new LinkedHashMap<>();
    for (int i = 0; i < repeats; i++) { // rounds over all variants, so that a slow spell hits each alike
      for (Map.Entry<String, List<String>> variant : variants.entrySet()) {
        launches.computeIfAbsent(variant.getKey(), k -> new ArrayList<>())
            .add(launch(world, java, List.of(), image.jvmArgs(), image.withOptions(variant.getValue()), image.workingDirectory()));
      }
    }
    Launch base = Launch.median(launches.get("the image's"));
    StringBuilder figuresText = new StringBuilder();
    launches.forEach((name, runs) -> {
      Launch m = Launch.median(runs);
      String key = "startup.image.newPod.options." + name.replaceAll("[^A-Za-z0-9]+", "_");
      figures.put(key + ".toFirstPollMs", round(m.startMs()));
      figures.put(key + ".idleRssMb", round(m.rssMb()));
      figuresText.append(figuresText.length() == 0 ? "" : "; ")
          .append(String.format("%s %.0f ms (%.2fx), %.0f MB", name, m.startMs(), m.startMs() / base.startMs(), m.rssMb()));
    });
    row("start-up of a new pod, the image's options in turn", figuresText.toString(),
        "which options to keep", "median of " + repeats + " new pods each, JDK_JAVA_OPTIONS varied, same run");
  }

  /**
   * New pods of several images of the same code, built differently (another JDK's runtime and
   * archive, other image options), each started as its image starts it, in rounds over all images
   * (a slow spell of the shared machine hits each alike), each figure the median of {@code repeats}
   * launches and a ratio against the first image, this build's.
   */
  private void imagesSideBySide(PipelineFixture world, String memory, int repeats, ImageLaunch own, String others) throws Exception {
    Map<String, ImageLaunch> images = new LinkedHashMap<>();
    images.put(describe(own), own);
    int n = 0;
    for (String tar : others.split(",")) {
      ImageLaunch other = ImageLaunch.unpack(Path.of(tar.trim()), Path.of("target", "bench-image-" + ++n));
      if (other == null || !Files.isExecutable(other.java())) {
        throw new IllegalArgumentException("-Dbench.image.compare: " + tar + " is no image with its own runtime");
      }
      images.put(describe(other) + " (" + Path.of(tar.trim()).getFileName() + ")", other);
    }
    Map<String, List<Launch>> launches = new LinkedHashMap<>();
    for (int i = 0; i < repeats; i++) {
      for (Map.Entry<String, ImageLaunch> image : images.entrySet()) {
        ImageLaunch launch = image.getValue();
        launches.computeIfAbsent(image.getKey(), k -> new ArrayList<>()).add(launch(world,
            List.of(launch.java().toString(), "-XX:MaxRAM=" + memory), List.of(), launch.jvmArgs(),
            launch.withOptions(launch.options()), launch.workingDirectory()));
      }
    }
    Launch first = Launch.median(launches.values().iterator().next());
    StringBuilder text = new StringBuilder();
    int i = 0;
    for (Map.Entry<String, List<Launch>> image : launches.entrySet()) {
      Launch m = Launch.median(image.getValue());
      String key = "startup.image.compare." + i++;
      figures.put(key + ".image", image.getKey());
      figures.put(key + ".toFirstPollMs", round(m.startMs()));
      figures.put(key + ".idleRssMb", round(m.rssMb()));
      figures.put(key + ".idleAnonMb", round(m.anonMb()));
      text.append(text.length() == 0 ? "" : "; ").append(String.format("%s: %.0f ms (%.2fx), %.0f MB (anonymous %.0f)",
          image.getKey(), m.startMs(), m.startMs() / first.startMs(), m.rssMb(), m.anonMb()));
    }
    row("start-up of a new pod, image against image", text.toString(), "goal <= 1.0 s, <= 150 MB",
        "median of " + repeats + " new pods each, images alternated, same run, memory limit " + memory);
  }

  /** An image's Java version, archive kind and size, and the options beyond the archive's. */
  private static String describe(ImageLaunch image) throws IOException {
    String kind = image.options().stream().anyMatch(o -> o.startsWith("-XX:AOTCache=")) ? "AOT cache"
        : image.options().stream().anyMatch(o -> o.startsWith("-XX:SharedArchiveFile=")) ? "CDS archive" : "no archive";
    List<String> extra = image.options().stream()
        .filter(o -> !ImageLaunch.isArchiveOption(o) && (o.contains("CompactObjectHeaders") || o.startsWith("--"))).toList();
    return String.format("Java %s + %s %.0f MB%s", javaVersion(image.java()), kind, image.archiveBytes() / 1e6,
        extra.isEmpty() ? "" : " " + String.join(" ", extra));
  }

  /** JVM options tried on top of the image's set (start-up and idle RSS), kept out unless they win. */
  static final List<String> CANDIDATE_OPTIONS = List.of(
      "-XX:ReservedCodeCacheSize=32m", "-XX:-UsePerfData", "-XX:InitialRAMPercentage=10", "-XX:CICompilerCount=1", "-Xss256k");

  private static boolean isHeapFreeRatio(String option) {
    return option.startsWith("-XX:MinHeapFreeRatio=") || option.startsWith("-XX:MaxHeapFreeRatio=");
  }

  private static String shortName(String option) {
    int at = option.indexOf("=/");
    return at > 0 ? option.substring(0, at) : option;
  }

  private static List<String> plus(List<String> flags, String flag) {
    List<String> all = new ArrayList<>(flags);
    all.add(flag);
    return all;
  }

  private static List<String> javaCommand() {
    return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  private static String javaVersion(Path java) throws IOException {
    Path release = java.getParent().getParent().resolve("release");
    if (Files.exists(release)) {
      for (String line : Files.readAllLines(release)) {
        if (line.startsWith("JAVA_RUNTIME_VERSION=")) {
          return line.substring(line.indexOf('=') + 1).replace("\"", "");
        }
      }
      for (String line : Files.readAllLines(release)) { // a jlink runtime's release file has only this
        if (line.startsWith("JAVA_VERSION=")) {
          return line.substring(line.indexOf('=') + 1).replace("\"", "");
        }
      }
    }
    return "?";
  }

  /**
   * The image's entrypoint and environment, with its absolute paths (the class path argument file,
   * a class-data archive) moved under the root its layers were unpacked into.
   */
  record ImageLaunch(List<String> jvmArgs, Map<String, String> environment, Path workingDirectory, Path root) {
    /** The image's {@code java}: the first on its PATH, in the unpacked root. */
    Path java() {
      for (String dir : environment.getOrDefault("PATH", "").split(":")) {
        Path java = root.resolve(dir.replaceFirst("^/", "")).resolve("java");
        if (!dir.isBlank() && Files.isExecutable(java)) {
          return java;
        }
      }
      return root.resolve("app/jre/bin/java");
    }

    /** The image's JVM options (JDK_JAVA_OPTIONS), paths under root. */
    List<String> options() {
      String options = environment.getOrDefault("JDK_JAVA_OPTIONS", "").trim();
      return options.isEmpty() ? List.of() : List.of(options.split("\\s+"));
    }

    /** The image's environment with these JVM options instead of its own. */
    Map<String, String> withOptions(List<String> options) {
      Map<String, String> env = new LinkedHashMap<>(environment);
      env.put("JDK_JAVA_OPTIONS", String.join(" ", options));
      return env;
    }

    /** The option naming the image's class-data archive (JDK 17) or ahead-of-time cache (JDK 25). */
    static boolean isArchiveOption(String option) {
      return option.startsWith("-XX:SharedArchiveFile=") || option.startsWith("-XX:AOTCache=");
    }

    long archiveBytes() throws IOException {
      for (String option : options()) {
        if (isArchiveOption(option)) {
          Path archive = Path.of(option.substring(option.indexOf('=') + 1));
          return Files.exists(archive) ? Files.size(archive) : 0;
        }
      }
      return 0;
    }


    static ImageLaunch unpack(Path tar, Path into) throws Exception {
      if (!Files.exists(tar)) {
        return null;
      }
      into = into.toAbsolutePath();
      deleteRecursively(into);
      Path blobs = Files.createDirectories(into.resolve("blobs"));
      Path root = Files.createDirectories(into.resolve("root"));
      run("tar", "-xf", tar.toAbsolutePath().toString(), "-C", blobs.toString());
      com.fasterxml.jackson.databind.JsonNode manifest = new ObjectMapper().readTree(blobs.resolve("manifest.json").toFile()).get(0);
      for (com.fasterxml.jackson.databind.JsonNode layer : manifest.path("Layers")) {
        // keeps the layers' file times (Jib's fixed 1970-01-01T00:00:01Z), which a class-data archive checks
        run("tar", "-xzf", blobs.resolve(layer.asText()).toString(), "-C", root.toString());
      }
      com.fasterxml.jackson.databind.JsonNode config =
          new ObjectMapper().readTree(blobs.resolve(manifest.path("Config").asText()).toFile()).path("config");
      Files.createDirectories(root.resolve("tmp")); // the writable volume the Deployment mounts
      List<String> args = new ArrayList<>();
      List<String> entrypoint = new ArrayList<>();
      config.path("Entrypoint").forEach(a -> entrypoint.add(a.asText()));
      for (String a : entrypoint.subList(1, entrypoint.size())) { // [0] is "java"
        args.add(inRoot(a, root, into));
      }
      Map<String, String> env = new LinkedHashMap<>();
      for (com.fasterxml.jackson.databind.JsonNode e : config.path("Env")) {
        String text = e.asText();
        String name = text.substring(0, text.indexOf('='));
        String value = text.substring(text.indexOf('=') + 1);
        if (name.equals("JDK_JAVA_OPTIONS")) {
          List<String> options = new ArrayList<>();
          for (String option : value.trim().split("\\s+")) {
            options.add(inRoot(option, root, into));
          }
          value = String.join(" ", options);
        }
        if (!name.equals("JAVA_HOME")) {
          env.put(name, value); // PATH too: where the image's java is (java()); the launch names it by path
        }
      }
      return new ImageLaunch(args, env, root.resolve(config.path("WorkingDir").asText("/").substring(1)), root);
    }

    /** An {@code @argfile} or {@code -X...=/path} of the image, under root. */
    private static String inRoot(String part, Path root, Path scratch) throws IOException {
      if (part.startsWith("@/")) {
        String mapped = Arrays.stream(Files.readString(root.resolve(part.substring(2))).strip().split(":"))
            .map(p -> root.resolve(p.substring(1)).toString())
            .collect(java.util.stream.Collectors.joining(":"));
        Path argFile = scratch.resolve("classpath.txt");
        Files.writeString(argFile, mapped);
        return "@" + argFile.toAbsolutePath();
      }
      int at = part.indexOf("=/");
      if (part.startsWith("-") && at > 0) {
        return part.substring(0, at + 1) + root.toAbsolutePath().resolve(part.substring(at + 2));
      }
      return part;
    }

    private static void run(String... command) throws Exception {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (p.waitFor() != 0) {
        throw new IllegalStateException("failed: " + String.join(" ", command));
      }
    }

    private static void deleteRecursively(Path dir) throws IOException {
      if (Files.exists(dir)) {
        try (var paths = Files.walk(dir)) {
          for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
            Files.delete(path);
          }
        }
      }
    }
  }

  /** Start-up time, VmRSS and its anonymous part (RssAnon: not the mapped jars and archive). */
  record Launch(double startMs, double rssMb, double anonMb) {
    Launch(double startMs, double rssMb) {
      this(startMs, rssMb, -1);
    }

    /** Each figure's median over the launches. */
    static Launch median(List<Launch> launches) {
      return new Launch(
          quantile(launches.stream().map(Launch::startMs).toList(), 0.5),
          quantile(launches.stream().map(Launch::rssMb).toList(), 0.5),
          quantile(launches.stream().map(Launch::anonMb).toList(), 0.5));
    }
  }

  private static final java.util.concurrent.atomic.AtomicInteger LAUNCHES = new java.util.concurrent.atomic.AtomicInteger();

  /** The fat jar when it is built (as in production), else the test class path. */
  private static List<String> watcherClasspath() {
    Path jar = Path.of("target", "odm-watcher.jar");
    return Files.exists(jar)
        ? List.of("-cp", jar.toAbsolutePath().toString())
        : List.of("-cp", System.getProperty("java.class.path"));
  }

  private static String launched() {
    return Files.exists(Path.of("target", "odm-watcher.jar")) ? "fat jar" : "test class path";
  }

  /**
   * Starts a watcher JVM: {@code java}, then {@code classpath} and {@code flags} (for the image, its
   * entrypoint's arguments, main class last), the bench's settings as -D properties before the main
   * class, {@code environment} added to this process's.
   */
  private Launch launch(PipelineFixture world, List<String> java, List<String> classpath, List<String> flags,
      Map<String, String> environment, Path workingDirectory) throws Exception {
    List<String> command = new ArrayList<>(java);
    command.addAll(classpath);
    command.addAll(flags);
    String mainClass = "org.odmwatcher.Application";
    command.remove(mainClass);
    watcherProperties(world, 10).forEach((k, v) -> command.add("-D" + k + "=" + v));
    command.add("-Dmicronaut.server.port=-1");
    command.add(mainClass);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(environment);
    if (workingDirectory != null) {
      builder.directory(workingDirectory.toFile());
    }
    long t0 = System.nanoTime();
    Process process = builder.start();
    try {
      double startMs = -1;
      BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      long deadline = System.nanoTime() + PATIENCE.toNanos();
      String line;
      java.util.Deque<String> last = new java.util.ArrayDeque<>();
      while (System.nanoTime() < deadline && (line = out.readLine()) != null) {
        if (line.contains("polling " + world.queueUrl)) {
          startMs = (System.nanoTime() - t0) / 1e6;
          break;
        }
        last.addLast(line);
        if (last.size() > (System.getProperty("bench.startup.logs", "").isBlank() ? 20 : 100_000)) {
          last.removeFirst();
        }
      }
      if (startMs < 0) {
        throw new IllegalStateException("the watcher did not start polling: " + String.join(" ", command) + "\n" + String.join("\n", last));
      }
      // keep draining its output so it never blocks on a full pipe; ends when the process does.
      // -Dbench.startup.logs=DIR keeps each launch's whole output (what a profile reads), with the
      // launch's command and its time to the first poll on top.
      String logs = System.getProperty("bench.startup.logs", "");
      java.io.Writer keep = logs.isBlank() ? null : Files.newBufferedWriter(
          Files.createDirectories(Path.of(logs)).resolve("launch-" + LAUNCHES.incrementAndGet() + ".log"));
      if (keep != null) {
        keep.write(String.join(" ", command) + "\n" + environment.getOrDefault("JDK_JAVA_OPTIONS", "")
            + "\nfirst poll after " + startMs + " ms\n" + String.join("\n", last) + "\n");
      }
      Thread drain = new Thread(() -> {
        try {
          String rest;
          while ((rest = out.readLine()) != null) {
            if (keep != null) {
              keep.write(rest + "\n");
            }
          }
        } catch (IOException ended) {
          // the process is gone
        } finally {
          if (keep != null) {
            try {
              keep.close();
            } catch (IOException ignored) {
              // best effort: a profiling aid
            }
          }
        }
      }, "drain");
      drain.setDaemon(true);
      drain.start();
      LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(5)); // idle after start-up
      return new Launch(startMs, rssKb(process.pid(), "VmRSS:") / 1024.0, rssKb(process.pid(), "RssAnon:") / 1024.0);
    } finally {
      process.destroy(); // SIGTERM: a clean exit, which is also when a training run writes its archive
      process.waitFor(3, TimeUnit.MINUTES); // writing an archive takes a while on a busy machine
    }
  }

  // 6. Scaling: workers, and the size of the bucket around the folders
  private void scaling() throws Exception {
    for (int workers : size.concurrencies()) {
      try (PipelineFixture world = new PipelineFixture("bench-scale", nextNamespace())) {
        double rate = pipelineRate(world, populate(world, "c", size.scalingFolders()), workers);
        figures.put("scaling.workers." + workers + ".foldersPerSecond", round(rate));
        row("scaling: " + workers + " workers", String.format("%.0f folders/s", rate), "N=" + size.scalingFolders(), "");
      }
    }
    for (int bucketFolders : size.bucketSizes()) {
      try (PipelineFixture world = new PipelineFixture("bench-bucket", nextNamespace())) {
        populateHandled(world, bucketFolders);
        double rate = pipelineRate(world, populate(world, "new", size.scalingFolders()), 10);
        figures.put("scaling.bucket." + bucketFolders + ".foldersPerSecond", round(rate));
        row("scaling: bucket of " + bucketFolders + " handled folders", String.format("%.0f folders/s", rate),
            "N=" + size.scalingFolders() + " new", "");
        // The sweep over the same bucket: a first round reads each folder's status once, later
        // rounds only list (the handled cache); both should grow linearly with the bucket.
        BucketStore store = new BucketStore(world.s3);
        BucketSweep sweep = new BucketSweep(store,
            new StatusWriter(store, new StatusCodec(), "status.json", "auto", java.time.Clock.systemUTC()),
            object -> ObjectCreatedHandler.Outcome.IGNORED, "odm.json", "status.json", "results/",
            List.of(world.bucket), List.of(""), 1_000_000);
        long t0 = System.nanoTime();
        sweep.sweep();
        double cold = (System.nanoTime() - t0) / 1e6;
        t0 = System.nanoTime();
        sweep.sweep();
        double warm = (System.nanoTime() - t0) / 1e6;
        t0 = System.nanoTime();
        int keys = store.listAll(world.bucket, "").size(); // the floor: the bare listing alone
        double list = (System.nanoTime() - t0) / 1e6;
        int total = bucketFolders + size.scalingFolders();
        figures.put("sweep." + bucketFolders + ".firstRoundMs", round(cold));
        figures.put("sweep." + bucketFolders + ".laterRoundMs", round(warm));
        figures.put("sweep." + bucketFolders + ".listFloorMs", round(list));
        row("sweep of a bucket with " + total + " folders (" + keys + " keys)",
            String.format("first round %.0f ms, later rounds %.0f ms (%.0f us/folder)", cold, warm, warm * 1000 / total),
            String.format("bare listing %.0f ms", list), String.format("%.2fx", warm / list));
      }
    }
  }

  private double pipelineRate(PipelineFixture world, List<String> folders, int workers) {
    world.servers.resetKubernetes();
    sendAll(world, folders);
    try (ApplicationContext app = ApplicationContext.run(watcherProperties(world, workers))) {
      return folders.size() / drainSeconds(app.getBean(MeterRegistry.class), folders.size());
    }
  }

  /**
   * Seconds the watcher takes to work through a queue of n messages, scaled from the first
   * acknowledgement to the last: (n-1) intervals, so start-up is not counted.
   */
  private static double drainSeconds(MeterRegistry metrics, int n) {
    return drain(metrics, n).seconds();
  }

  /** Wall seconds and process CPU ms per folder of a drain (CPU over the same n-1 intervals). */
  record Drain(double seconds, double cpuMsPerFolder) {}

  private static Drain drain(MeterRegistry metrics, int n) {
    awaitCount(metrics, 1);
    long first = System.nanoTime();
    long cpu0 = processCpuNanos();
    awaitCount(metrics, n);
    double seconds = (System.nanoTime() - first) / 1e9;
    double cpuMs = (processCpuNanos() - cpu0) / 1e6;
    return n > 1 ? new Drain(seconds * n / (n - 1), cpuMs / (n - 1)) : new Drain(seconds, cpuMs);
  }

  // ---- set-up ----

  private int namespaces;

  /**
   * A namespace per run: the Kubernetes mock scans every stored object on a list, so runs sharing a
   * namespace would make each new informer's initial list slower than a real API server's.
   */
  // 8. A failed job resumed in its kept workspace vs the same job run in full. The stand-in ODM
  //    takes ODM_STANDIN_SECONDS per whole run, each stage its share of ODM's progress scale
  //    (stages/odm_app.py): the resumed run works from odm_orthophoto (90 -> 100 %) only; the rest
  //    of both runs (workspace, download, seed, upload, status writes) is the watcher's and Argo's.
  private void resumeVersusFullRun() throws Exception {
    RealServers.get().resetKubernetes();
    double odmSeconds = "smoke".equals(size.name()) ? 2 : 20;
    try (PipelineFixture world = new PipelineFixture("bench-resume", nextNamespace())) {
      Map<String, Object> properties = watcherProperties(world, 2);
      properties.put("watcher.sqs.wait-time", "1s");
      properties.put("watcher.workspace.keep-failed", "72h");
      String manifest = "{\"options\": {\"dsm\": true}, \"outputs\": [\"orthophoto\", \"dsm\"]}";
      try (ApplicationContext app = ApplicationContext.run(properties); TestArgo argo = world.startArgo()) {
        awaitPolling(app);
        argo.odmTakes(odmSeconds);
        String full = "resume-full/";
        world.uploadImages(full, 3);
        world.putManifest(full, manifest);
        long t0 = System.nanoTime();
        world.notifyCreated(full + "odm.json");
        awaitTrue(() -> world.status(full).map(s -> "succeeded".equals(s.path("state").asText())).orElse(false));
        double fullSeconds = (System.nanoTime() - t0) / 1e9;

        String resumed = "resume-resumed/";
        world.uploadImages(resumed, 3);
        world.putManifest(resumed, manifest);
        argo.failOdmNext(resumed, 137, "odm_orthophoto");
        world.notifyCreated(resumed + "odm.json");
        awaitTrue(() -> world.status(resumed).map(s -> s.path("workspace").path("resumeWith").isTextual()).orElse(false));
        world.putManifest(resumed, world.status(resumed).orElseThrow().path("workspace").path("resumeWith").asText());
        long t1 = System.nanoTime();
        world.notifyCreated(resumed + "odm.json");
        awaitTrue(() -> world.status(resumed).map(s -> "succeeded".equals(s.path("state").asText())).orElse(false));
        double resumedSeconds = (System.nanoTime() - t1) / 1e9;
        figures.put("resume.odmSecondsPerFullRun", odmSeconds);
        figures.put("resume.fullRunSeconds", round(fullSeconds));
        figures.put("resume.resumedRunSeconds", round(resumedSeconds));
        figures.put("resume.ratio", round(resumedSeconds / fullSeconds));
        row("resumed from odm_orthophoto vs full run", String.format("%.1f s", resumedSeconds),
            String.format("%.1f s full (stand-in ODM %.0f s)", fullSeconds, odmSeconds),
            String.format("%.2f", resumedSeconds / fullSeconds));
      }
    }
  }

  private String nextNamespace() {
    return "bench-" + (++namespaces);
  }

  private static Map<String, Object> watcherProperties(PipelineFixture world, int workers) {
    Map<String, Object> p = new HashMap<>(world.properties());
    p.put("watcher.sqs.wait-time", "20s");
    p.put("watcher.sqs.concurrency", Integer.toString(workers));
    p.put("watcher.sqs.shutdown-grace", "1s");
    p.put("micronaut.server.port", "-1");
    return p;
  }

  /** n folders with one image and an empty manifest each. */
  private static List<String> populate(PipelineFixture world, String prefix, int n) throws Exception {
    List<String> folders = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      folders.add(prefix + "-" + i + "/");
    }
    parallel(folders, folder -> {
      world.s3.putObject(b -> b.bucket(world.bucket).key(folder + "DJI_0001.JPG"), RequestBody.fromBytes(new byte[] {1, 2}));
      world.s3.putObject(b -> b.bucket(world.bucket).key(folder + "odm.json"), RequestBody.fromString("{}"));
    });
    return folders;
  }

  /** Folders that are done already: odm.json, an image and a final status.json. */
  private static void populateHandled(PipelineFixture world, int n) throws Exception {
    List<String> folders = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      folders.add("old/site-" + (i / 100) + "/flight-" + i + "/");
    }
    parallel(folders, folder -> {
      world.s3.putObject(b -> b.bucket(world.bucket).key(folder + "odm.json"), RequestBody.fromString("{}"));
      world.s3.putObject(b -> b.bucket(world.bucket).key(folder + "status.json"), RequestBody.fromString("{\"state\":\"succeeded\"}"));
    });
  }

  private interface FolderAction {
    void apply(String folder) throws Exception;
  }

  private static void parallel(List<String> folders, FolderAction action) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Object>> futures = new ArrayList<>();
      for (String folder : folders) {
        futures.add(pool.submit(() -> {
          action.apply(folder);
          return null;
        }));
      }
      for (Future<Object> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
  }

  private static void sendAll(PipelineFixture world, List<String> folders) {
    for (int i = 0; i < folders.size(); i += 10) {
      List<SendMessageBatchRequestEntry> batch = new ArrayList<>();
      for (int j = i; j < Math.min(folders.size(), i + 10); j++) {
        batch.add(SendMessageBatchRequestEntry.builder().id("m" + j)
            .messageBody(Notifications.objectCreated(world.bucket, folders.get(j) + "odm.json", 2, "e")).build());
      }
      world.sqs.sendMessageBatch(b -> b.queueUrl(world.queueUrl).entries(batch));
    }
  }

  private static long count(MeterRegistry metrics) {
    Timer t = metrics.find("odm.watcher.sqs.lag").tag("result", "acknowledged").timer();
    return t == null ? 0 : t.count();
  }

  private static void awaitCount(MeterRegistry metrics, int n) {
    awaitTrue(() -> count(metrics) >= n);
  }

  private static void awaitPolling(ApplicationContext app) {
    awaitTrue(() -> app.isRunning());
  }

  /** Spins (1 ms parks) until the condition holds; bounded by PATIENCE. */
  private static void awaitTrue(BooleanSupplier condition) {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("benchmark step did not finish within " + PATIENCE);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
  }

  /** The watcher JVM's flags for the start-up figures ({@code -Dbench.jvm="..."} to try others). */
  private static List<String> jvmFlags() {
    String flags = System.getProperty("bench.jvm", "");
    return flags.isBlank() ? List.of() : List.of(flags.trim().split("\\s+"));
  }

  /** Marks a phase's boundaries on stdout, with the time, for lining up a profile (JFR) with it. */
  private static void phase(String what) {
    System.out.println("bench phase: " + what + " at " + Instant.now());
  }

  /** CPU time of this whole process (the watcher, the servers and the clients share it), in ns. */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static long rssKb(long pid, String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith(field)) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  private static double percentile(Timer timer, double p) {
    return Arrays.stream(timer.takeSnapshot().percentileValues())
        .filter(v -> v.percentile() == p)
        .findFirst()
        .map(v -> v.value(TimeUnit.MILLISECONDS))
        .orElse(Double.NaN);
  }

  private static double quantile(List<Double> values, double q) {
    List<Double> sorted = values.stream().sorted().toList();
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    int index = (int) Math.ceil(q * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }

  private static double round(double value) {
    return Math.round(value * 100.0) / 100.0;
  }

  private void row(String what, String measured, String baseline, String ratio) {
    table.add(new String[] {what, measured, baseline, ratio});
  }

  private void printTable(Map<String, Object> result) {
    System.out.printf("%nODM Watcher benchmark (%s run, %s, %s cores, Java %s, %s s)%n",
        result.get("size"), result.get("date"), result.get("cores"), result.get("java"), result.get("seconds"));
    System.out.println("| what | measured | floor / goal | ratio |");
    System.out.println("|---|---|---|---|");
    for (String[] r : table) {
      System.out.println("| " + String.join(" | ", r) + " |");
    }
  }
}
