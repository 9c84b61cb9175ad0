package org.odmwatcher.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.RawHttp;

/**
 * Issue 22, row 2: the sign-in routes buffered form bodies of about 10 MiB (Micronaut's default
 * {@code max-request-buffer-size}) before any check; 70-100 held connections sending 9 MiB each
 * exhausted a 512 MB watcher. Here the watcher runs in its own JVM with a 96 MB heap (dying on the
 * first OutOfMemoryError), as the large-upload test runs it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestBodyLimitTest {
  private static final long DECLARED = 9L * 1024 * 1024;
  private static final int CONNECTIONS = 64;
  private final PipelineFixture world = new PipelineFixture("api-body-limit");
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private Process watcher;
  private URI base;

  @AfterAll
  void close() {
    if (watcher != null) {
      watcher.destroy();
    }
    world.close();
  }

  private URI base() throws IOException {
    if (base == null) {
      ApiServerMain.Started started = ApiServerMain.startSmallHeap(world, Map.of("watcher.api.token", "body-limit-token"));
      watcher = started.process();
      base = started.base();
    }
    return base;
  }

  @Test
  void signInRoutesRefuseALargeDeclaredBodyBeforeItIsSentWhileOtherCallsAreAnswered() throws Exception {
    URI server = base();
    List<Socket> held = new ArrayList<>();
    try {
      for (int i = 0; i < CONNECTIONS; i++) {
        String path = i % 2 == 0 ? "/login" : "/logout";
        Socket socket = new Socket();
        held.add(socket);
        socket.connect(new InetSocketAddress(server.getHost(), server.getPort()), 5_000);
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: " + server.getAuthority()
            + "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " + DECLARED + "\r\n\r\ntoken=")
            .getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        // answered at once, the 9 MiB never sent: the server did not wait for (or hold) the body
        RawHttp.Answer answer = RawHttp.read(socket.getInputStream());
        assertThat(answer.status()).as("POST " + path + " declaring " + DECLARED + " bytes: " + answer.body()).isEqualTo(413);
      }
      // with every one of those connections still open, the other calls are answered
      assertThat(status("/health")).isEqualTo(200);
      assertThat(status("/info?token=body-limit-token")).isEqualTo(200);
      // a client that sends its declared body anyway gets nowhere and costs nothing
      for (Socket socket : held.subList(0, 8)) {
        try {
          sendZeros(socket.getOutputStream(), DECLARED);
        } catch (IOException closedByTheServer) {
          // what a refusing server may do with the rest of the request
        }
      }
      assertThat(status("/health")).isEqualTo(200);
      assertThat(watcher.isAlive()).as("the small-heap watcher is still running").isTrue();
    } finally {
      for (Socket socket : held) {
        socket.close();
      }
    }
  }

  @Test
  void aChunkedSignInBodyIsRefusedWithoutBeingRead() throws Exception {
    URI server = base();
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(server.getHost(), server.getPort()), 5_000);
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(("POST /login HTTP/1.1\r\nHost: " + server.getAuthority()
          + "\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      RawHttp.Answer answer = RawHttp.read(socket.getInputStream());
      assertThat(answer.status()).as("chunked POST /login: " + answer.body()).isEqualTo(411);
    }
  }

  /** A route that is not an upload buffers a small body at most: 9 MiB to /task/cancel is refused. */
  @Test
  void routesThatAreNotUploadsRefuseALargeBody() throws Exception {
    URI server = base();
    byte[] form = new byte[(int) DECLARED];
    java.util.Arrays.fill(form, (byte) 'a');
    System.arraycopy("uuid=".getBytes(StandardCharsets.US_ASCII), 0, form, 0, 5);
    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(server.resolve("/task/cancel?token=body-limit-token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofByteArray(form)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as("9 MiB form to /task/cancel: " + answer.body().substring(0, Math.min(200, answer.body().length()))).isEqualTo(413);
    assertThat(status("/health")).isEqualTo(200);
  }

  private int status(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(base().resolve(path)).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static void sendZeros(OutputStream out, long size) throws IOException {
    byte[] chunk = new byte[64 * 1024];
    for (long sent = 0; sent < size; sent += chunk.length) {
      out.write(chunk, 0, (int) Math.min(chunk.length, size - sent));
    }
    out.flush();
  }
}
