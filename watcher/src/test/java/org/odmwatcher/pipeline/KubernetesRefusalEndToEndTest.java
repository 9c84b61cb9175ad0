package org.odmwatcher.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.testing.PipelineFixture;

/**
 * A Workflow the API server refuses for good (422 Invalid) ends the job {@code failed} with the
 * server's reason, and the notification is acknowledged instead of being retried into the DLQ.
 * The refusal is the real one: the job's name travels as an annotation, and the test server
 * enforces kube-apiserver's 256 KiB limit on annotations (testing/KubernetesApiDispatcher).
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubernetesRefusalEndToEndTest implements TestPropertyProvider {
  private final PipelineFixture world = new PipelineFixture("refused", "refused");

  @Override
  public Map<String, String> getProperties() {
    return world.properties();
  }

  @AfterAll
  void close() {
    world.close();
  }

  @Test
  void aWorkflowTheApiServerRefusesEndsTheJobFailedWithTheServersReasonAndIsNotRetried() {
    String folder = "long-name/";
    world.uploadImages(folder, 3);
    world.putManifest(folder, "{\"name\": \"" + "n".repeat(300_000) + "\"}");
    world.notifyCreated(folder + "odm.json");

    JsonNode status = world.awaitState(folder, "failed");
    assertThat(status.path("message").asText())
        .matches("Kubernetes refused the Workflow \\(HTTP 422\\): Workflow\\.argoproj\\.io \"odm-[0-9a-f]{16}\" is invalid: "
            + "metadata\\.annotations: Too long: must have at most 262144 bytes");
    assertThat(world.workflowsFor(status.path("jobId").asText())).isEmpty();
    await().atMost(Duration.ofSeconds(10)).until(() -> world.depth(world.queueUrl) == 0);
    assertThat(world.depth(world.dlqUrl)).as("acknowledged, not redelivered until it dead-letters").isZero();
  }

  @Test
  void aWorkflowWithinTheLimitsIsSubmitted() {
    String folder = "short-name/";
    world.uploadImages(folder, 3);
    world.putManifest(folder, "{\"name\": \"" + "n".repeat(1000) + "\"}");
    world.notifyCreated(folder + "odm.json");

    JsonNode status = world.awaitState(folder, "submitted");
    assertThat(world.workflowsFor(status.path("jobId").asText())).hasSize(1);
  }
}
