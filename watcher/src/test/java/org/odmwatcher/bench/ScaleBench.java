package org.odmwatcher.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.odmwatcher.dashboard.JobRow;
import org.odmwatcher.event.ObjectCreatedHandler;
import org.odmwatcher.event.sweep.BucketSweep;
import org.odmwatcher.status.JobState;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.StatusCodec;
import org.odmwatcher.status.StatusIndex;
import org.odmwatcher.status.StatusWriter;
import org.odmwatcher.storage.BucketStore;
import org.odmwatcher.testing.Clients;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.Principal;
import org.odmwatcher.testing.RealServers;
import org.odmwatcher.testing.OrderedWalkListingStore;
import org.odmwatcher.workflow.ArgoWorkflowSubmitter;
import org.odmwatcher.workflow.WorkflowLabels;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The watcher with a big bucket and a busy cluster (issue 27): {@code folders} job folders (each
 * with {@code odm.json}, {@code status.json}, three tiny images, one in three with results) and
 * {@code workflows} labelled Workflows (nine in ten finished, with Argo's {@code completed} label,
 * the rest running; each with a rendered-size spec and node status), then a separate watcher
 * process (the image's JVM options, the Deployment's 768 MiB limit as {@code MaxRAM}) is started
 * and measured: start → a complete dashboard index, {@code /jobs} latency, idle RSS, live heap and
 * the informer's share of it (the live heap of a second process with the informer off, beside it);
 * then the overhead part's per-folder measurement for new folders in the same bucket and cluster
 * (watcher with the bucket's dashboard, folders queued once its index is complete), and sweep
 * rounds against bare listings of the bucket, alternated, medians compared.
 *
 * <p>The folders are written straight into the backing folder of an S3Proxy of its own with the
 * {@code filesystem} blob store (S3Proxy 4's {@code FilesystemNio2BlobStore}: one file per key
 * under {@code <basedir>/<bucket>/}, its MD5 in the extended attribute {@code user.content-md5},
 * as its own putBlob stores it), so filling 100,000 folders takes minutes instead of half a
 * million PUTs. The store's own listing walks the whole bucket for every page, so the store is
 * wrapped in {@link OrderedWalkListingStore}, whose pages cost their keys (as S3's do); every
 * request still goes through S3Proxy's HTTP server and every ETag is the store's MD5.
 */
final class ScaleBench {
  private static final String BUCKET = "scalebench";
  private static final String[] FINAL = {"succeeded", "failed", "canceled"};

  private ScaleBench() {}

  /** The overhead part's per-folder measurement, run in a world on the big bucket and the busy cluster. */
  interface PerFolder {
    void run(java.util.function.Supplier<PipelineFixture> world, Bench.InPlace inPlace, int n, String key, String what) throws Exception;
  }

  static Map<String, Object> measure(int folders, int workflows, DashboardBench.Rows rows, PerFolder perFolder, int newFolders)
      throws Exception {
    DashboardBench.Rows table = rows;
    // each row printed as it is measured too: a long run that stops early still leaves its figures
    rows = (what, measured, baseline, ratio) -> {
      System.out.println("scale row: | " + what + " | " + measured + " | " + baseline + " | " + ratio + " |");
      table.row(what, measured, baseline, ratio);
    };
    Map<String, Object> figures = new LinkedHashMap<>();
    String key = "scale." + folders + "." + workflows + ".";
    Path basedir = Files.createTempDirectory("scalebench-s3");
    Properties props = new Properties();
    props.setProperty("jclouds.filesystem.basedir", basedir.toString());
    // S3Proxy's filesystem store, its listings paged in key order rather than walking the bucket per page
    OrderedWalkListingStore store = new OrderedWalkListingStore(org.gaul.s3proxy.BlobStores.create("filesystem", props), basedir);
    S3Proxy s3proxy = S3Proxy.builder().blobStore(store)
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, Principal.WATCHER.accessKey(), Principal.WATCHER.secretKey())
        .endpoint(URI.create("http://127.0.0.1:0")).build();
    // a key pair per principal, as RealServers: the harness fills and queues as PILOT, the watcher
    // signs as WATCHER, so the IAM contract over the recorded calls checks the watcher's own
    s3proxy.setBlobStoreLocator((identity, container, blob) -> Principal.byAccessKey(identity)
        .map(p -> new org.gaul.s3proxy.AccessGrant(p.secretKey(), store)).orElse(null));
    s3proxy.start();
    while (!"STARTED".equals(s3proxy.getState())) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
    String endpoint = "http://127.0.0.1:" + s3proxy.getPort();
    S3Client s3 = S3Client.builder().endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1).forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(
            AwsBasicCredentials.create(Principal.PILOT.accessKey(), Principal.PILOT.secretKey())))
        .httpClient(ApacheHttpClient.create()).build();
    try {
      // The bucket is the filesystem store's folder (the operator makes it, not the watcher).
      java.nio.file.Files.createDirectories(basedir.resolve(BUCKET));
      long t0 = System.nanoTime();
      int keys = fill(basedir.resolve(BUCKET), folders, workflows);
      double fillS = (System.nanoTime() - t0) / 1e9;
      // the store reads what was written beside it: the ETag is the MD5 of the bytes
      String etag = s3.headObject(b -> b.bucket(BUCKET).key(folder(0) + "status.json")).eTag();
      if (etag == null || etag.length() < 34) {
        throw new IllegalStateException("S3Proxy does not see the written files' MD5: ETag " + etag);
      }
      figures.put(key + "keys", keys);
      figures.put(key + "fillSeconds", round(fillS));

      RealServers servers = RealServers.get();
      servers.resetKubernetes();
      String namespace = "scale";
      t0 = System.nanoTime();
      createWorkflows(Clients.kubernetes(servers), namespace, workflows);
      double wfS = (System.nanoTime() - t0) / 1e9;
      figures.put(key + "workflowsSeconds", round(wfS));
      System.out.printf("scale bench: %,d folders (%,d keys) written in %.1f s, %,d Workflows created in %.1f s%n",
          folders, keys, fillS, workflows, wfS);

      Map<String, String> watcher = new LinkedHashMap<>();
      watcher.put("watcher.sqs.enabled", "false");
      watcher.put("watcher.s3.endpoint", endpoint);
      watcher.put("watcher.s3.path-style", "true");
      watcher.put("watcher.s3.access-key", Principal.WATCHER.accessKey());
      watcher.put("watcher.s3.secret-key", Principal.WATCHER.secretKey());
      watcher.put("watcher.argo.master-url", servers.kubernetesUrl());
      watcher.put("watcher.argo.kubeconfig", Clients.kubeconfig(servers, Principal.WATCHER).toString());
      watcher.put("watcher.argo.namespace", namespace);
      watcher.put("watcher.dashboard.buckets", BUCKET);
      watcher.put("watcher.dashboard.summary-interval", "5s");

      Process withInformer = null;
      Process without = null;
      try {
        long started = System.nanoTime();
        int port = freePort();
        withInformer = start(watcher, port, "informer");
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + port + "/";
        awaitIndex(http, base, folders, withInformer, started, null);
        double indexMs = (System.nanoTime() - started) / 1e6;
        figures.put(key + "startToIndexMs", round(indexMs));
        // complete: every folder listed, from the summary object while its check runs ("complete": true)
        awaitIndex(http, base, folders, withInformer, started, "\"complete\":true");
        double completeMs = (System.nanoTime() - started) / 1e6;
        figures.put(key + "startToCompleteIndexMs", round(completeMs));
        // checked: the listing of every key confirmed the list against the summary ("checked": true)
        awaitIndex(http, base, folders, withInformer, started, "\"checked\":true");
        double checkedMs = (System.nanoTime() - started) / 1e6;
        figures.put(key + "startToCheckedIndexMs", round(checkedMs));
        List<Double> latencies = jobsLatencies(http, base, 300);
        double p50 = quantile(latencies, 0.5);
        double p99 = quantile(latencies, 0.99);
        figures.put(key + "jobsP50ms", round(p50));
        figures.put(key + "jobsP99ms", round(p99));
        LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(Long.getLong("bench.scale.idle", 20))); // settle: informer writes, summary
        double rss = rssKb(withInformer.pid(), "VmRSS:") / 1024.0;
        double anon = rssKb(withInformer.pid(), "RssAnon:") / 1024.0;
        HeapInfo idleHeap = heapInfo(withInformer.pid());
        Histogram heap = histogram(withInformer.pid(), "informer");
        // the histogram's full collection gives back what the heap holds above MaxHeapFreeRatio:
        // what is left is the live data's own share, the rest was heap committed and free
        double rssAfterGc = rssKb(withInformer.pid(), "VmRSS:") / 1024.0;
        HeapInfo gcHeap = heapInfo(withInformer.pid());
        figures.put(key + "idleRssMb", round(rss));
        figures.put(key + "idleAnonMb", round(anon));
        figures.put(key + "liveHeapMb", round(heap.totalMb()));
        figures.put(key + "idleHeapCommittedMb", round(idleHeap.heapMb()));
        figures.put(key + "idleYoungCommittedMb", round(idleHeap.youngMb()));
        figures.put(key + "idleMetaspaceCommittedMb", round(idleHeap.metaspaceMb()));
        figures.put(key + "afterFullGcRssMb", round(rssAfterGc));
        figures.put(key + "afterFullGcHeapCommittedMb", round(gcHeap.heapMb()));
        rows.row(String.format("scale: %,d folders (%,d keys), %,d Workflows: start -> complete dashboard index", folders, keys, workflows),
            String.format("%.1f s (every row listed from the summary at %.1f s)", completeMs / 1000, indexMs / 1000), "goal <= 30 s", "");
        rows.row(String.format("scale: %,d folders (%,d keys): start -> dashboard index checked against the bucket", folders, keys),
            String.format("%.1f s (the listing behind the complete list, %d ranges at once)", checkedMs / 1000,
                Integer.parseInt(watcher.getOrDefault("watcher.dashboard.list-parallelism", "4"))), "", "");
        rows.row(String.format("scale: idle RSS, %,d folders, %,d Workflows", folders, workflows),
            String.format("%.0f MB (anonymous %.0f); live heap %.0f MB", rss, anon, heap.totalMb()), "goal <= 256 MB",
            String.format("heap committed %.0f MB (young %.0f), metaspace %.0f MB; after one full collection RSS %.0f MB, heap %.0f MB",
                idleHeap.heapMb(), idleHeap.youngMb(), idleHeap.metaspaceMb(), rssAfterGc, gcHeap.heapMb()));
        rows.row(String.format("scale: /jobs, %,d jobs (page of 50, filters, sorts)", folders),
            String.format("p50 %.1f ms, p99 %.1f ms", p50, p99), "", "");
        withInformer.destroy();
        withInformer.waitFor(30, TimeUnit.SECONDS);

        Map<String, String> noInformer = new LinkedHashMap<>(watcher);
        noInformer.put("watcher.argo.watch", "false");
        started = System.nanoTime();
        port = freePort();
        without = start(noInformer, port, "no-informer");
        awaitIndex(http, "http://127.0.0.1:" + port + "/", folders, without, started, null);
        LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(Long.getLong("bench.scale.idle", 20)));
        Histogram heapWithout = histogram(without.pid(), "no-informer");
        double informerMb = heap.totalMb() - heapWithout.totalMb();
        figures.put(key + "informerMb", round(informerMb));
        rows.row(String.format("scale: the informer's memory, %,d Workflows", workflows),
            String.format("%.1f MB", informerMb), String.format("live heap %.0f MB with, %.0f MB without", heap.totalMb(), heapWithout.totalMb()), "");
      } finally {
        for (Process p : new Process[] {withInformer, without}) {
          if (p != null && p.isAlive()) {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
          }
        }
      }

      // Per-folder time for new folders in the big bucket, against the floor in the same bucket and
      // cluster: the watcher (in this process, as the overhead part runs it) serves the dashboard of
      // the whole bucket and its informer holds the namespace's Workflows; the folders are queued
      // once its index is complete.
      Map<String, String> inPlace = new LinkedHashMap<>();
      inPlace.put("watcher.dashboard.buckets", BUCKET);
      // a world (its own queue) per run: a warm-up's late redeliveries must not reach the next run's floor
      java.util.function.Supplier<PipelineFixture> world = () -> new PipelineFixture("bench-scale", namespace,
          S3Client.builder().endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1).forcePathStyle(true)
              .credentialsProvider(StaticCredentialsProvider.create(
                  AwsBasicCredentials.create(Principal.PILOT.accessKey(), Principal.PILOT.secretKey())))
              .httpClient(ApacheHttpClient.create()).build(), endpoint, BUCKET);
      {
        perFolder.run(world, new Bench.InPlace(inPlace,
            app -> {
              // what the HTTP server's start event does in the pod (ApplicationContext.run starts no server)
              org.odmwatcher.dashboard.DashboardRuntime dashboard = app.getBean(org.odmwatcher.dashboard.DashboardRuntime.class);
              dashboard.start();
              return dashboard.seeded() && app.getBean(StatusIndex.class).size() >= folders;
            }),
            newFolders, key + "perFolder.", String.format("scale: per-folder, new folders in a bucket of %,d folders and %,d Workflows", folders, workflows));
      }

      // The sweep over the same bucket, in this process (as the scaling part does)
      BucketStore bucketStore = new BucketStore(s3);
      // The watcher's default cache size (watcher.sweep.cache-size): a bucket bigger than it is the case to see
      BucketSweep sweep = new BucketSweep(bucketStore,
          new StatusWriter(bucketStore, new StatusCodec(), "status.json", "auto", java.time.Clock.systemUTC()),
          object -> ObjectCreatedHandler.Outcome.IGNORED, "odm.json", "status.json", "results/",
          List.of(BUCKET), List.of(""), Long.parseLong(org.odmwatcher.config.SweepConfig.DEFAULT_CACHE_SIZE));
      t0 = System.nanoTime();
      BucketSweep.Round first = sweep.sweep();
      double cold = (System.nanoTime() - t0) / 1e6;
      // Later rounds and bare listings alternate (the same page cache, JIT and machine load for both);
      // the medians are compared.
      List<Double> warmRounds = new ArrayList<>();
      List<Double> lists = new ArrayList<>();
      int listed = 0;
      int offeredLater = 0;
      for (int i = 0; i < Integer.getInteger("bench.scale.sweepRounds", 3); i++) {
        t0 = System.nanoTime();
        listed = bucketStore.listAll(BUCKET, "").size();
        lists.add((System.nanoTime() - t0) / 1e6);
        t0 = System.nanoTime();
        offeredLater += sweep.sweep().offered();
        warmRounds.add((System.nanoTime() - t0) / 1e6);
      }
      double warm = quantile(warmRounds, 0.5);
      double list = quantile(lists, 0.5);
      System.out.printf("scale bench: sweep first round %.0f ms (%d manifests), later rounds %s ms (%d offered), bare listings %s ms%n",
          cold, first.manifests(), warmRounds, offeredLater, lists);
      figures.put(key + "sweep.firstRoundMs", round(cold));
      figures.put(key + "sweep.laterRoundMs", round(warm));
      figures.put(key + "sweep.listFloorMs", round(list));
      rows.row(String.format("scale: sweep of %,d folders (%,d keys)", folders, listed),
          String.format("first round %.0f ms, later rounds %.0f ms", cold, warm),
          String.format("bare listing %.0f ms", list), String.format("%.2fx (goal <= 1.1x)", warm / list));
    } finally {
      s3.close();
      s3proxy.stop();
      deleteRecursively(basedir);
    }
    return figures;
  }

  static String folder(int n) {
    return String.format("programme-%03d/site-%04d/flight-%02d/", n / 10_000, n / 10 % 1000, n % 10);
  }

  private static String workflowName(int n) {
    return String.format("odm-%06d", n);
  }

  /** Whether job n's Workflow is still running (one in ten of those with a Workflow). */
  private static boolean running(int n, int workflows) {
    return n < workflows && n % 10 == 0;
  }

  /** Writes the folders straight into S3Proxy's backing folder; returns the number of keys. */
  private static int fill(Path bucketDir, int folders, int workflows) throws Exception {
    StatusCodec codec = new StatusCodec();
    Instant now = Instant.now();
    List<JobRow> summary = new ArrayList<>(folders);
    for (int i = 0; i < folders; i++) {
      summary.add(null);
    }
    int threads = 4;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Integer>> parts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int first = t;
        parts.add(pool.submit(() -> {
          MessageDigest md5 = MessageDigest.getInstance("MD5");
          int keys = 0;
          for (int n = first; n < folders; n += threads) {
            String folder = folder(n);
            JobState state = running(n, workflows) ? JobState.RUNNING : JobState.fromWire(FINAL[n % FINAL.length]);
            JobStatus status = JobStatus.of(String.format("%032x", n), "etag" + n, "Flight " + n, state,
                    state == JobState.RUNNING ? "running: process" : "bench " + state.wireName(), now.minusSeconds(folders - n))
                .withImages(3, null)
                .withWorkflow(new JobStatus.WorkflowRef("scale", workflowName(n)), "argo")
                .withProgress(state == JobState.RUNNING ? "opensfm" : null, state == JobState.RUNNING ? n % 100 : null);
            if (state == JobState.SUCCEEDED) {
              status = status.withOutputs(List.of("results/odm_orthophoto/odm_orthophoto.tif", "results/odm.log"));
            }
            summary.set(n, new JobRow(BUCKET, folder, status.jobId(), status.name(), status.state().wireName(), status.message(),
                status.stage(), status.progress(), status.images(), status.expectedImages(), status.engine(),
                status.workflow().name(), status.createdAt(), status.updatedAt(), status.finishedAt(), null));
            Files.createDirectories(bucketDir.resolve(folder)); // once per folder, not per file (two system calls fewer a key)
            keys += write(bucketDir, folder + "status.json", codec.encode(status), md5);
            // written when the job last changed, as in a bucket filled over months (the store's Last-Modified)
            Files.setLastModifiedTime(bucketDir.resolve(folder + "status.json"),
                java.nio.file.attribute.FileTime.from(status.updatedAt().minusSeconds(600)));
            keys += write(bucketDir, folder + "odm.json", ("{\"name\":\"Flight " + n + "\"}").getBytes(StandardCharsets.UTF_8), md5);
            for (int img = 1; img <= 3; img++) {
              keys += write(bucketDir, folder + String.format("DJI_%04d.JPG", img), new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) n, (byte) img}, md5);
            }
            if (state == JobState.SUCCEEDED) {
              Files.createDirectories(bucketDir.resolve(folder + "results/odm_orthophoto"));
              keys += write(bucketDir, folder + "results/odm_orthophoto/odm_orthophoto.tif", new byte[] {'I', 'I', 42, 0}, md5);
              keys += write(bucketDir, folder + "results/odm.log", "done\n".getBytes(StandardCharsets.UTF_8), md5);
            }
          }
          return keys;
        }));
      }
      int keys = 0;
      for (Future<Integer> part : parts) {
        keys += part.get();
      }
      // The summary object a previous watcher wrote (SummaryPublisher's shape), as in a running bucket
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("schemaVersion", 1);
      body.put("bucket", BUCKET);
      body.put("statusName", "status.json");
      body.put("generatedAt", now);
      body.put("jobs", summary);
      byte[] json = new ObjectMapper().registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).writeValueAsBytes(body);
      keys += write(bucketDir, "index.json", json, MessageDigest.getInstance("MD5"));
      return keys;
    } finally {
      pool.shutdownNow();
    }
  }

  private static int write(Path bucketDir, String key, byte[] bytes, MessageDigest md5) throws IOException {
    Path file = bucketDir.resolve(key); // its folder exists
    Files.write(file, bytes);
    UserDefinedFileAttributeView xattrs = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
    xattrs.write("user.content-md5", ByteBuffer.wrap(md5.digest(bytes)));
    return 1;
  }

  /** Workflows with the watcher's labels and annotations, a spec and node status of a real size. */
  private static void createWorkflows(KubernetesClient kubernetes, String namespace, int workflows) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> creates = new ArrayList<>();
      for (int i = 0; i < workflows; i++) {
        int n = i;
        creates.add(pool.submit(() -> {
          kubernetes.genericKubernetesResources(ArgoWorkflowSubmitter.WORKFLOWS).inNamespace(namespace)
              .resource(workflow(namespace, n, running(n, workflows))).create();
          return null;
        }));
      }
      for (Future<?> create : creates) {
        create.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static final String[] STEPS = {"download", "validate", "process", "upload", "record-status"};

  static GenericKubernetesResource workflow(String namespace, int n, boolean running) {
    String name = workflowName(n);
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(WorkflowLabels.MANAGED_BY, WorkflowLabels.MANAGED_BY_VALUE);
    labels.put(WorkflowLabels.JOB_ID, String.format("%032x", n));
    labels.put("workflows.argoproj.io/phase", running ? "Running" : "Succeeded");
    if (!running) {
      labels.put("workflows.argoproj.io/completed", "true");
    }
    GenericKubernetesResource wf = new GenericKubernetesResource();
    wf.setApiVersion("argoproj.io/v1alpha1");
    wf.setKind("Workflow");
    wf.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).withLabels(labels)
        .withAnnotations(Map.of(WorkflowLabels.BUCKET, BUCKET, WorkflowLabels.PREFIX, folder(n))).build());
    List<Map<String, Object>> parameters = new ArrayList<>();
    for (String p : List.of("bucket", "prefix", "job-id", "odm-args", "images", "cpu", "memory", "results-prefix")) {
      parameters.add(Map.of("name", p, "value", p.equals("prefix") ? folder(n) : p + "-value-" + n));
    }
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("workflowTemplateRef", Map.of("name", "odm-process"));
    spec.put("arguments", Map.of("parameters", parameters));
    spec.put("serviceAccountName", "odm-workflow");
    spec.put("ttlStrategy", Map.of("secondsAfterCompletion", 604800));
    spec.put("podGC", Map.of("strategy", "OnPodSuccess"));
    wf.getAdditionalProperties().put("spec", spec);
    String start = "2026-12-01T10:00:00Z";
    String end = "2026-12-01T11:00:00Z";
    Map<String, Object> nodes = new LinkedHashMap<>();
    nodes.put(name, node(name, name, "Steps", running ? "Running" : "Succeeded", start, running ? null : end, null));
    for (int s = 0; s < STEPS.length; s++) {
      String id = name + "-" + (1000000000L + s * 7919L + n);
      String phase = !running || s < 2 ? "Succeeded" : s == 2 ? "Running" : null;
      if (phase != null) {
        nodes.put(id, node(id, name + "[" + s + "]." + STEPS[s], "Pod", phase, start, "Running".equals(phase) ? null : end, STEPS[s]));
      }
    }
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("phase", running ? "Running" : "Succeeded");
    status.put("startedAt", start);
    if (!running) {
      status.put("finishedAt", end);
    }
    status.put("progress", running ? "2/5" : "5/5");
    status.put("nodes", nodes);
    status.put("resourcesDuration", Map.of("cpu", 3600, "memory", 7200));
    wf.getAdditionalProperties().put("status", status);
    return wf;
  }

  private static Map<String, Object> node(String id, String name, String type, String phase, String start, String end, String displayName) {
    Map<String, Object> node = new LinkedHashMap<>();
    node.put("id", id);
    node.put("name", name);
    node.put("displayName", displayName == null ? name : displayName);
    node.put("type", type);
    node.put("templateName", displayName == null ? "main" : displayName);
    node.put("phase", phase);
    node.put("startedAt", start);
    if (end != null) {
      node.put("finishedAt", end);
    }
    node.put("progress", "Running".equals(phase) ? "37/100" : "1/1");
    if ("Pod".equals(type)) {
      node.put("hostNodeName", "ip-10-0-1-" + (id.hashCode() & 0xff) + ".ec2.internal");
      node.put("resourcesDuration", Map.of("cpu", 600, "memory", 1200));
      node.put("outputs", Map.of("exitCode", "0"));
    }
    return node;
  }

  // ---- the watcher process ----

  /**
   * The image's JVM options, read from {@code <image.jvm.options>} in watcher/pom.xml (the bench
   * runs in watcher/), so the bench starts the watcher as the image does and cannot drift from it;
   * {@code -Dbench.scale.jvmOptions=...} replaces them (an A/B of an option).
   */
  static List<String> imageJvmOptions() throws IOException {
    String given = System.getProperty("bench.scale.jvmOptions");
    String options = given;
    if (options == null) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("<image\\.jvm\\.options>([^<]*)</image\\.jvm\\.options>")
          .matcher(Files.readString(Path.of("pom.xml")));
      if (!m.find()) {
        throw new IllegalStateException("no <image.jvm.options> in " + Path.of("pom.xml").toAbsolutePath());
      }
      options = m.group(1);
    }
    return List.of(options.trim().split("\\s+"));
  }

  private static Process start(Map<String, String> properties, int port, String label) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // The pod's JVM: the Deployment's memory limit and the image's options (watcher/pom.xml)
    command.add("-XX:MaxRAM=768m");
    command.add("-XX:MaxRAMPercentage=75");
    command.addAll(imageJvmOptions());
    // the heap's size over the run, for the profile (kept in target/ beside the histograms)
    command.add("-Xlog:gc:file=" + Path.of("target", "scalebench-gc-" + label + ".log").toAbsolutePath());
    Path jar = Path.of("target", "odm-watcher.jar");
    command.add("-cp");
    command.add(Files.exists(jar) && !Boolean.getBoolean("bench.scale.classpath") ? jar.toAbsolutePath().toString() : System.getProperty("java.class.path"));
    properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
    command.add("-Dmicronaut.server.port=" + port);
    command.add("org.odmwatcher.Application");
    Path log = Path.of("target", "scalebench-" + label + ".log");
    Files.createDirectories(log.getParent());
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /** Until {@code /jobs} counts every folder and, when {@code flag} is set, says it ({@code "complete":true}, {@code "checked":true}). */
  private static void awaitIndex(HttpClient http, String base, int folders, Process process, long started, String flag)
      throws Exception {
    long deadline = started + Duration.ofMinutes(Long.getLong("bench.scale.patienceMinutes", 30)).toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the watcher exited with " + process.exitValue() + "; see target/scalebench-*.log");
      }
      try {
        String body = http.send(HttpRequest.newBuilder(URI.create(base + "jobs?size=1")).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        if (body.contains("\"total\":" + folders + ",") && (flag == null || body.contains(flag))) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the index never held " + folders + " jobs");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
  }

  private static final String[] QUERIES = {
    "", "state=running", "q=site-0001", "sort=progress&order=asc", "state=failed,invalid&sort=name", "page=20",
  };

  private static List<Double> jobsLatencies(HttpClient http, String base, int requests) throws Exception {
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
        latencies.add(ms);
      }
    }
    return latencies;
  }

  record Histogram(double totalMb, List<String> top) {}

  /** What {@code jcmd GC.heap_info} says is committed (Serial GC: def new + tenured; Metaspace). */
  record HeapInfo(double youngMb, double heapMb, double metaspaceMb) {}

  private static HeapInfo heapInfo(long pid) throws Exception {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.heap_info").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(60, TimeUnit.SECONDS);
    double young = kb(out, "def new generation\\s+total (\\d+)K");
    double old = kb(out, "tenured generation\\s+total (\\d+)K");
    double metaspace = kb(out, "Metaspace\\s+used \\d+K, committed (\\d+)K");
    return new HeapInfo(young / 1024, (young + old) / 1024, metaspace / 1024);
  }

  private static double kb(String text, String regex) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile(regex).matcher(text);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  /** {@code jcmd <pid> GC.class_histogram} (a full GC first: live objects only); top lines kept in target/. */
  private static Histogram histogram(long pid, String label) throws Exception {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.class_histogram").redirectErrorStream(true).start();
    List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    p.waitFor(60, TimeUnit.SECONDS);
    Files.write(Path.of("target", "scalebench-histogram-" + label + ".txt"), lines);
    double total = -1;
    for (String line : lines) {
      if (line.startsWith("Total")) {
        String[] parts = line.trim().split("\\s+");
        total = Long.parseLong(parts[2]) / 1024.0 / 1024.0;
      }
    }
    return new Histogram(total, lines.subList(0, Math.min(lines.size(), 20)));
  }

  private static long rssKb(long pid, String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith(field)) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
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

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
