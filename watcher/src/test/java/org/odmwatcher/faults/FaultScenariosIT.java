package org.odmwatcher.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.testing.Notifications;
import org.odmwatcher.testing.WebhookReceiver;

/**
 * The fault scenarios of issue 16, each against the built jar run as a separate process (see
 * {@link WatcherProcess}) with ElasticMQ, an S3Proxy that can go down and come back ({@link
 * RestartableS3}) and the Kubernetes mock in this JVM. Each prints one {@code FAULTS} line of
 * figures (also appended to {@code target/faults/figures.txt}) and checks its expectation.
 *
 * <p>Size: {@code -Dfaults.size=small} (default, part of {@code mvn verify}: 60 folders, 5 s
 * outages) or {@code full} ({@code -Pfaults}: 1,000 folders, 200 folders through 60 s outages).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FaultScenariosIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final boolean FULL = "full".equals(System.getProperty("faults.size", "small"));
  private static final int BATCH = FULL ? 1000 : 60;
  private static final int OUTAGE_BATCH = FULL ? 200 : 40;
  private static final Duration OUTAGE = FULL ? Duration.ofSeconds(60) : Duration.ofSeconds(5);
  private static final int POISON = FULL ? 20 : 8;
  private static final int GOOD = FULL ? 50 : 12;
  /** Long enough for a full batch on two cores, with a killed replica's messages coming back. */
  private static final Duration SETTLE = Duration.ofSeconds(FULL ? 600 : 180);

  private RestartableS3 store;

  @BeforeAll
  void startStore() throws Exception {
    store = new RestartableS3();
  }

  @AfterAll
  void stopStore() throws Exception {
    store.close();
  }

  private static void figures(String line) throws IOException {
    String text = "FAULTS " + line + " (size " + (FULL ? "full" : "small") + ")";
    System.out.println(text);
    Path file = Path.of(System.getProperty("faults.logs", "target/faults"), "figures.txt");
    Files.createDirectories(file.getParent());
    Files.writeString(file, text + System.lineSeparator(), StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  private static double tenthsSince(long start) {
    return Math.round((System.nanoTime() - start) / 1e8) / 10.0;
  }

  /** Folders of the batch without a {@code submitted} status, and Workflows beyond one per folder. */
  private record Tally(int lost, long duplicated, int workflows) {}

  private static Tally tally(FaultWorld world, int n) {
    Map<String, Long> perFolder = world.workflowsPerFolder();
    int lost = 0;
    for (int i = 0; i < n; i++) {
      String folder = FaultWorld.folder(i);
      boolean submitted = world.status(folder).map(s -> s.path("state").asText()).orElse("").equals("submitted");
      if (!submitted || perFolder.getOrDefault(folder, 0L) == 0) {
        lost++;
      }
    }
    long duplicated = perFolder.values().stream().mapToLong(c -> c - 1).sum();
    return new Tally(lost, duplicated, perFolder.values().stream().mapToInt(Long::intValue).sum());
  }

  /** Waits until every folder of the batch has its status and the queue is empty. */
  private static void awaitSettled(FaultWorld world, int n) {
    await().atMost(SETTLE).pollInterval(Duration.ofMillis(250))
        .until(() -> world.foldersWithStatus("batch/").size() == n && world.depth(world.queueUrl) == 0);
  }

  private static void assertExactlyOnce(FaultWorld world, int n, Tally tally) {
    assertThat(tally.lost()).as("folders without a submitted status and Workflow").isZero();
    assertThat(tally.duplicated()).as("Workflows beyond one per folder").isZero();
    assertThat(tally.workflows()).isEqualTo(n);
    assertThat(world.depth(world.queueUrl)).as("queue").isZero();
    assertThat(world.depth(world.dlqUrl)).as("dead-letter queue").isZero();
  }

  @Test
  void killMinus9MidBatchThenRestartLosesAndDuplicatesNothing() throws Exception {
    try (FaultWorld world = new FaultWorld("kill", store)) {
      List<String> bodies = world.uploadFolders(BATCH);
      int acknowledgedAtKill;
      try (WatcherProcess first = WatcherProcess.start("kill-1", world.properties())) {
        world.send(bodies);
        await().atMost(SETTLE).pollInterval(Duration.ofMillis(10))
            .until(() -> BATCH - world.depth(world.queueUrl) >= BATCH / 2);
        first.kill();
        acknowledgedAtKill = BATCH - world.depth(world.queueUrl);
      }
      assertThat(acknowledgedAtKill).as("killed mid-batch").isLessThan(BATCH);
      long restart = System.nanoTime();
      try (WatcherProcess second = WatcherProcess.start("kill-2", world.properties())) {
        awaitSettled(world, BATCH);
        double recovery = tenthsSince(restart);
        Tally tally = tally(world, BATCH);
        figures("kill-9: N=" + BATCH + ", acknowledged at the kill=" + acknowledgedAtKill + ", lost=" + tally.lost()
            + ", duplicated=" + tally.duplicated() + ", Workflows=" + tally.workflows()
            + ", restart to all done=" + recovery + " s");
        assertExactlyOnce(world, BATCH, tally);
      }
    }
  }

  @Test
  void twoReplicasOnOneQueueOneKilledMidBatchLoseAndDuplicateNothing() throws Exception {
    try (FaultWorld world = new FaultWorld("replicas", store)) {
      List<String> bodies = world.uploadFolders(BATCH);
      try (WatcherProcess a = WatcherProcess.start("replica-a", world.properties());
          WatcherProcess b = WatcherProcess.start("replica-b", world.properties())) {
        world.send(bodies);
        await().atMost(SETTLE).pollInterval(Duration.ofMillis(10))
            .until(() -> BATCH - world.depth(world.queueUrl) >= BATCH / 2);
        a.kill();
        int acknowledgedAtKill = BATCH - world.depth(world.queueUrl);
        long kill = System.nanoTime();
        awaitSettled(world, BATCH);
        double settled = tenthsSince(kill);
        Tally tally = tally(world, BATCH);
        figures("two replicas, one killed: N=" + BATCH + ", acknowledged at the kill=" + acknowledgedAtKill
            + ", lost=" + tally.lost() + ", duplicated=" + tally.duplicated() + ", Workflows=" + tally.workflows()
            + ", kill to all done=" + settled + " s");
        assertThat(acknowledgedAtKill).as("killed mid-batch").isLessThan(BATCH);
        assertThat(b.alive()).isTrue();
        assertExactlyOnce(world, BATCH, tally);
      }
    }
  }

  @Test
  void s3DownForAWhileLosesAndDuplicatesNothingAndStaysLive() throws Exception {
    outage("s3", () -> store.stop(), () -> store.start(), false);
  }

  @Test
  void kubernetesApiDownForAWhileLosesAndDuplicatesNothingStaysLiveAndGoesUnready() throws Exception {
    FaultWorldServers k8s = new FaultWorldServers();
    outage("kubernetes", k8s::stop, k8s::start, true);
  }

  /** The shared Kubernetes mock's outage switch (same port, objects kept). */
  private static final class FaultWorldServers {
    void stop() {
      org.odmwatcher.testing.RealServers.get().stopKubernetes();
    }

    void start() {
      org.odmwatcher.testing.RealServers.get().startKubernetes();
    }
  }

  private interface Step {
    void run() throws Exception;
  }

  private void outage(String what, Step down, Step up, boolean expectUnready) throws Exception {
    try (FaultWorld world = new FaultWorld("out-" + what, store)) {
      List<String> bodies = world.uploadFolders(OUTAGE_BATCH);
      try (WatcherProcess watcher = WatcherProcess.start("outage-" + what, world.properties())) {
        await().atMost(Duration.ofSeconds(60)).until(() -> watcher.get("/health/readiness") == 200);
        world.send(bodies.subList(0, OUTAGE_BATCH / 4));
        await().atMost(SETTLE).until(() -> world.foldersWithStatus("batch/").size() >= OUTAGE_BATCH / 8);
        down.run();
        AtomicBoolean everUnready = new AtomicBoolean();
        AtomicInteger livenessChecks = new AtomicInteger();
        try {
          world.send(bodies.subList(OUTAGE_BATCH / 4, OUTAGE_BATCH)); // SQS stays up: events arrive during the outage
          // Liveness answers 200 all along the outage (a restart would not help); readiness is noted.
          await().during(OUTAGE).atMost(OUTAGE.plusSeconds(10)).pollInterval(Duration.ofMillis(500))
              .until(() -> {
                livenessChecks.incrementAndGet();
                if (watcher.get("/health/readiness") == 503) {
                  everUnready.set(true);
                }
                return watcher.get("/health/liveness") == 200;
              });
        } finally {
          up.run();
        }
        long back = System.nanoTime();
        awaitSettled(world, OUTAGE_BATCH);
        double recovery = tenthsSince(back);
        await().atMost(Duration.ofSeconds(60)).until(() -> watcher.get("/health/readiness") == 200);
        Tally tally = tally(world, OUTAGE_BATCH);
        figures(what + " down " + OUTAGE.toSeconds() + " s: N=" + OUTAGE_BATCH + ", lost=" + tally.lost()
            + ", duplicated=" + tally.duplicated() + ", liveness 200 at all " + livenessChecks.get() + " checks, readiness DOWN during the outage=" + everUnready.get()
            + ", time to recover after the outage=" + recovery + " s");
        assertExactlyOnce(world, OUTAGE_BATCH, tally);
        if (expectUnready) {
          assertThat(everUnready).as("readiness DOWN while the Kubernetes API is away").isTrue();
        }
      }
    }
  }

  /** How long the notification receiver refuses connections: a minute in the full size. */
  private static final Duration RECEIVER_DOWN =
      Duration.parse(System.getProperty("faults.receiver-down", FULL ? "PT60S" : "PT10S"));
  private static final String SIGNING_KEY = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

  /** {@code props} with a signing key, loopback allowed for the receiver and a short notify backoff. */
  private static Map<String, String> notifying(Map<String, String> props) {
    props.put("watcher.notify.signing-key", SIGNING_KEY);
    props.put("watcher.notify.allowed-networks", "127.0.0.0/8");
    props.put("watcher.notify.backoff-initial", "1s");
    props.put("watcher.notify.backoff-max", "5s");
    props.put("watcher.argo.resync", "10s");
    return props;
  }

  private static String notifyManifest(WebhookReceiver receiver, String name) {
    return "{\"name\": \"" + name + "\", \"notify\": [{\"kind\": \"webhook\", \"url\": \"" + receiver.url("/hook/" + name)
        + "\"}]}";
  }

  /** Ends the folder's job as Argo would (the mock runs nothing) and waits for its succeeded status. */
  private static void succeed(FaultWorld world, String folder) {
    await().atMost(Duration.ofSeconds(60)).until(() -> world.workflowsPerFolder().containsKey(folder));
    String workflow = world.workflows().stream()
        .filter(wf -> folder.equals(wf.getMetadata().getAnnotations().get(org.odmwatcher.workflow.WorkflowLabels.PREFIX)))
        .findFirst().orElseThrow().getMetadata().getName();
    world.setWorkflowPhase(workflow, "Succeeded", "3/3");
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
        .until(() -> world.status(folder).map(st -> st.path("state").asText()).orElse("").equals("succeeded"));
  }

  private static List<WebhookReceiver.Received> taken(WebhookReceiver receiver, String path) {
    return receiver.received(path).stream().filter(r -> r.answered() == 200).toList();
  }

  @Test
  void notificationReceiverDownForAWhileIsDeliveredOnceItIsBack() throws Exception {
    try (FaultWorld world = new FaultWorld("notify-down", store);
        WebhookReceiver receiver = new WebhookReceiver(SIGNING_KEY)) {
      String folder = "notify/down/";
      String body = world.uploadFolder(folder, notifyManifest(receiver, "down"));
      try (WatcherProcess watcher = WatcherProcess.start("notify-down", notifying(world.properties()))) {
        receiver.stop(); // connections refused from now on
        world.send(List.of(body));
        succeed(world, folder);
        long down = System.nanoTime();
        // Really down for a while: the watcher keeps trying (and records it) while nothing listens.
        await().during(RECEIVER_DOWN).atMost(RECEIVER_DOWN.plusSeconds(10)).pollInterval(Duration.ofMillis(500))
            .until(() -> taken(receiver, "/hook/down").isEmpty() && watcher.get("/health/liveness") == 200);
        JsonNode during = world.status(folder).orElseThrow();
        JsonNode retrying = during.path("notifications").get(0);
        assertThat(retrying.path("outcome").asText()).isEqualTo("retrying");
        assertThat(retrying.path("attempts").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(retrying.path("lastError").asText()).isNotBlank();
        receiver.start();
        long back = System.nanoTime();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
            .until(() -> !taken(receiver, "/hook/down").isEmpty());
        double toDelivery = tenthsSince(back);
        await().atMost(Duration.ofSeconds(30)).until(() ->
            world.status(folder).orElseThrow().path("notifications").get(0).path("outcome").asText().equals("delivered"));
        JsonNode delivered = world.status(folder).orElseThrow().path("notifications").get(0);
        List<WebhookReceiver.Received> got = taken(receiver, "/hook/down");
        figures("notification receiver down " + RECEIVER_DOWN.toSeconds() + " s: attempts while down="
            + retrying.path("attempts").asInt() + ", attempts in all=" + delivered.path("attempts").asInt()
            + ", receiver back to delivered=" + toDelivery + " s, job end to delivered=" + tenthsSince(down)
            + " s, deliveries taken=" + got.size());
        assertThat(got).allMatch(WebhookReceiver.Received::signatureValid);
        assertThat(got).extracting(r -> r.header("webhook-id")).containsOnly(delivered.path("id").asText());
      }
    }
  }

  @Test
  void killMinus9RightAfterAJobEndsStillNotifiesAfterTheRestart() throws Exception {
    try (FaultWorld world = new FaultWorld("notify-kill", store);
        WebhookReceiver receiver = new WebhookReceiver(SIGNING_KEY)) {
      String folder = "notify/kill/";
      String body = world.uploadFolder(folder, notifyManifest(receiver, "kill"));
      try (WatcherProcess first = WatcherProcess.start("notify-kill-1", notifying(world.properties()))) {
        // The receiver cannot take it before the kill, whether or not the first attempt was made.
        receiver.stop();
        world.send(List.of(body));
        succeed(world, folder);
        first.kill();
      }
      assertThat(taken(receiver, "/hook/kill")).isEmpty();
      receiver.start();
      long restart = System.nanoTime();
      try (WatcherProcess second = WatcherProcess.start("notify-kill-2", notifying(world.properties()))) {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50))
            .until(() -> !taken(receiver, "/hook/kill").isEmpty());
        double toDelivery = tenthsSince(restart);
        await().atMost(Duration.ofSeconds(30)).until(() ->
            world.status(folder).orElseThrow().path("notifications").get(0).path("outcome").asText().equals("delivered"));
        JsonNode status = world.status(folder).orElseThrow();
        List<WebhookReceiver.Received> got = taken(receiver, "/hook/kill");
        figures("kill -9 right after a job ended: restart to delivered=" + toDelivery + " s (includes the start-up),"
            + " deliveries taken=" + got.size() + ", attempts=" + status.path("notifications").get(0).path("attempts").asInt());
        assertThat(got).allMatch(WebhookReceiver.Received::signatureValid);
        assertThat(got.get(0).json().path("type").asText()).isEqualTo("job.succeeded");
        assertThat(got.get(0).header("webhook-id")).isEqualTo("odmw_" + status.path("jobId").asText() + "_succeeded");
      }
    }
  }

  @Test
  void poisonBodiesAmongGoodOnesEndExactlyInTheDeadLetterQueue() throws Exception {
    try (FaultWorld world = new FaultWorld("poison", store, 3)) {
      List<String> good = world.uploadFolders(GOOD);
      List<String> poison = new ArrayList<>();
      for (int i = 0; i < POISON; i++) {
        poison.add(poisonBody(world.bucket, i));
      }
      List<String> mixed = new ArrayList<>();
      for (int i = 0; i < Math.max(GOOD, POISON); i++) {
        if (i < GOOD) {
          mixed.add(good.get(i));
        }
        if (i < POISON) {
          mixed.add(poison.get(i));
        }
      }
      try (WatcherProcess watcher = WatcherProcess.start("poison", world.properties())) {
        long start = System.nanoTime();
        world.send(mixed);
        await().atMost(SETTLE).pollInterval(Duration.ofMillis(250))
            .until(() -> world.foldersWithStatus("batch/").size() == GOOD && world.depth(world.queueUrl) == 0
                && world.depth(world.dlqUrl) == POISON);
        double settled = tenthsSince(start);
        List<String> dead = world.drain(world.dlqUrl);
        Tally tally = tally(world, GOOD);
        figures("poison: " + POISON + " poison bodies among " + GOOD + " good ones: DLQ holds " + dead.size()
            + ", good folders lost=" + tally.lost() + ", duplicated=" + tally.duplicated() + ", settled in " + settled + " s");
        assertThat(dead).containsExactlyInAnyOrderElementsOf(poison);
        assertThat(tally.lost()).isZero();
        assertThat(tally.duplicated()).isZero();
      }
    }
  }

  /** Bodies no parser can use, each one unique so the DLQ's content can be compared exactly. */
  static String poisonBody(String bucket, int i) {
    String n = Integer.toString(i);
    return switch (i % 8) {
      case 0 -> "this is not { JSON " + n;
      case 1 -> "[" + n + "]";
      case 2 -> "{\"unrelated\": " + n + "}";
      case 3 -> Notifications.eventBridgeCreated(bucket, " ".repeat(i % 3 + 1), i, "e" + n); // blank key
      case 4 -> "{\"Records\": " + n + "}";
      case 5 -> "{\"Type\":\"Notification\",\"TopicArn\":\"arn:aws:sns:x:1:t" + n + "\",\"Message\":\"not json\"}";
      case 6 -> "{\"Records\":[{\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"" + bucket
          + "\"},\"object\":{\"size\":" + n + "}}}]}";
      default -> "{\"Records\":[{\"eventName\":\"ObjectCreated:Put\",\"eventTime\":\"yesterday " + n
          + "\",\"s3\":{\"bucket\":{\"name\":\"" + bucket + "\"},\"object\":{\"key\":\"batch/f-0000/odm.json\"}}}]}";
    };
  }

  @Test
  void nodeOdmTaskCreatedBeforeAKillIsStillThereAfterTheRestartAndCompletes() throws Exception {
    try (FaultWorld world = new FaultWorld("api", store)) {
      String uuid;
      try (WatcherProcess first = WatcherProcess.start("api-1", world.apiProperties())) {
        HttpResponse<String> created = first.send(multipart(first, "/task/new",
            Map.of("name", "before the kill", "options", "[{\"name\":\"dsm\",\"value\":true}]"),
            List.of("DJI_0001.JPG", "DJI_0002.JPG")));
        assertThat(created.statusCode()).isEqualTo(200);
        uuid = JSON.readTree(created.body()).path("uuid").asText();
        assertThat(uuid).isNotEmpty();
        await().atMost(Duration.ofSeconds(60)).until(() -> !world.workflows().isEmpty());
        first.kill();
      }
      try (WatcherProcess second = WatcherProcess.start("api-2", world.apiProperties())) {
        JsonNode info = info(second, uuid);
        assertThat(info.path("uuid").asText()).isEqualTo(uuid);
        assertThat(info.path("name").asText()).isEqualTo("before the kill");
        assertThat(info.path("imagesCount").asInt()).isEqualTo(2);
        // The mock runs nothing: the test plays Argo's controller and ends the Workflow.
        String workflow = world.workflows().get(0).getMetadata().getName();
        world.setWorkflowPhase(workflow, "Succeeded", "3/3");
        long start = System.nanoTime();
        await().atMost(Duration.ofSeconds(60)).until(() -> info(second, uuid).path("status").path("code").asInt() == 40);
        figures("NodeODM API across a kill -9: task " + uuid + " found after the restart with " + info.path("imagesCount")
            + " images, completed " + tenthsSince(start) + " s after its Workflow succeeded; Workflows="
            + world.workflows().size());
        assertThat(world.workflows()).hasSize(1);
      }
    }
  }

  private static JsonNode info(WatcherProcess watcher, String uuid) throws IOException, InterruptedException {
    HttpResponse<String> response = watcher.send(HttpRequest.newBuilder(watcher.uri("/task/" + uuid + "/info")).GET().build());
    assertThat(response.statusCode()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  static HttpRequest multipart(WatcherProcess watcher, String path, Map<String, String> fields, List<String> images) {
    String boundary = "----faults" + UUID.randomUUID();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    fields.forEach((k, v) -> body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + k
        + "\"\r\n\r\n" + v + "\r\n").getBytes(StandardCharsets.UTF_8)));
    for (String image : images) {
      body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"images\"; filename=\"" + image
          + "\"\r\nContent-Type: image/jpeg\r\n\r\n").getBytes(StandardCharsets.UTF_8));
      body.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xD9});
      body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
    }
    body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return HttpRequest.newBuilder(watcher.uri(path))
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
        .build();
  }
}
