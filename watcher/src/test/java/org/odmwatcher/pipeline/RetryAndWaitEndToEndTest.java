package org.odmwatcher.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.testing.HttpAnswer;
import org.odmwatcher.testing.Notifications;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.argo.TestArgo;
import org.odmwatcher.workflow.ArgoWorkflowSubmitter;
import org.odmwatcher.workflow.JobId;
import org.odmwatcher.workflow.WorkflowLabels;

/**
 * A pilot's second run, end to end: SQS notifications, the MinIO webhook and the bucket sweep all
 * on at once (so every upload reaches the watcher three times, as a duplicate would), Workflows
 * run by the test Argo. Uploading {@code odm.json} again is a new run even when its bytes are the
 * same; the same upload announced again never is. A manifest that arrives before its images waits.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RetryAndWaitEndToEndTest implements TestPropertyProvider {
  private static final String TOKEN = "retry-and-wait-webhook-token";
  private static final String MANIFEST = "{\"name\": \"Farm A, flight 3\"}";

  private static final Duration PATIENCE = Duration.ofSeconds(120);

  private final PipelineFixture world = new PipelineFixture("retry-e2e", "retry-e2e");

  @Inject
  @Client("/")
  HttpClient http;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> p = world.properties();
    p.put("watcher.minio.enabled", "true");
    p.put("watcher.minio.token", TOKEN);
    p.put("watcher.minio.buckets", world.bucket);
    p.put("watcher.sweep.enabled", "true");
    p.put("watcher.sweep.buckets", world.bucket);
    p.put("watcher.sweep.interval", "1s");
    p.put("watcher.manifest.wait-for-first-image", "20s");
    p.put("micronaut.http.client.read-timeout", "60s");
    return p;
  }

  @AfterAll
  void close() {
    world.close();
  }

  @Test
  void theSameOdmJsonUploadedAgainAfterAFailedJobIsANewRunAndItsDuplicatesAreNot() {
    String folder = "retry/";
    world.uploadImages(folder, 3);
    try (TestArgo argo = world.startArgo()) {
      argo.failOdmNext(folder, 1);
      String eTag = world.putManifest(folder, MANIFEST);
      announce(folder);
      JsonNode failed = awaitState(folder, "failed");
      String firstJob = failed.path("jobId").asText();
      assertThat(failed.path("manifestETag").asText()).isEqualTo(eTag);

      // The same bytes again, as `upload` of the same folder sends them: S3's Last-Modified has
      // whole seconds, so the second upload is at least a second later than the first.
      Instant firstUpload = lastModified(folder);
      await().atMost(Duration.ofSeconds(3)).until(() -> Instant.now().isAfter(firstUpload.plusSeconds(1)));
      assertThat(world.putManifest(folder, MANIFEST)).isEqualTo(eTag);
      announce(folder);

      JsonNode retried = await().atMost(PATIENCE)
          .until(() -> world.status(folder).orElseThrow(),
              s -> !s.path("jobId").asText().equals(firstJob) && s.path("state").asText().equals("succeeded"));
      String secondJob = retried.path("jobId").asText();
      assertThat(retried.path("manifestETag").asText()).isEqualTo(eTag);
      assertThat(workflowsOf(folder)).extracting(w -> w.getMetadata().getLabels().get(WorkflowLabels.JOB_ID))
          .containsExactlyInAnyOrder(firstJob, secondJob);
      // The first job had ended: its Workflow is left as it is (only unfinished ones are stopped).
      assertThat(spec(world.workflowsFor(firstJob).get(0)).get("shutdown")).isNull();

      // The second upload announced again by every source (an SQS redelivery, a webhook retry,
      // more sweep rounds): no third run, and the finished status stays as it is.
      announce(folder);
      await().atMost(PATIENCE).until(() -> world.depth(world.queueUrl) == 0);
      await().during(Duration.ofSeconds(3)).atMost(PATIENCE)
          .until(() -> workflowsOf(folder).size() == 2
              && world.status(folder).orElseThrow().path("jobId").asText().equals(secondJob)
              && world.status(folder).orElseThrow().path("state").asText().equals("succeeded"));
    }
  }

  @Test
  void theSameOdmJsonUploadedAgainWhileItsJobRunsStopsThatWorkflowAndOnlyTheNewJobIsRecorded() {
    String folder = "again-while-running/";
    world.uploadImages(folder, 2);
    try (TestArgo argo = world.startArgo()) {
      argo.hold(folder, "process"); // a long ODM run: the process pod of either job stays running
      world.putManifest(folder, MANIFEST);
      announce(folder);
      String firstJob = awaitState(folder, "running").path("jobId").asText();
      String firstName = world.workflowsFor(firstJob).get(0).getMetadata().getName();
      argo.awaitStatus(firstName, s -> findNode(s, "process(0)").isPresent());

      Instant firstUpload = lastModified(folder);
      await().atMost(Duration.ofSeconds(3)).until(() -> Instant.now().isAfter(firstUpload.plusSeconds(1)));
      world.putManifest(folder, MANIFEST);
      announce(folder);

      // The first Workflow is stopped as cancel stops it (its exit handler still runs) and ends.
      await("the first job's Workflow gets spec.shutdown Stop").atMost(PATIENCE)
          .until(() -> "Stop".equals(spec(argo.workflow(firstName)).get("shutdown")));
      Map<String, Object> stopped = argo.awaitStatus(firstName, s -> s.get("finishedAt") != null);
      assertThat(stopped.get("message")).isEqualTo("Stopped with strategy 'Stop'");
      String secondJob = workflowsOf(folder).stream()
          .map(w -> w.getMetadata().getLabels().get(WorkflowLabels.JOB_ID))
          .filter(id -> !id.equals(firstJob)).findFirst().orElseThrow();
      assertThat(spec(world.workflowsFor(secondJob).get(0)).get("shutdown")).isNull();

      // Once the second job is in status.json, the first job's final write (job-finished in its
      // exit handler, or the informer) never takes it back.
      List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
      argo.release(folder, "process");
      JsonNode done = await().atMost(PATIENCE).until(() -> {
        JsonNode s = world.status(folder).orElseThrow();
        seen.add(s.path("jobId").asText() + " " + s.path("state").asText());
        return s;
      }, s -> s.path("jobId").asText().equals(secondJob) && s.path("state").asText().equals("succeeded"));
      await().during(Duration.ofSeconds(3)).atMost(PATIENCE).until(() -> {
        JsonNode s = world.status(folder).orElseThrow();
        seen.add(s.path("jobId").asText() + " " + s.path("state").asText());
        return s.path("jobId").asText().equals(secondJob) && s.path("state").asText().equals("succeeded");
      });
      assertThat(done.path("outputs").toString()).contains("results/odm_orthophoto/odm_orthophoto.tif");
      assertThat(seen.subList(seen.indexOf(seen.stream().filter(s -> s.startsWith(secondJob)).findFirst().orElseThrow()),
          seen.size())).allSatisfy(s -> assertThat(s).startsWith(secondJob));
      assertThat(argo.awaitStatus(firstName, s -> s.get("finishedAt") != null).get("phase")).isEqualTo("Failed");
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> spec(GenericKubernetesResource workflow) {
    return (Map<String, Object>) workflow.getAdditionalProperties().get("spec");
  }

  @SuppressWarnings("unchecked")
  private static java.util.Optional<Map<String, Object>> findNode(Map<String, Object> status, String displayName) {
    if (!(status.get("nodes") instanceof Map<?, ?> nodes)) {
      return java.util.Optional.empty();
    }
    return ((Map<String, Map<String, Object>>) nodes).values().stream()
        .filter(n -> displayName.equals(n.get("displayName"))).findFirst();
  }

  @Test
  void aManifestUploadedBeforeItsImagesWaitsForThemThenRuns() {
    String folder = "manifest-first/";
    try (TestArgo argo = world.startArgo()) {
      world.putManifest(folder, "{\"images\": {\"expected\": 5}}");
      announce(folder);
      JsonNode waiting = awaitState(folder, "waiting");
      assertThat(waiting.path("images").asInt()).isZero();
      assertThat(waiting.path("expectedImages").asInt()).isEqualTo(5);
      assertThat(waiting.path("message").asText()).contains("0 of 5");

      // Most setups announce only odm.json: the images are found by the waiting folders' re-check.
      world.uploadImages(folder, 5);
      JsonNode done = awaitState(folder, "succeeded");
      assertThat(done.path("images").asInt()).isEqualTo(5);
      assertThat(done.path("jobId").asText()).isEqualTo(waiting.path("jobId").asText());
      assertThat(workflowsOf(folder)).hasSize(1);
    }
  }

  @Test
  void aManifestWithoutImagesEndsInvalidWithTheReasonOnceTheWaitIsOver() {
    String folder = "no-images/";
    world.putManifest(folder, "{}");
    world.notifyCreated(folder + "odm.json");
    JsonNode waiting = awaitState(folder, "waiting");
    assertThat(waiting.path("images").asInt()).isZero();
    assertThat(waiting.path("message").asText()).contains("no images yet");

    JsonNode invalid = awaitState(folder, "invalid");
    assertThat(invalid.path("jobId").asText()).isEqualTo(waiting.path("jobId").asText());
    assertThat(Instant.parse(invalid.path("updatedAt").asText())).isAfterOrEqualTo(lastModified(folder).plusSeconds(20));
    assertThat(invalid.path("errors").toString())
        .contains("no images in s3://" + world.bucket + "/" + folder)
        .contains("20s after odm.json was uploaded")
        .contains("watcher.manifest.wait-for-first-image");
    assertThat(workflowsOf(folder)).isEmpty();
  }

  /** What S3 (through SQS) and MinIO (through the webhook) send once {@code odm.json} is written. */
  private void announce(String folder) {
    String key = folder + "odm.json";
    var head = world.s3.headObject(b -> b.bucket(world.bucket).key(key));
    String eTag = head.eTag().replace("\"", "");
    world.send(Notifications.objectCreated(world.bucket, key, head.contentLength(), eTag));
    HttpAnswer answer = HttpAnswer.exchange(http,
        HttpRequest.POST("/events/minio", Notifications.minioCreated(world.bucket, key, head.contentLength(), eTag))
            .contentType(MediaType.APPLICATION_JSON_TYPE)
            .header("Authorization", "Bearer " + TOKEN));
    assertThat(answer.status()).isEqualTo(200);
  }

  /**
   * The status once it is in {@code state}, as read then (not read again: a waiting status moves
   * on). Patient: the test Argo runs every step's pod, and the build machine may be busy.
   */
  private JsonNode awaitState(String folder, String state) {
    return await().atMost(PATIENCE)
        .until(() -> world.status(folder).orElse(null), s -> s != null && s.path("state").asText().equals(state));
  }

  private Instant lastModified(String folder) {
    return world.s3.headObject(b -> b.bucket(world.bucket).key(folder + "odm.json")).lastModified();
  }

  private List<GenericKubernetesResource> workflowsOf(String folder) {
    return world.kubernetes.genericKubernetesResources(ArgoWorkflowSubmitter.WORKFLOWS)
        .inNamespace(world.namespace)
        .withLabel(WorkflowLabels.PREFIX_HASH, JobId.shortHash(world.bucket + "/" + folder))
        .list()
        .getItems();
  }
}
