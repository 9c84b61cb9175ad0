package org.odmwatcher.event.sqs;

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
import org.odmwatcher.testing.Notifications;
import org.odmwatcher.testing.PipelineFixture;

/**
 * The SQS source fed the other ways AWS delivers S3 events (through SNS, through EventBridge),
 * against ElasticMQ, S3Proxy and the Kubernetes mock: each body becomes exactly one Workflow.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SqsDeliveryShapesEndToEndTest implements TestPropertyProvider {
  private final PipelineFixture world = new PipelineFixture("shapes");

  @Override
  public Map<String, String> getProperties() {
    return world.properties();
  }

  @AfterAll
  void close() {
    world.close();
  }

  private String s3Body(String key) {
    var head = world.s3.headObject(b -> b.bucket(world.bucket).key(key));
    return Notifications.objectCreated(world.bucket, key, head.contentLength(), head.eTag().replace("\"", ""));
  }

  private void assertOneWorkflowAndEmptyQueues(String folder) {
    JsonNode status = world.awaitState(folder, "submitted");
    assertThat(world.workflowsFor(status.path("jobId").asText())).hasSize(1);
    await().atMost(Duration.ofSeconds(15)).until(() -> world.depth(world.queueUrl) == 0);
    assertThat(world.depth(world.dlqUrl)).isZero();
  }

  @Test
  void snsEnvelopedNotificationMakesOneWorkflow() {
    String folder = "through sns/flight 1/";
    world.uploadImages(folder, 2);
    world.putManifest(folder, "{}");

    world.send(Notifications.snsWrapped(s3Body(folder + "odm.json")));

    assertOneWorkflowAndEmptyQueues(folder);
  }

  @Test
  void eventBridgeEventWithALiteralPlusInTheKeyMakesOneWorkflow() {
    // Decoding this key as S3's form encoding would look for "a b/…", which does not exist.
    String folder = "eventbridge/a+b/";
    world.uploadImages(folder, 2);
    world.putManifest(folder, "{}");
    var head = world.s3.headObject(b -> b.bucket(world.bucket).key(folder + "odm.json"));

    world.send(Notifications.eventBridgeCreated(
        world.bucket, folder + "odm.json", head.contentLength(), head.eTag().replace("\"", "")));

    JsonNode status = world.awaitState(folder, "submitted");
    assertThat(status.path("images").asInt()).isEqualTo(2);
    assertOneWorkflowAndEmptyQueues(folder);
  }

  @Test
  void aQueueCarryingAMixOfShapesHandlesEachAndAcknowledgesTheSubscriptionConfirmation() {
    String direct = "mix/direct/";
    String sns = "mix/sns/";
    String raw = "mix/raw/";
    for (String folder : new String[] {direct, sns, raw}) {
      world.uploadImages(folder, 1);
      world.putManifest(folder, "{}");
    }
    world.send(Notifications.golden("sns-subscription-confirmation.json").toString());
    world.send(s3Body(direct + "odm.json"));
    world.send(Notifications.snsWrapped(s3Body(sns + "odm.json")));
    world.send(s3Body(raw + "odm.json")); // SNS raw message delivery: the plain S3 body
    world.send(Notifications.golden("sns-s3-test-event.json").toString());

    for (String folder : new String[] {direct, sns, raw}) {
      assertOneWorkflowAndEmptyQueues(folder);
    }
  }
}
