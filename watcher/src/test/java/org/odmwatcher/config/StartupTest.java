package org.odmwatcher.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micronaut.context.ApplicationContext;
import io.micronaut.http.client.HttpClient;
import io.micronaut.runtime.server.EmbeddedServer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.odmwatcher.event.sqs.SqsPoller;
import org.odmwatcher.testing.PipelineFixture;

/** Start-up and shutdown as an operator meets them. */
class StartupTest {

  @Test
  void missingQueueUrlFailsAtStartWithAClearMessage() {
    assertThatThrownBy(() -> ApplicationContext.run(Map.of("watcher.sqs.enabled", "true", "watcher.argo.watch", "false")))
        .hasStackTraceContaining("watcher.sqs.queue-url must be set when watcher.sqs.enabled=true");
  }

  @Test
  void nonsenseValuesFailAtStart() {
    assertThatThrownBy(() -> ApplicationContext.run(Map.of(
            "watcher.sqs.enabled", "true", "watcher.sqs.queue-url", "http://127.0.0.1:1/q",
            "watcher.sqs.max-messages", "50", "watcher.argo.watch", "false")))
        .hasStackTraceContaining("maxMessages");
    assertThatThrownBy(() -> ApplicationContext.run(Map.of("watcher.s3.conditional-writes", "sometimes", "watcher.argo.watch", "false"))
            .getBean(org.odmwatcher.status.StatusWriter.class))
        .hasStackTraceContaining("watcher.s3.conditional-writes must be auto, on or off");
  }

  @Test
  void sqsRegionThatContradictsAnAwsQueueUrlFailsAtStart() {
    assertThatThrownBy(() -> ApplicationContext.run(Map.of(
            "watcher.sqs.enabled", "true",
            "watcher.sqs.queue-url", "https://sqs.us-west-2.amazonaws.com/123456789012/odm-events",
            "watcher.sqs.region", "eu-west-1", "watcher.argo.watch", "false")))
        .hasStackTraceContaining("watcher.sqs.region is eu-west-1 but watcher.sqs.queue-url is a queue in us-west-2");
  }

  @Test
  void healthAndMetricsAreServedAndShutdownReleasesInFlightWork() {
    try (PipelineFixture world = new PipelineFixture("startup")) {
      Map<String, Object> props = new HashMap<>(world.properties());
      try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, props);
          HttpClient http = HttpClient.create(server.getURL())) {
        String health = http.toBlocking().retrieve("/health");
        assertThat(health).contains("\"status\":\"UP\"");
        assertThat(http.toBlocking().retrieve("/prometheus")).contains("jvm_memory_used_bytes");
        SqsPoller poller = server.getApplicationContext().getBean(SqsPoller.class);
        world.send("{\"Records\":[]}");
        await().atMost(Duration.ofSeconds(10)).until(() -> world.depth(world.queueUrl) == 0);
        server.getApplicationContext().close();
        assertThat(poller.inFlight()).isZero();
      }
    }
  }
}
