package org.odmwatcher.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odmwatcher.local.LocalMode;

/**
 * The one-machine default as WebODM meets it: a task's console ({@code /task/{uuid}/output}) shows
 * ODM's lines while ODM runs, as NodeODM's does, not only once the job has ended. The test engine
 * replays a recorded ODM log at a pace that keeps the job running for a while.
 */
class LocalConsoleTest {
  @Test
  void aLocalTasksOutputGrowsWithOdmsLinesWhileItRunsAndIsTheWholeLogAfter(@TempDir Path data) throws Exception {
    Map<String, String> props = Map.of(
        "watcher.local.status-interval", "100ms",
        "watcher.local.manifest-check", "300ms",
        "watcher.local.test-pace", "100ms");
    // local mode's embedded S3 knows no IAM: the key the IAM contract lists as nobody's (local-test)
    try (LocalMode mode = LocalMode.start(
        new LocalMode.Settings(data, "127.0.0.1", 0, "local-test", "local-test-secret", "odm", "test", "500ms", props))) {
      NodeOdmClient node = new NodeOdmClient(URI.create(mode.httpUrl()), "");
      JsonNode created = node.postMultipart("/task/new", Map.of(), Map.of("name", "console", "options", "[]"),
          List.of(new NodeOdmClient.Part("images", "1.jpg", jpeg()), new NodeOdmClient.Part("images", "2.jpg", jpeg())));
      String uuid = created.path("uuid").asText();
      assertThat(uuid).as(created.toString()).isNotEmpty();

      List<String> early = new ArrayList<>();
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
        early.clear();
        node.get("/task/" + uuid + "/output").forEach(l -> early.add(l.asText()));
        return early.stream().anyMatch(l -> l.contains("Running opensfm stage"));
      });
      JsonNode info = node.get("/task/" + uuid + "/info");
      assertThat(info.path("status").path("code").asInt()).as("still running: " + info).isEqualTo(20);
      assertThat(early.get(0)).contains("engine: test");

      List<String> later = new ArrayList<>();
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
        later.clear();
        node.get("/task/" + uuid + "/output").forEach(l -> later.add(l.asText()));
        return later.size() > early.size();
      });
      assertThat(later.subList(0, early.size())).as("the console only grows").isEqualTo(early);
      List<String> fromLine = new ArrayList<>();
      node.get("/task/" + uuid + "/output?line=" + early.size()).forEach(l -> fromLine.add(l.asText()));
      assertThat(fromLine).as("NodeODM's ?line= while it runs: the lines after those already seen")
          .startsWith(later.subList(early.size(), later.size()).toArray(String[]::new));

      await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
          .until(() -> node.get("/task/" + uuid + "/info").path("status").path("code").asInt() == 40);
      List<String> done = new ArrayList<>();
      node.get("/task/" + uuid + "/output").forEach(l -> done.add(l.asText()));
      assertThat(done.subList(0, early.size())).as("the uploaded odm.log starts with what the console showed").isEqualTo(early);
      assertThat(done).anyMatch(l -> l.contains("wrote test outputs"));
    }
  }

  private static byte[] jpeg() {
    byte[] bytes = new byte[64];
    bytes[0] = (byte) 0xFF;
    bytes[1] = (byte) 0xD8;
    return bytes;
  }
}
