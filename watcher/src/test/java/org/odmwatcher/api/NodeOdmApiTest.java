package org.odmwatcher.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.argo.TestArgo;
import org.odmwatcher.workflow.ArgoWorkflowSubmitter;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The API as pyODM, WebODM and ClusterODM use it, over real HTTP against the running app, S3Proxy
 * and the Kubernetes mock, whose Workflows the test Argo runs where a test starts it.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeOdmApiTest implements TestPropertyProvider {
  private final PipelineFixture world = new PipelineFixture("api", "api");
  private final ObjectMapper json = new ObjectMapper();
  private final List<JsonNode> webhookCalls = new CopyOnWriteArrayList<>();
  private final AtomicInteger webhookAttempts = new AtomicInteger();
  private HttpServer webhookServer;

  @Inject EmbeddedServer server;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> p = new LinkedHashMap<>(world.apiProperties());
    p.put("watcher.api.poll-interval", "300ms");
    p.put("watcher.api.max-images", "50");
    p.put("watcher.api.max-parallel-tasks", "3");
    p.put("watcher.api.webhook-backoff", "100ms");
    return p;
  }

  @AfterAll
  void close() {
    if (webhookServer != null) {
      webhookServer.stop(0);
    }
    world.close();
  }

  private NodeOdmClient node() {
    return new NodeOdmClient(server.getURI(), "");
  }

  @Test
  void pyOdmSessionFromInfoToDownloadAndRemove() throws Exception {
    String webhook = startWebhookReceiver();
    NodeOdmClient node = node();

    JsonNode info = node.get("/info");
    assertThat(info.path("version").isTextual()).isTrue();
    assertThat(info.path("version").asText()).isEqualTo("2.2.1");
    assertThat(info.path("taskQueueCount").isInt()).isTrue();
    assertThat(info.path("totalMemory").isIntegralNumber()).isTrue();
    assertThat(info.path("totalMemory").asLong()).isPositive();
    assertThat(info.path("availableMemory").isIntegralNumber()).isTrue();
    assertThat(info.path("cpuCores").asInt()).isPositive();
    assertThat(info.path("maxImages").asInt()).isEqualTo(50);
    assertThat(info.path("maxParallelTasks").asInt()).isEqualTo(3);
    assertThat(info.path("engine").asText()).isEqualTo("odm");
    assertThat(info.path("engineVersion").asText()).isEqualTo("3.6.0");

    String uuid = UUID.randomUUID().toString();
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("name", "Farm B");
    fields.put("options", "[{\"name\":\"dsm\",\"value\":true},{\"name\":\"orthophoto-resolution\",\"value\":\"2\"}]");
    fields.put("webhook", webhook);
    long before = System.currentTimeMillis();
    JsonNode init = node.postMultipart("/task/new/init", Map.of("set-uuid", uuid), fields, List.of());
    assertThat(init.path("uuid").asText()).isEqualTo(uuid);

    // pyODM: one file per request, several threads at once
    ExecutorService threads = Executors.newFixedThreadPool(4);
    List<Future<JsonNode>> uploads = new ArrayList<>();
    for (int i = 1; i <= 8; i++) {
      String file = String.format("DJI_%04d.JPG", i);
      uploads.add(threads.submit(() -> node.postMultipart("/task/new/upload/" + uuid, Map.of(), Map.of(),
          List.of(new NodeOdmClient.Part("images", file, jpeg(file.endsWith("8.JPG") ? 6_000_000 : 20_000))))));
    }
    for (Future<JsonNode> upload : uploads) {
      assertThat(upload.get().path("success").asBoolean()).as(upload.get().toString()).isTrue();
    }
    threads.shutdown();
    assertThat(node.postMultipart("/task/new/commit/" + uuid, Map.of(), Map.of(), List.of()).path("uuid").asText())
        .isEqualTo(uuid);

    JsonNode queued = node.get("/task/" + uuid + "/info");
    assertThat(queued.path("uuid").asText()).isEqualTo(uuid);
    assertThat(queued.path("name").asText()).isEqualTo("Farm B");
    assertThat(queued.path("dateCreated").isIntegralNumber()).isTrue();
    assertThat(queued.path("dateCreated").asLong()).isBetween(before - 1000, System.currentTimeMillis());
    // Its Workflow is accepted (Argo's controller is not even up): RUNNING, not QUEUED, as ODM's
    // split-merge client reads QUEUED as "node full" (opendm/remote.py execute_remote_task).
    assertThat(queued.path("processingTime").asLong()).isNotNegative();
    assertThat(queued.path("status").path("code").asInt()).isEqualTo(20);
    assertThat(queued.path("status").has("errorMessage")).isFalse();
    assertThat(queued.path("imagesCount").asInt()).isEqualTo(8);
    assertThat(queued.path("progress").asInt()).isZero();
    assertThat(queued.path("options").toString())
        .isEqualTo("[{\"name\":\"dsm\",\"value\":true},{\"name\":\"orthophoto-resolution\",\"value\":\"2\"}]");
    assertThat(queued.has("output")).isFalse();
    String folder = "api-tasks/" + uuid + "/";
    String jobId = world.status(folder).orElseThrow().path("jobId").asText();
    String workflow = world.workflowsFor(jobId).get(0).getMetadata().getName();

    // Argo's controller comes up: the task runs (ODM is a stand-in that writes placeholders).
    try (TestArgo argo = world.startArgo()) {
      argo.hold(folder, "process");
      await().atMost(Duration.ofSeconds(30)).until(() -> node.get("/task/" + uuid + "/info").path("status").path("code").asInt() == 20);
      // status.json's progress: the process step runs, its pod held before ODM starts (ODM's first stage, 5 %).
      await().atMost(Duration.ofSeconds(30)).until(() -> node.get("/task/" + uuid + "/info").path("progress").asInt() == 5);
      JsonNode running = node.get("/task/" + uuid + "/info");
      assertThat(running.path("processingTime").asLong()).isNotNegative();
      argo.release(folder, "process");
      await().atMost(Duration.ofSeconds(60)).until(() -> node.get("/task/" + uuid + "/info").path("status").path("code").asInt() == 40);
      assertThat(argo.awaitPhase(workflow, "Succeeded")).isNotNull();
    }
    JsonNode completed = node.get("/task/" + uuid + "/info?with_output=1");
    assertThat(completed.path("progress").asInt()).isEqualTo(100);
    assertThat(completed.path("processingTime").asLong()).isNotNegative();
    // WebODM's console: ODM's log as the Workflow uploaded it (results/odm.log), line by line.
    JsonNode log = node.get("/task/" + uuid + "/output");
    assertThat(log.get(0).asText()).startsWith("[INFO]    Initializing ODM (stand-in)");
    assertThat(log.toString()).contains("Loading 8 images", "Running opensfm stage");
    assertThat(completed.path("output").size()).isEqualTo(log.size() - 1);
    assertThat(node.get("/task/" + uuid + "/output?line=-1").toString()).isEqualTo("[\"[INFO]    ODM app finished - stand-in\"]");

    HttpResponse<byte[]> whole = node.download("/task/" + uuid + "/download/all.zip", null);
    assertThat(whole.statusCode()).isEqualTo(200);
    assertThat(whole.headers().firstValue("Accept-Ranges")).contains("bytes");
    assertThat(whole.headers().firstValueAsLong("Content-Length")).hasValue(whole.body().length);
    Map<String, byte[]> entries = unzip(whole.body());
    // As NodeODM's all.zip for these options: the DSM (dsm: true) with the orthophoto, point
    // cloud, textured model and report; ODM's intermediate files stay out.
    assertThat(entries.keySet())
        .contains("odm.log", "odm_orthophoto/odm_orthophoto.tif", "odm_dem/dsm.tif", "odm_report/report.pdf",
            "odm_georeferencing/odm_georeferenced_model.laz", "odm_texturing/odm_textured_model_geo.obj")
        .doesNotContain("odm_dem/dtm.tif", "opensfm/reconstruction.json");
    byte[] ortho = object(folder + "results/odm_orthophoto/odm_orthophoto.tif");
    byte[] dsm = object(folder + "results/odm_dem/dsm.tif");
    // the stand-in ODM's DSM: a real TIFF (big-endian, as the JDK writes it; a COG marked TEST DATA)
    assertThat(new String(dsm, 0, 4, StandardCharsets.ISO_8859_1)).isEqualTo("MM\0*");
    assertThat(new String(dsm, StandardCharsets.ISO_8859_1)).contains("TEST DATA");
    assertThat(entries.get("odm_orthophoto/odm_orthophoto.tif")).isEqualTo(ortho);
    assertThat(entries.get("odm_dem/dsm.tif")).isEqualTo(dsm);
    assertThat(node.download("/task/" + uuid + "/download/dsm.tif", null).body()).isEqualTo(dsm);

    int size = whole.body().length;
    HttpResponse<byte[]> middle = node.download("/task/" + uuid + "/download/all.zip", "bytes=1000-1999");
    assertThat(middle.statusCode()).isEqualTo(206);
    assertThat(middle.headers().firstValue("Content-Range")).contains("bytes 1000-1999/" + size);
    assertThat(middle.body()).isEqualTo(Arrays.copyOfRange(whole.body(), 1000, 2000));
    HttpResponse<byte[]> tail = node.download("/task/" + uuid + "/download/all.zip", "bytes=" + (size - 100) + "-");
    assertThat(tail.statusCode()).isEqualTo(206);
    assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(whole.body(), size - 100, size));
    // pyODM's parallel download: 10 MB chunks put back together
    HttpResponse<byte[]> first = node.download("/task/" + uuid + "/download/all.zip", "bytes=0-" + (size / 2));
    HttpResponse<byte[]> second = node.download("/task/" + uuid + "/download/all.zip", "bytes=" + (size / 2 + 1) + "-" + (size - 1));
    byte[] joined = new byte[size];
    System.arraycopy(first.body(), 0, joined, 0, first.body().length);
    System.arraycopy(second.body(), 0, joined, first.body().length, second.body().length);
    assertThat(joined).isEqualTo(whole.body());
    assertThat(node.download("/task/" + uuid + "/download/all.zip", "bytes=" + (size + 10) + "-").statusCode()).isEqualTo(416);
    assertThat(node.download("/task/" + uuid + "/download/orthophoto.tif", null).body()).isEqualTo(ortho);

    await().atMost(Duration.ofSeconds(20)).until(() -> !webhookCalls.isEmpty());
    assertThat(webhookAttempts.get()).isGreaterThanOrEqualTo(2); // the first answer was a 500
    assertThat(webhookCalls.get(0).path("uuid").asText()).isEqualTo(uuid);
    assertThat(webhookCalls.get(0).path("status").path("code").asInt()).isEqualTo(40);

    assertThat(node.postForm("/task/remove", Map.of("uuid", uuid)).path("success").asBoolean()).isTrue();
    assertThat(node.get("/task/" + uuid + "/info").path("error").asText()).isEqualTo(uuid + " not found");
    assertThat(world.s3.listObjectsV2(b -> b.bucket(world.bucket).prefix(folder)).contents()).isEmpty();
  }

  @Test
  void clusterOdmSeesFiguresItsOwnUuidAndTheTaskList() throws Exception {
    NodeOdmClient node = node();
    JsonNode info = node.get("/info");
    assertThat(info.fieldNames()).toIterable()
        .contains("version", "taskQueueCount", "totalMemory", "availableMemory", "cpuCores", "maxImages",
            "maxParallelTasks", "engine", "engineVersion");
    String uuid = UUID.randomUUID().toString();
    assertThat(node.postMultipart("/task/new/init", Map.of("set-uuid", uuid), Map.of("name", "from ClusterODM"), List.of())
        .path("uuid").asText()).isEqualTo(uuid);
    assertThat(node.postMultipart("/task/new/init", Map.of("set-uuid", uuid), Map.of(), List.of()).path("error").asText())
        .isEqualTo("Invalid set-uuid: " + uuid);
    assertThat(node.postMultipart("/task/new/init", Map.of("set-uuid", "../../etc"), Map.of(), List.of()).path("error").asText())
        .isEqualTo("Invalid set-uuid: ../../etc");
    JsonNode list = node.get("/task/list");
    assertThat(list.isArray()).isTrue();
    assertThat(list.findValuesAsText("uuid")).contains(uuid);

    // the queue count follows the tasks that are queued or running
    node.postMultipart("/task/new/upload/" + uuid, Map.of(), Map.of(), List.of(new NodeOdmClient.Part("images", "a.jpg", jpeg(100))));
    node.postMultipart("/task/new/commit/" + uuid, Map.of(), Map.of(), List.of());
    await().atMost(Duration.ofSeconds(10)).until(() -> node.get("/info").path("taskQueueCount").asInt() >= 1);
  }

  @Test
  void everyErrorIsHttp200WithAnErrorField() throws Exception {
    NodeOdmClient node = node();
    String unknown = UUID.randomUUID().toString();
    assertThat(node.get("/task/" + unknown + "/info").path("error").asText()).isEqualTo(unknown + " not found");
    assertThat(node.get("/task/" + unknown + "/output").path("error").asText()).isEqualTo(unknown + " not found");
    assertThat(node.download("/task/" + unknown + "/download/all.zip", null).statusCode()).isEqualTo(200);
    JsonNode upload = node.postMultipart("/task/new/upload/" + unknown, Map.of(), Map.of(),
        List.of(new NodeOdmClient.Part("images", "a.jpg", jpeg(10))));
    assertThat(upload.path("error").asText()).isEqualTo("Invalid uuid (not found)");
    assertThat(upload.path("noRetry").asBoolean()).isTrue();
    assertThat(node.postForm("/task/cancel", Map.of("uuid", unknown)).path("error").asText()).isEqualTo(unknown + " not found");
    assertThat(node.postForm("/task/remove", Map.of()).path("error").asText()).isEqualTo("uuid param missing.");

    JsonNode notJson = node.postMultipart("/task/new/init", Map.of(), Map.of("options", "{dsm: yes"), List.of());
    assertThat(notJson.path("error").asText()).startsWith("Invalid options: not JSON");
    JsonNode unknownOption = node.postMultipart("/task/new/init", Map.of(),
        Map.of("options", "[{\"name\":\"orthophoto-resolutoin\",\"value\":2},{\"name\":\"dsm\",\"value\":\"yes\"}]"), List.of());
    JsonNode reasons = json.readTree(unknownOption.path("error").asText());
    assertThat(reasons.findValuesAsText("name")).containsExactly("orthophoto-resolutoin", "dsm");
    assertThat(reasons.get(0).path("error").asText()).contains("unknown option");

    String uuid = node.postMultipart("/task/new/init", Map.of(), Map.of(), List.of()).path("uuid").asText();
    assertThat(node.postMultipart("/task/new/commit/" + uuid, Map.of(), Map.of(), List.of()).path("error").asText())
        .isEqualTo("Need at least 1 file.");
    JsonNode noFiles = node.postMultipart("/task/new/upload/" + uuid, Map.of(), Map.of("other", "x"), List.of());
    assertThat(noFiles.path("error").asText()).isEqualTo("Need at least 1 file.");
    assertThat(noFiles.path("noRetry").asBoolean()).isTrue();
    assertThat(node.download("/task/" + uuid + "/download/all.zip", null).body())
        .asString(StandardCharsets.UTF_8).contains("\"error\":\"Asset not ready\"");
    assertThat(node.download("/task/" + uuid + "/download/secrets.txt", null).body())
        .asString(StandardCharsets.UTF_8).contains("\"error\":\"Invalid asset\"");
    assertThat(node.postForm("/task/restart", Map.of("uuid", uuid)).path("error").asText()).isEqualTo("Task cannot be restarted");
  }

  @Test
  void uploadBrokenOffMidFileLeavesNothingThatCountsAsAnImage() throws Exception {
    NodeOdmClient node = node();
    String uuid = node.postMultipart("/task/new/init", Map.of(), Map.of(), List.of()).path("uuid").asText();
    node.postMultipart("/task/new/upload/" + uuid, Map.of(), Map.of(), List.of(new NodeOdmClient.Part("images", "whole.jpg", jpeg(1000))));

    for (int size : new int[] {200_000, 7_000_000}) { // one S3 PUT, and a multipart upload
      String boundary = "----broken" + size;
      byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"images\"; filename=\"broken-" + size
          + ".jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").getBytes(StandardCharsets.UTF_8);
      try (Socket socket = new Socket(server.getHost(), server.getPort())) {
        OutputStream out = socket.getOutputStream();
        out.write(("POST /task/new/upload/" + uuid + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary="
            + boundary + "\r\nContent-Length: " + (head.length + size + 100) + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.write(head);
        out.write(random(size / 2)); // half the file, then the connection drops
        out.flush();
      }
    }
    String folder = "api-tasks/" + uuid + "/";
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() ->
        world.s3.listObjectsV2(b -> b.bucket(world.bucket).prefix(folder)).contents().stream()
            .noneMatch(o -> o.key().contains("broken")));
    assertThat(node.get("/task/" + uuid + "/info").path("imagesCount").asInt()).isEqualTo(1);
  }

  @Test
  void cancelThenRestartWithNewOptionsRunsANewJobUnderTheSameUuid() throws Exception {
    NodeOdmClient node = node();
    String uuid = node.postMultipart("/task/new/init", Map.of(), Map.of("options", "[{\"name\":\"fast-orthophoto\",\"value\":true}]"), List.of())
        .path("uuid").asText();
    node.postMultipart("/task/new/upload/" + uuid, Map.of(), Map.of(),
        List.of(new NodeOdmClient.Part("images", "1.jpg", jpeg(10)), new NodeOdmClient.Part("images", "2.jpg", jpeg(10))));
    node.postMultipart("/task/new/commit/" + uuid, Map.of(), Map.of(), List.of());
    String folder = "api-tasks/" + uuid + "/";
    String firstJob = world.status(folder).orElseThrow().path("jobId").asText();

    assertThat(node.postForm("/task/cancel", Map.of("uuid", uuid)).path("success").asBoolean()).isTrue();
    assertThat(node.get("/task/" + uuid + "/info").path("status").path("code").asInt()).isEqualTo(50);
    assertThat(node.postForm("/task/cancel", Map.of("uuid", uuid)).path("error").asText()).isEqualTo("Task already cancelled");

    JsonNode restarted = node.postForm("/task/restart", Map.of("uuid", uuid, "options", "[{\"name\":\"dsm\",\"value\":true}]"));
    assertThat(restarted.path("success").asBoolean()).as(restarted.toString()).isTrue();
    JsonNode info = node.get("/task/" + uuid + "/info");
    assertThat(info.path("status").path("code").asInt()).isEqualTo(20); // the new job's Workflow is accepted
    assertThat(info.path("options").toString()).isEqualTo("[{\"name\":\"dsm\",\"value\":true}]");
    String secondJob = world.status(folder).orElseThrow().path("jobId").asText();
    assertThat(secondJob).isNotEqualTo(firstJob);
    assertThat(world.workflowsFor(secondJob)).hasSize(1);
  }

  @Test
  void cancelThroughTheApiStopsTheWorkflowReleasesItsVolumeAndEndsCanceled() throws Exception {
    NodeOdmClient node = node();
    String uuid = node.postMultipart("/task/new/init", Map.of(), Map.of(), List.of()).path("uuid").asText();
    node.postMultipart("/task/new/upload/" + uuid, Map.of(), Map.of(),
        List.of(new NodeOdmClient.Part("images", "1.jpg", jpeg(10)), new NodeOdmClient.Part("images", "2.jpg", jpeg(10))));
    String folder = "api-tasks/" + uuid + "/";
    try (TestArgo argo = world.startArgo()) {
      argo.hold(folder, "process");
      node.postMultipart("/task/new/commit/" + uuid, Map.of(), Map.of(), List.of());
      // The process step runs, its pod held before ODM starts: ODM's first stage.
      await().atMost(Duration.ofSeconds(30)).until(() -> "dataset".equals(world.status(folder).orElseThrow().path("stage").asText()));
      String workflow = world.workflowsFor(world.status(folder).orElseThrow().path("jobId").asText()).get(0).getMetadata().getName();
      assertThat(world.volumeClaims()).contains(workflow + "-workspace");

      assertThat(node.postForm("/task/cancel", Map.of("uuid", uuid)).path("success").asBoolean()).isTrue();

      Map<String, Object> status = argo.awaitStatus(workflow, s -> s.get("finishedAt") != null);
      assertThat(status.get("message")).isEqualTo("Stopped with strategy 'Stop'");
      assertThat(world.volumeClaims()).doesNotContain(workflow + "-workspace");
      await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4))
          .until(() -> world.status(folder).orElseThrow().path("state").asText().equals("canceled"));
      assertThat(node.get("/task/" + uuid + "/info").path("status").path("code").asInt()).isEqualTo(50);
    }
  }

  /**
   * WebODM's console: while ODM runs, the task output is the process pod's log read through the
   * Kubernetes API (the fabric8 mock serves the log the test Argo's pod wrote, as the kubelet does);
   * once the job ended, the uploaded results/odm.log. status.json's logTail shows the same lines.
   */
  @Test
  void taskOutputIsOdmsConsoleFromThePodLogWhileItRunsAndFromTheUploadedLogAfter() throws Exception {
    NodeOdmClient node = node();
    String uuid = node.postMultipart("/task/new/init", Map.of(), Map.of(), List.of()).path("uuid").asText();
    node.postMultipart("/task/new/upload/" + uuid, Map.of(), Map.of(),
        List.of(new NodeOdmClient.Part("images", "1.jpg", jpeg(10)), new NodeOdmClient.Part("images", "2.jpg", jpeg(10))));
    String folder = "api-tasks/" + uuid + "/";
    try (TestArgo argo = world.startArgo()) {
      argo.pauseOdm(folder); // the stand-in ODM stays in its opensfm stage
      node.postMultipart("/task/new/commit/" + uuid, Map.of(), Map.of(), List.of());
      await().atMost(Duration.ofSeconds(30)).until(() -> node.get("/task/" + uuid + "/output").toString().contains("Running opensfm stage"));
      JsonNode running = node.get("/task/" + uuid + "/output");
      // The pod's log: the process program's own lines ("running: [...]") and ODM's.
      assertThat(running.toString()).contains("running: [", "Initializing ODM (stand-in)", "Loading 2 images")
          .doesNotContain("ODM app finished");
      assertThat(node.get("/task/" + uuid + "/info").path("status").path("code").asInt()).isEqualTo(20);
      // NodeODM's ?line=: from that line on; negative, the last lines.
      JsonNode fromTwo = node.get("/task/" + uuid + "/output?line=2");
      assertThat(fromTwo.size()).isEqualTo(running.size() - 2);
      assertThat(fromTwo.get(0).asText()).isEqualTo(running.get(2).asText());
      assertThat(node.get("/task/" + uuid + "/output?line=-1").get(0).asText()).contains("Running opensfm stage");
      await().atMost(Duration.ofSeconds(30)).until(() ->
          world.status(folder).orElseThrow().path("logTail").toString().contains("Running opensfm stage"));

      argo.resumeOdm(folder);
      await().atMost(Duration.ofSeconds(60)).until(() -> node.get("/task/" + uuid + "/info").path("status").path("code").asInt() == 40);
    }
    JsonNode after = node.get("/task/" + uuid + "/output");
    assertThat(after.get(0).asText()).startsWith("[INFO]    Initializing ODM (stand-in)"); // odm.log: ODM's lines only
    assertThat(after.get(after.size() - 1).asText()).isEqualTo("[INFO]    ODM app finished - stand-in");
    assertThat(world.status(folder).orElseThrow().path("logTail").toString()).contains("Running opensfm stage");
  }

  @Test
  void singleRequestTaskNewTakesFieldsAndImages() throws Exception {
    NodeOdmClient node = node();
    JsonNode created = node.postMultipart("/task/new", Map.of(), Map.of("name", "one shot", "options", "[]"),
        List.of(new NodeOdmClient.Part("images", "1.jpg", jpeg(10)), new NodeOdmClient.Part("images", "2.jpg", jpeg(10))));
    String uuid = created.path("uuid").asText();
    assertThat(uuid).as(created.toString()).isNotEmpty();
    JsonNode info = node.get("/task/" + uuid + "/info");
    assertThat(info.path("imagesCount").asInt()).isEqualTo(2);
    assertThat(info.path("name").asText()).isEqualTo("one shot");
    assertThat(node.postMultipart("/task/new", Map.of(), Map.of("zipurl", "http://example.invalid/a.zip"), List.of())
        .path("error").asText()).contains("zipurl");
  }

  @Test
  void optionsAreTheCatalogueInNodeOdmShape() throws Exception {
    JsonNode options = node().get("/options");
    assertThat(options.size()).isGreaterThan(50);
    for (JsonNode option : options) {
      assertThat(option.path("name").isTextual()).isTrue();
      assertThat(option.path("type").asText()).isIn("int", "float", "string", "bool", "enum");
      assertThat(option.path("value").isTextual()).as(option.toString()).isTrue();
      assertThat(option.path("help").isTextual()).isTrue();
      assertThat(option.has("domain")).isTrue();
    }
  }

  private String startWebhookReceiver() throws IOException {
    webhookServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    webhookServer.createContext("/hook", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      int attempt = webhookAttempts.incrementAndGet();
      if (attempt == 1) {
        exchange.sendResponseHeaders(500, -1);
      } else {
        webhookCalls.add(json.readTree(body));
        exchange.sendResponseHeaders(200, -1);
      }
      exchange.close();
    });
    webhookServer.start();
    return "http://127.0.0.1:" + webhookServer.getAddress().getPort() + "/hook";
  }

  private byte[] object(String key) {
    return world.s3.getObjectAsBytes(b -> b.bucket(world.bucket).key(key)).asByteArray();
  }

  private void put(String key, byte[] bytes) {
    world.s3.putObject(b -> b.bucket(world.bucket).key(key), RequestBody.fromBytes(bytes));
  }

  private static byte[] jpeg(int size) {
    byte[] bytes = random(size);
    bytes[0] = (byte) 0xFF;
    bytes[1] = (byte) 0xD8;
    return bytes;
  }

  private static byte[] random(int size) {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    return bytes;
  }

  private static Map<String, byte[]> unzip(byte[] zip) throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        entries.put(e.getName(), in.readAllBytes());
      }
    }
    return entries;
  }


}
