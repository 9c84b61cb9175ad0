package org.odmwatcher.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odmwatcher.status.JobState;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.StatusCodec;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * A {@code status.json} is written by whoever can write the bucket, so its {@code outputs} are
 * not trusted: the dashboard lists and serves only keys inside the folder's results, never one
 * that climbs into another folder (issue 22, row 4: reproduced on this embedded store, which
 * resolves {@code ..} in keys).
 */
class LocalModeOutputKeysTest {
  private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void outputKeysLeavingTheFolderResultsAreNeitherListedNorServed(@TempDir Path data) throws Exception {
    try (LocalWorld world = LocalWorld.start(data, "test", Map.of("watcher.dashboard.resync", "300ms"))) {
      String url = world.mode.httpUrl();
      world.put("victim/secret.txt", "the victim's secret");
      world.put("pilot/results/report.txt", "pilot report");
      List<String> forged = List.of("../victim/secret.txt", "results/../../victim/secret.txt", "results//x",
          "results/./report.txt", "odm.json");
      JobStatus status = JobStatus.of("pilot", "e", "pilot", JobState.SUCCEEDED, "done", Instant.now())
          .withOutputs(Stream.concat(forged.stream(), Stream.of("results/report.txt")).toList());
      world.s3.putObject(b -> b.bucket(LocalWorld.BUCKET).key("pilot/status.json"),
          RequestBody.fromBytes(new StatusCodec().encode(status)));

      JsonNode job = await().atMost(Duration.ofSeconds(20))
          .until(() -> json.readTree(get(url + "job?bucket=odm&folder=pilot/").body()), j -> j.has("status"));

      for (String key : forged) {
        HttpResponse<String> answer = get(url + "job/output?bucket=odm&folder=pilot/&key=" + URLEncoder.encode(key, StandardCharsets.UTF_8));
        assertThat(answer.statusCode()).as("GET /job/output key=%s answered %s", key, answer.body()).isEqualTo(404);
        assertThat(answer.body()).doesNotContain("the victim's secret");
      }
      assertThat(job.path("status").path("outputs").toString())
          .as("outputs the dashboard lists for pilot/").isEqualTo("[\"results/report.txt\"]");
      HttpResponse<String> report = get(url + "job/output?bucket=odm&folder=pilot/&key=results/report.txt");
      assertThat(report.statusCode()).isEqualTo(200);
      assertThat(report.body()).isEqualTo("pilot report");
    }
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
