package org.odmwatcher.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.testing.PipelineFixture;

/**
 * Review finding 4 (issue 13): 70 connections that send an upload's headers and 1 KB, then stall,
 * gave 34 OutOfMemoryErrors at -Xmx256m (each upload allocated its 5 MiB part buffer before reading).
 * Here 70 such uploads go to a watcher with a 96 MB heap that exits on the first OutOfMemoryError;
 * it must stay up and keep answering.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StalledUploadsTest {
  private static final String TOKEN = "stall-token";
  private final PipelineFixture world = new PipelineFixture("api-stall");
  private final List<Socket> stalled = new ArrayList<>();
  private Process watcher;

  @AfterAll
  void close() throws Exception {
    for (Socket socket : stalled) {
      socket.close();
    }
    if (watcher != null) {
      watcher.destroy();
    }
    world.close();
  }

  @Test
  void seventyStalledUploadsNeitherExhaustA96MegabyteHeapNorBlockOtherCalls() throws Exception {
    ApiServerMain.Started started = ApiServerMain.startSmallHeap(world, Map.of("watcher.api.token", TOKEN));
    watcher = started.process();
    URI base = started.base();
    NodeOdmClient node = new NodeOdmClient(base, TOKEN);
    String uuid = node.postMultipart("/task/new/init", Map.of(), Map.of("name", "stall"), List.of()).path("uuid").asText();
    assertThat(uuid).isNotBlank();

    String boundary = "----stall";
    byte[] head = ("POST /task/new/upload/" + uuid + "?token=" + TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Content-Type: multipart/form-data; boundary=" + boundary + "\r\nContent-Length: 104857600\r\n\r\n"
        + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"images\"; filename=\"stall.jpg\"\r\n"
        + "Content-Type: image/jpeg\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < 70; i++) {
      Socket socket = new Socket(base.getHost(), base.getPort());
      socket.getOutputStream().write(head);
      socket.getOutputStream().write(new byte[1024]);
      socket.getOutputStream().flush();
      stalled.add(socket);
    }
    // Other calls are answered while the 70 uploads hang, and the process is still there afterwards.
    for (int i = 0; i < 5; i++) {
      assertThat(node.get("/info").path("version").asText()).isEqualTo("2.2.1");
      assertThat(node.get("/task/" + uuid + "/info").path("uuid").asText()).isEqualTo(uuid);
    }
    String other = node.postMultipart("/task/new/init", Map.of(), Map.of("name", "other"), List.of()).path("uuid").asText();
    assertThat(other).isNotBlank();
    assertThat(watcher.isAlive()).as("no OutOfMemoryError (the JVM exits on the first one)").isTrue();
  }
}
