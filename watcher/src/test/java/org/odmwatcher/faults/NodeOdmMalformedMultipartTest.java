package org.odmwatcher.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.testing.PipelineFixture;

/** A NodeODM request whose multipart body Netty cannot decode is the client's error, told without internals. */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeOdmMalformedMultipartTest implements TestPropertyProvider {
  private final PipelineFixture world = new PipelineFixture("multipart");
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Inject EmbeddedServer server;

  @Override
  public Map<String, String> getProperties() {
    return world.apiProperties();
  }

  @AfterAll
  void close() {
    world.close();
  }

  @Test
  void aContentDispositionAttributeWithoutAValueIsA400WithoutExceptionText() throws Exception {
    String boundary = "----malformed";
    String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"a\"; b\"\r\n\r\nvalue\r\n--" + boundary + "--\r\n";
    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(server.getURI().resolve("/task/new"))
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());

    assertThat(answer.statusCode()).isEqualTo(400);
    assertThat(answer.body()).contains("Malformed multipart").doesNotContain("Index").doesNotContain("Exception");
  }
}
