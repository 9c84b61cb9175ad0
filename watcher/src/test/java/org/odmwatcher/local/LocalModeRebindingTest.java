package org.odmwatcher.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odmwatcher.testing.RawHttp;

/**
 * Issue 22, row 1: local mode's HTTP port (dashboard and NodeODM API, open without a token on
 * loopback) against a DNS-rebinding page ({@code rebind.attacker.example} resolving to 127.0.0.1:
 * the browser sends that name as {@code Host}, and its own origin as {@code Origin}) and against
 * cross-site form posts from any page. The exact requests of the review, on the real server.
 */
class LocalModeRebindingTest {
  private static final String REBOUND = "rebind.attacker.example:3100";
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void aReboundHostNameIsRefusedAndCrossSiteWritesAreRefusedWhileLoopbackCallsWork(@TempDir Path data) throws Exception {
    try (LocalWorld world = LocalWorld.start(data, "test",
        Map.of("watcher.local.test-pace", "5ms", "watcher.http.allowed-hosts", "odm.lan"))) {
      URI server = URI.create(world.mode.httpUrl());
      String own = server.getHost() + ":" + server.getPort();

      // the user's own calls (WebODM, pyODM, the dashboard's page) work as before
      JsonNode created = json.readTree(newTask(server, Map.of("Host", own)).body());
      String uuid = created.path("uuid").asText();
      assertThat(uuid).as(created.toString()).isNotEmpty();
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
          .until(() -> json.readTree(RawHttp.get(server, "/task/" + uuid + "/info", Map.of("Host", own)).body())
              .path("status").path("code").asInt() == 40);
      String folder = "api-tasks/" + uuid + "/";
      JsonNode job = json.readTree(RawHttp.get(server, "/job?bucket=" + LocalWorld.BUCKET + "&folder=" + folder,
          Map.of("Host", "localhost:" + server.getPort())).body());
      String output = job.path("status").path("outputs").get(0).asText();
      String outputPath = "/job/output?bucket=" + LocalWorld.BUCKET + "&folder=" + folder + "&key=" + output;
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> RawHttp.get(server, "/task/" + uuid + "/download/all.zip", Map.of("Host", own)).status() == 200);

      // a page on a rebound name reads nothing
      for (String path : List.of("/task/list", "/jobs", "/info", "/task/" + uuid + "/download/all.zip", outputPath)) {
        RawHttp.Answer answer = RawHttp.get(server, path, Map.of("Host", REBOUND));
        assertThat(answer.status()).as("GET " + path + " with Host " + REBOUND + ": " + answer.body()).isEqualTo(421);
        assertThat(answer.body()).doesNotContain(uuid);
      }
      // ... and writes nothing, its Origin being its own rebound name
      Map<String, String> rebound = Map.of("Host", REBOUND, "Origin", "http://" + REBOUND);
      RawHttp.Answer create = newTask(server, rebound);
      assertThat(create.status()).as("POST /task/new from the rebound page: " + create.body()).isEqualTo(421);
      RawHttp.Answer remove = removeTask(server, uuid, rebound);
      assertThat(remove.status()).as("POST /task/remove from the rebound page: " + remove.body()).isEqualTo(421);

      // a page of any other site posting a form to the right address (no preflight for forms)
      RawHttp.Answer crossSite = removeTask(server, uuid, Map.of("Host", own, "Origin", "https://attacker.example"));
      assertThat(crossSite.status()).as("cross-site form post: " + crossSite.body()).isEqualTo(403);
      RawHttp.Answer fetchMetadata = removeTask(server, uuid, Map.of("Host", own, "Sec-Fetch-Site", "cross-site"));
      assertThat(fetchMetadata.status()).as("cross-site post without Origin: " + fetchMetadata.body()).isEqualTo(403);
      RawHttp.Answer nullOrigin = removeTask(server, uuid, Map.of("Host", own, "Origin", "null"));
      assertThat(nullOrigin.status()).as("post from a sandboxed page: " + nullOrigin.body()).isEqualTo(403);
      assertThat(RawHttp.get(server, "/task/list", Map.of("Host", own)).body()).as("the task survives").contains(uuid);

      // the same calls from the user's own page and tools still work
      assertThat(RawHttp.get(server, "/info", Map.of("Host", "[::1]:" + server.getPort())).status()).isEqualTo(200);
      assertThat(RawHttp.get(server, "/info", Map.of("Host", "odm.lan:" + server.getPort())).status())
          .as("a name given with local --allowed-host").isEqualTo(200);
      assertThat(RawHttp.get(server, "/info", Map.of("Host", "host.docker.internal:" + server.getPort())).status())
          .as("WebODM in a container on this machine").isEqualTo(200);
      assertThat(RawHttp.get(server, "/jobs", Map.of("Host", "localhost:" + server.getPort())).body()).contains(folder);
      RawHttp.Answer sameOrigin = removeTask(server, uuid,
          Map.of("Host", own, "Origin", "http://" + own, "Sec-Fetch-Site", "same-origin"));
      assertThat(sameOrigin.status()).isEqualTo(200);
      assertThat(sameOrigin.body()).contains("\"success\":true");
      assertThat(RawHttp.get(server, "/task/list", Map.of("Host", own)).body()).doesNotContain(uuid);
    }
  }

  private static RawHttp.Answer newTask(URI server, Map<String, String> headers) throws Exception {
    String boundary = "----page";
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nrebind\r\n")
        .getBytes(StandardCharsets.UTF_8));
    for (String image : List.of("1.jpg", "2.jpg")) {
      body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"images\"; filename=\"" + image
          + "\"\r\nContent-Type: image/jpeg\r\n\r\n").getBytes(StandardCharsets.UTF_8));
      body.writeBytes(jpeg());
      body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
    }
    body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    Map<String, String> all = new LinkedHashMap<>(headers);
    all.put("Content-Type", "multipart/form-data; boundary=" + boundary);
    return RawHttp.send(server, "POST", "/task/new", all, body.toByteArray());
  }

  private static RawHttp.Answer removeTask(URI server, String uuid, Map<String, String> headers) throws Exception {
    Map<String, String> all = new LinkedHashMap<>(headers);
    all.put("Content-Type", "application/x-www-form-urlencoded");
    return RawHttp.send(server, "POST", "/task/remove", all, ("uuid=" + uuid).getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] jpeg() {
    byte[] bytes = new byte[64];
    bytes[0] = (byte) 0xFF;
    bytes[1] = (byte) 0xD8;
    return bytes;
  }
}
