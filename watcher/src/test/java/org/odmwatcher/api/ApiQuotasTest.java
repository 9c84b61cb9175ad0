package org.odmwatcher.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.testing.PipelineFixture;

/**
 * Issue 22 row 8: one token cannot exhaust the API. Tasks are capped ({@code watcher.api.max-tasks}),
 * a request refused for want of an upload slot writes nothing, and finished tasks are deleted after
 * {@code watcher.api.cleanup-tasks-after} (NodeODM's {@code cleanup_tasks_after}). Over real HTTP.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiQuotasTest implements TestPropertyProvider {
  private static final String TOKEN = "quota-token";
  private static final int MAX_TASKS = 4;
  private final PipelineFixture world = new PipelineFixture("api-quotas");
  private final List<Socket> stalled = new ArrayList<>();

  @Inject EmbeddedServer server;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> p = new LinkedHashMap<>(world.apiProperties());
    p.put("watcher.api.allow-anonymous", "false");
    p.put("watcher.api.token", TOKEN);
    p.put("watcher.api.max-tasks", Integer.toString(MAX_TASKS));
    p.put("watcher.api.max-concurrent-uploads", "1");
    p.put("watcher.api.cleanup-tasks-after", "1s");
    p.put("watcher.api.poll-interval", "200ms");
    p.put("watcher.api.view-expiry", "0s");
    return p;
  }

  @AfterAll
  void close() throws Exception {
    for (Socket socket : stalled) {
      socket.close();
    }
    world.close();
  }

  @Test
  void initIsRefusedAboveTheTaskQuota() throws Exception {
    NodeOdmClient node = new NodeOdmClient(server.getURI(), TOKEN);
    List<String> made = new ArrayList<>();
    while (node.get("/task/list").size() < MAX_TASKS) {
      String uuid = node.postMultipart("/task/new/init", Map.of(), Map.of("name", "quota"), List.of()).path("uuid").asText();
      assertThat(uuid).isNotBlank();
      made.add(uuid);
    }
    Set<String> before = keys("api-tasks/");
    JsonNode refused = node.postMultipart("/task/new/init", Map.of(), Map.of("name", "one too many"), List.of());
    assertThat(refused.path("error").asText()).as(refused.toString()).contains("watcher.api.max-tasks");
    assertThat(keys("api-tasks/")).isEqualTo(before);
    for (String uuid : made) {
      assertThat(node.postForm("/task/remove", Map.of("uuid", uuid)).path("success").asBoolean()).isTrue();
    }
  }

  @Test
  void aSingleRequestTaskRefusedForWantOfAnUploadSlotWritesNothing() throws Exception {
    NodeOdmClient node = new NodeOdmClient(server.getURI(), TOKEN);
    String holder = node.postMultipart("/task/new/init", Map.of(), Map.of("name", "holds the slot"), List.of()).path("uuid").asText();
    // The one upload slot: an upload that sent its headers and 1 KB, then stalls.
    String boundary = "----stall";
    byte[] head = ("POST /task/new/upload/" + holder + "?token=" + TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Content-Type: multipart/form-data; boundary=" + boundary + "\r\nContent-Length: 104857600\r\n\r\n"
        + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"images\"; filename=\"stall.jpg\"\r\n"
        + "Content-Type: image/jpeg\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    Socket socket = new Socket(server.getHost(), server.getPort());
    socket.getOutputStream().write(head);
    socket.getOutputStream().write(new byte[1024]);
    socket.getOutputStream().flush();
    stalled.add(socket);
    java.util.concurrent.atomic.AtomicReference<JsonNode> probe = new java.util.concurrent.atomic.AtomicReference<>();
    await().atMost(Duration.ofSeconds(20)).failFast(() -> probe.get() != null && probe.get().path("success").asBoolean())
        .until(() -> {
          probe.set(node.postMultipart("/task/new/upload/" + holder, Map.of(), Map.of(),
              List.of(new NodeOdmClient.Part("images", "probe.jpg", new byte[] {(byte) 0xFF, (byte) 0xD8}))));
          return probe.get().path("error").asText().contains("max-concurrent-uploads");
        });

    Set<String> before = keys("api-tasks/");
    JsonNode refused = node.postMultipart("/task/new", Map.of(), Map.of("name", "no slot"),
        List.of(new NodeOdmClient.Part("images", "a.jpg", new byte[] {(byte) 0xFF, (byte) 0xD8})));
    assertThat(refused.path("error").asText()).as(refused.toString()).contains("max-concurrent-uploads");
    assertThat(keys("api-tasks/")).as("nothing written for the refused task").isEqualTo(before);
    socket.close();
    assertThat(node.postForm("/task/remove", Map.of("uuid", holder)).path("success").asBoolean()).isTrue();
  }

  @Test
  void aFinishedTaskIsDeletedAfterCleanupTasksAfter() throws Exception {
    NodeOdmClient node = new NodeOdmClient(server.getURI(), TOKEN);
    String uuid = node.postMultipart("/task/new/init", Map.of(), Map.of("name", "finished"), List.of()).path("uuid").asText();
    assertThat(node.postForm("/task/cancel", Map.of("uuid", uuid)).path("success").asBoolean()).isTrue();
    assertThat(node.get("/task/" + uuid + "/info").path("status").path("code").asInt()).isEqualTo(50); // canceled
    await().atMost(Duration.ofSeconds(20)).until(() -> keys("api-tasks/" + uuid + "/").isEmpty());
    assertThat(node.get("/task/" + uuid + "/info").path("error").asText()).isEqualTo(uuid + " not found");
  }

  private Set<String> keys(String prefix) {
    Set<String> keys = new TreeSet<>();
    world.s3.listObjectsV2Paginator(b -> b.bucket(world.bucket).prefix(prefix)).contents().forEach(o -> keys.add(o.key()));
    return keys;
  }
}
