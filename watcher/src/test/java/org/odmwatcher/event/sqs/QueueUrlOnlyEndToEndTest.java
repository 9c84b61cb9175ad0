package org.odmwatcher.event.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.testing.PipelineFixture;

/**
 * Issue 11, fix 9: a user points the watcher at ElasticMQ (or LocalStack) with the queue URL alone,
 * no {@code watcher.sqs.endpoint}; the queue URL's host is where the calls go, and a notification
 * is handled end to end (ElasticMQ, S3Proxy, Kubernetes mock).
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueueUrlOnlyEndToEndTest implements TestPropertyProvider {
  private final PipelineFixture world = new PipelineFixture("queue-url-only");

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> properties = new java.util.HashMap<>(world.properties());
    properties.remove("watcher.sqs.endpoint");
    return properties;
  }

  @AfterAll
  void close() {
    world.close();
  }

  @Test
  void queueUrlOfALocalQueueIsEnoughToHandleANotification() {
    // the URL names the ElasticMQ the test talks to, not an AWS host
    assertThat(URI.create(world.queueUrl).getPort()).isEqualTo(URI.create(world.servers.sqsEndpoint()).getPort());
    assertThat(getProperties()).doesNotContainKey("watcher.sqs.endpoint");
    String folder = "queue url only/flight 1/";
    world.uploadImages(folder, 2);
    world.putManifest(folder, "{}");

    world.notifyCreated(folder + "odm.json");

    JsonNode status = world.awaitState(folder, "submitted");
    assertThat(world.workflowsFor(status.path("jobId").asText())).hasSize(1);
    await().atMost(Duration.ofSeconds(15)).until(() -> world.depth(world.queueUrl) == 0);
    assertThat(world.depth(world.dlqUrl)).isZero();
  }
}
