package org.odmwatcher.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.odmwatcher.status.JobState;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.StatusCodec;
import org.odmwatcher.testing.PipelineFixture;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The feed without a browser: statuses already in the bucket when the watcher starts are listed
 * (seeded from one listing), a later resync drops a deleted folder and picks up a status another
 * process wrote, unchanged lists answer 304, and outputs stream through the watcher when asked.
 */
class DashboardFeedTest {
  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void statusesWrittenBeforeStartAndByOtherProcessesAreListedAndOutputsStream() throws Exception {
    try (PipelineFixture world = new PipelineFixture("feed")) {
      StatusCodec codec = new StatusCodec();
      Instant now = Instant.now();
      put(world, codec, "old/a/", JobStatus.of("a", "e", "A", JobState.RUNNING, "running", now).withProgress("opensfm", 10));
      put(world, codec, "old/b/", JobStatus.of("b", "e", "B", JobState.SUCCEEDED, "done", now)
          .withOutputs(List.of("results/report.txt")));
      world.s3.putObject(r -> r.bucket(world.bucket).key("old/b/results/report.txt").contentType("text/plain"),
          RequestBody.fromString("report"));
      world.s3.putObject(r -> r.bucket(world.bucket).key("old/b/results/secret.txt"), RequestBody.fromString("not listed"));

      Map<String, Object> props = new HashMap<>(world.properties());
      props.put("watcher.sqs.enabled", "false");
      props.put("watcher.argo.watch", "false");
      props.put("watcher.dashboard.buckets", world.bucket);
      props.put("watcher.dashboard.resync", "500ms");
      props.put("watcher.dashboard.downloads", "stream");
      EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, props);
      try (ApplicationContext app = server.getApplicationContext()) {
        String base = "http://localhost:" + server.getPort() + "/";
        JsonNode first = await().atMost(Duration.ofSeconds(20))
            .until(() -> getJson(base + "jobs?sort=folder&order=asc"), j -> j.path("complete").asBoolean());
        assertThat(first.path("total").asInt()).isEqualTo(2);
        assertThat(first.path("checked").asBoolean()).as("no summary object yet: complete only once listed").isTrue();
        assertThat(first.has("asOf")).isFalse();
        assertThat(first.path("jobs").get(0).path("stage").asText()).isEqualTo("opensfm");
        assertThat(first.path("counts").path("succeeded").asInt()).isEqualTo(1);

        HttpResponse<String> page = get(base + "jobs?sort=folder&order=asc", Map.of());
        String eTag = page.headers().firstValue("ETag").orElseThrow();
        assertThat(get(base + "jobs?sort=folder&order=asc", Map.of("If-None-Match", eTag)).statusCode()).isEqualTo(304);

        HttpResponse<String> report = get(base + "job/output?bucket=" + world.bucket + "&folder=old/b/&key=results/report.txt", Map.of());
        assertThat(report.statusCode()).isEqualTo(200);
        assertThat(report.body()).isEqualTo("report");
        assertThat(report.headers().firstValue("Content-Disposition").orElse("")).contains("report.txt");
        assertThat(get(base + "job/output?bucket=" + world.bucket + "&folder=old/b/&key=results/secret.txt", Map.of()).statusCode())
            .isEqualTo(404);
        assertThat(get(base + "job/output?bucket=" + world.bucket + "&folder=old/b/&key=../../x", Map.of()).statusCode())
            .isEqualTo(404);

        // another process (the Workflow's exit handler) finishes a, and someone deletes b
        put(world, codec, "old/a/", JobStatus.of("a", "e", "A", JobState.FAILED, "exit code 137", Instant.now()));
        world.s3.deleteObject(r -> r.bucket(world.bucket).key("old/b/status.json"));
        JsonNode later = await().atMost(Duration.ofSeconds(20))
            .until(() -> getJson(base + "jobs"), j -> j.path("total").asInt() == 1
                && j.path("jobs").get(0).path("state").asText().equals("failed"));
        assertThat(later.path("jobs").get(0).path("folder").asText()).isEqualTo("old/a/");
        JsonNode one = getJson(base + "job?bucket=" + world.bucket + "&folder=old/a/");
        assertThat(one.path("status").path("message").asText()).isEqualTo("exit code 137");
      }
    }
  }

  /**
   * A MinIO webhook deployment names its buckets once, in {@code watcher.minio.buckets}: the
   * dashboard lists the jobs already there after a restart or rollout without a second setting.
   */
  @Test
  void theWebhooksBucketsAreSeededWithoutTheirOwnDashboardSetting() throws Exception {
    try (PipelineFixture world = new PipelineFixture("feed-minio")) {
      put(world, new StatusCodec(), "before-start/", JobStatus.of("m", "e", "M", JobState.SUCCEEDED, "done", Instant.now()));

      Map<String, Object> props = new HashMap<>(world.properties());
      props.put("watcher.sqs.enabled", "false");
      props.put("watcher.argo.watch", "false");
      props.put("watcher.minio.enabled", "true");
      props.put("watcher.minio.token", "a-webhook-token-of-some-length");
      props.put("watcher.minio.buckets", world.bucket);
      EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, props);
      try (ApplicationContext app = server.getApplicationContext()) {
        String base = "http://localhost:" + server.getPort() + "/";
        JsonNode listed = await().atMost(Duration.ofSeconds(20))
            .until(() -> getJson(base + "jobs"), j -> j.path("complete").asBoolean());
        assertThat(listed.path("jobs").findValuesAsText("folder"))
            .as("jobs of watcher.minio.buckets after a start").containsExactly("before-start/");
      }
    }
  }

  private static void put(PipelineFixture world, StatusCodec codec, String folder, JobStatus status) {
    world.s3.putObject(r -> r.bucket(world.bucket).key(folder + "status.json"), RequestBody.fromBytes(codec.encode(status)));
  }

  private JsonNode getJson(String url) throws Exception {
    return json.readTree(get(url, Map.of()).body());
  }

  private HttpResponse<String> get(String url, Map<String, String> headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
    headers.forEach(request::header);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
