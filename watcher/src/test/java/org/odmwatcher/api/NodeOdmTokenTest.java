package org.odmwatcher.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.testing.PipelineFixture;

/** NodeODM's token auth: every route wants {@code ?token=}; a wrong one is a 200 {@code {"error"}}. */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeOdmTokenTest implements TestPropertyProvider {
  private final PipelineFixture world = new PipelineFixture("api-token");

  @Inject EmbeddedServer server;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> p = new LinkedHashMap<>(world.apiProperties());
    p.put("watcher.api.token", "s3cret");
    return p;
  }

  @AfterAll
  void close() {
    world.close();
  }

  @Test
  void wrongOrMissingTokenIsAnErrorAndTheRightOneWorks() throws Exception {
    String expected = "Invalid authentication token: token does not match.";
    for (String token : List.of("", "s3creT", "s3cret-and-more")) {
      NodeOdmClient node = new NodeOdmClient(server.getURI(), token);
      assertThat(node.get("/info").path("error").asText()).isEqualTo(expected);
      assertThat(node.get("/task/list").path("error").asText()).isEqualTo(expected);
      assertThat(node.postMultipart("/task/new/init", Map.of(), Map.of("name", "x"), List.of()).path("error").asText())
          .isEqualTo(expected);
    }
    NodeOdmClient node = new NodeOdmClient(server.getURI(), "s3cret");
    assertThat(node.get("/info").path("version").asText()).isEqualTo("2.2.1");
    String uuid = node.postMultipart("/task/new/init", Map.of(), Map.of("name", "x"), List.of()).path("uuid").asText();
    assertThat(node.get("/task/list").findValuesAsText("uuid")).contains(uuid);
  }
}
