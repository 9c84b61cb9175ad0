package org.odmwatcher.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.status.JobState;
import org.odmwatcher.status.StatusCodec;
import org.odmwatcher.status.StatusWriter;
import org.odmwatcher.storage.BucketStore;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.contract.AwsCallRecorder;

/**
 * Task info and the task list over real HTTP, answered from memory: the app against S3Proxy and
 * the Kubernetes mock, S3 requests counted by the SDK's global interceptor, "another replica" a
 * second writer on the bucket.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TaskInfoFromMemoryApiTest implements TestPropertyProvider {
  private static final Duration EXPIRY = Duration.ofSeconds(3);
  private final PipelineFixture world = new PipelineFixture("apiview", "apiview");

  @Inject EmbeddedServer server;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> p = new LinkedHashMap<>(world.apiProperties());
    p.put("watcher.api.view-expiry", EXPIRY.toMillis() + "ms");
    p.put("watcher.api.poll-interval", "1h"); // its listing would count as this test's S3 requests
    return p;
  }

  @AfterAll
  void close() {
    world.close();
  }

  private NodeOdmClient node() {
    return new NodeOdmClient(server.getURI(), "");
  }

  private String committedTask(NodeOdmClient node) throws Exception {
    String uuid = node.postMultipart("/task/new/init", Map.of(), Map.of("name", "Orchard"), List.of()).path("uuid").asText();
    for (int i = 1; i <= 2; i++) {
      node.postMultipart("/task/new/upload/" + uuid, Map.of(), Map.of(),
          List.of(new NodeOdmClient.Part("images", "IMG_" + i + ".JPG", new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2})));
    }
    node.postMultipart("/task/new/commit/" + uuid, Map.of(), Map.of(), List.of());
    return uuid;
  }

  @Test
  void theApisOwnCallsAreSeenAtOnceAndRepeatedInfoAndListCostNoS3Request() throws Exception {
    NodeOdmClient node = node();
    String uuid = node.postMultipart("/task/new/init", Map.of(), Map.of("name", "Orchard"), List.of()).path("uuid").asText();
    assertThat(node.get("/task/" + uuid + "/info").path("imagesCount").asInt()).isZero();
    assertThat(node.get("/task/list").findValuesAsText("uuid")).contains(uuid);
    node.postMultipart("/task/new/upload/" + uuid, Map.of(), Map.of(),
        List.of(new NodeOdmClient.Part("images", "IMG_1.JPG", new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2})));
    assertThat(node.get("/task/" + uuid + "/info").path("imagesCount").asInt()).as("own upload, at once").isEqualTo(1);
    node.postMultipart("/task/new/commit/" + uuid, Map.of(), Map.of(), List.of());
    JsonNode queued = node.get("/task/" + uuid + "/info");
    // RUNNING (20) as soon as its Workflow is accepted (ODM's split-merge client reads 10 as "node full")
    assertThat(queued.path("status").path("code").asInt()).isEqualTo(20);
    assertThat(world.status("api-tasks/" + uuid + "/")).as("the pipeline recorded the job").isPresent();

    assertThat(node.get("/task/list").findValuesAsText("uuid")).contains(uuid); // the commit dropped the list
    Map<String, Long> before = AwsCallRecorder.s3CallsByTarget(world.bucket, "api-tasks/");
    for (int i = 0; i < 20; i++) {
      // the same answer, but for processingTime, which counts on while it runs
      assertThat(withoutClock(node.get("/task/" + uuid + "/info"))).isEqualTo(withoutClock(queued));
      assertThat(node.get("/task/list").findValuesAsText("uuid")).contains(uuid);
    }
    assertThat(AwsCallRecorder.s3CallsByTarget(world.bucket, "api-tasks/")).as("S3 requests for 20 infos and lists").isEqualTo(before);
  }

  @Test
  void aChangeAnotherReplicaMadeIsAnsweredWithinTheExpiry() throws Exception {
    NodeOdmClient node = node();
    String uuid = committedTask(node);
    String folder = "api-tasks/" + uuid + "/";
    assertThat(node.get("/task/" + uuid + "/info").path("progress").asInt()).isLessThan(30);

    // another replica's informer saw the Workflow run, and wrote so to the bucket
    StatusWriter otherReplica =
        new StatusWriter(new BucketStore(world.s3), new StatusCodec(), "status.json", "auto", java.time.Clock.systemUTC());
    String jobId = world.status(folder).orElseThrow().path("jobId").asText();
    otherReplica.advance(world.bucket, folder, jobId,
        s -> s.moveTo(JobState.RUNNING, "running", java.time.Instant.now()).withProgress("opensfm", 30));
    long written = System.nanoTime();
    await().atMost(EXPIRY.plusSeconds(1)).pollInterval(Duration.ofMillis(100))
        .until(() -> node.get("/task/" + uuid + "/info").path("progress").asInt() == 30);
    assertThat(Duration.ofNanos(System.nanoTime() - written)).isLessThan(EXPIRY.plusSeconds(1));
    assertThat(node.get("/task/" + uuid + "/info").path("status").path("code").asInt()).isEqualTo(20);

    // ... and another replica's remove
    new BucketStore(world.s3).deleteAll(world.bucket, folder);
    await().atMost(EXPIRY.plusSeconds(1)).pollInterval(Duration.ofMillis(100))
        .until(() -> node.get("/task/" + uuid + "/info").path("error").asText().contains("not found")
            && !node.get("/task/list").findValuesAsText("uuid").contains(uuid));
  }

  @Test
  void aCancelThroughThisApiIsAnsweredAtOnce() throws Exception {
    NodeOdmClient node = node();
    String uuid = committedTask(node);
    assertThat(node.get("/task/" + uuid + "/info").path("status").path("code").asInt()).isEqualTo(20);
    assertThat(node.postForm("/task/cancel", Map.of("uuid", uuid)).path("success").asBoolean()).isTrue();
    assertThat(node.get("/task/" + uuid + "/info").path("status").path("code").asInt()).isEqualTo(50);
  }

  private static JsonNode withoutClock(JsonNode info) {
    com.fasterxml.jackson.databind.node.ObjectNode copy = info.deepCopy();
    copy.remove("processingTime");
    return copy;
  }
}
