package org.odmwatcher.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.testing.PipelineFixture;

/**
 * A 200 MB image uploaded to a watcher whose heap is 96 MB: it only gets through if the upload is
 * streamed to S3 part by part, never held whole in memory.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LargeUploadTest {
  private static final long SIZE = 200L * 1024 * 1024;
  private final PipelineFixture world = new PipelineFixture("api-large");
  private Process watcher;

  @AfterAll
  void close() {
    if (watcher != null) {
      watcher.destroy();
    }
    world.close();
  }

  @Test
  void twoHundredMegabyteUploadPassesThroughA96MegabyteHeap() throws Exception {
    ApiServerMain.Started started = ApiServerMain.startSmallHeap(world, Map.of("watcher.api.allow-anonymous", "true"));
    watcher = started.process();
    URI base = started.base();

    NodeOdmClient node = new NodeOdmClient(base, "");
    String uuid = node.postMultipart("/task/new/init", Map.of(), Map.of("name", "big"), List.of()).path("uuid").asText();

    String boundary = "----large";
    InputStream body = new SequenceInputStream(java.util.Collections.enumeration(List.of(
        new ByteArrayInputStream(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"images\"; filename=\"big.tif\"\r\n"
            + "Content-Type: image/tiff\r\n\r\n").getBytes(StandardCharsets.UTF_8)),
        new Zeros(SIZE),
        new ByteArrayInputStream(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8)))));
    HttpResponse<byte[]> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
        HttpRequest.newBuilder(base.resolve("/task/new/upload/" + uuid))
            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> body))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
    JsonNode answer = new ObjectMapper().readTree(response.body());
    assertThat(answer.path("success").asBoolean()).as(answer.toString()).isTrue();
    assertThat(watcher.isAlive()).isTrue();
    long stored = world.s3.headObject(b -> b.bucket(world.bucket).key("api-tasks/" + uuid + "/big.tif")).contentLength();
    assertThat(stored).isEqualTo(SIZE);
  }

  /** {@code size} zero bytes, made up as they are read. */
  private static final class Zeros extends InputStream {
    private long left;

    Zeros(long size) {
      this.left = size;
    }

    @Override
    public int read() {
      return left-- > 0 ? 0 : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (left <= 0) {
        return -1;
      }
      int n = (int) Math.min(len, left);
      java.util.Arrays.fill(b, off, off + n, (byte) 0);
      left -= n;
      return n;
    }
  }
}
