package org.odmwatcher.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.odmwatcher.testing.PipelineFixture;

/**
 * The cluster Deployment serves {@code /prometheus} and {@code /health} on a port of their own
 * (Micronaut's {@code endpoints.all.port}, env {@code ENDPOINTS_ALL_PORT} in
 * manifests/base/watcher-deployment.yaml), so that its NetworkPolicy can admit the metrics scraper
 * there and the split-merge pods to the API port, each to nothing else (issue 22, "Also"). With the
 * setting, the management endpoints answer on that port only and the API on the HTTP port only.
 */
class ManagementPortTest {

  @Test
  void withEndpointsAllPortMetricsAndHealthLeaveTheHttpPort() throws Exception {
    int management = freePort();
    try (PipelineFixture world = new PipelineFixture("management-port")) {
      Map<String, Object> props = new HashMap<>(world.apiProperties());
      props.put("endpoints.all.port", String.valueOf(management));
      try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, props)) {
        String http = "http://127.0.0.1:" + server.getPort();
        String mgmt = "http://127.0.0.1:" + management;

        assertThat(status(mgmt + "/prometheus")).isEqualTo(200);
        assertThat(get(mgmt + "/prometheus").body()).contains("jvm_memory_used_bytes");
        assertThat(status(mgmt + "/health/liveness")).isEqualTo(200);
        assertThat(status(mgmt + "/health/readiness")).isEqualTo(200);
        assertThat(status(http + "/prometheus")).as("/prometheus on the HTTP port").isEqualTo(404);
        assertThat(status(http + "/health")).as("/health on the HTTP port").isEqualTo(404);
        assertThat(status(http + "/info")).as("the NodeODM API stays on the HTTP port").isEqualTo(200);
        assertThat(status(mgmt + "/info")).as("the NodeODM API on the management port").isEqualTo(404);
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static int status(String url) throws Exception {
    return get(url).statusCode();
  }

  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  private static HttpResponse<String> get(String url) throws Exception {
    return CLIENT.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }
}
