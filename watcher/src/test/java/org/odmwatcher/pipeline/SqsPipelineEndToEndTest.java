package org.odmwatcher.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.workflow.ArgoWorkflowSubmitter;
import org.odmwatcher.workflow.WorkflowLabels;
import org.odmwatcher.workflow.WorkflowParameters;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The whole product path against real servers: S3 notifications in ElasticMQ, objects in S3Proxy,
 * Workflows in the Kubernetes mock (no workflow-controller: {@link ArgoPipelineEndToEndTest} runs
 * them). Each test asserts what a user would see.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SqsPipelineEndToEndTest implements TestPropertyProvider {
  private static final String MANIFEST =
      """
      { "name": "Farm A, flight 3",
        "options": { "orthophoto-resolution": 2, "dsm": true, "feature-quality": "high" },
        "outputs": ["orthophoto", "dsm", "dtm", "pointcloud", "report"] }
      """;

  private final PipelineFixture world = new PipelineFixture("e2e");

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> p = world.properties();
    // A manifest without images waits this long for a first one (RetryAndWaitEndToEndTest shows
    // the wait itself); here the folder without images is one broken case among others.
    p.put("watcher.manifest.wait-for-first-image", "1s");
    return p;
  }

  @AfterAll
  void close() {
    world.close();
  }

  @Test
  void folderWithManifestBecomesOneWorkflowAndSubmittedStatus() {
    String folder = "farm a/flight 3/";
    world.uploadImages(folder, 5);
    world.putManifest(folder, MANIFEST);
    world.notifyCreated(folder + "odm.json");

    JsonNode status = world.awaitState(folder, "submitted");
    String jobId = status.path("jobId").asText();
    List<GenericKubernetesResource> workflows = world.workflowsFor(jobId);
    assertThat(workflows).hasSize(1);
    GenericKubernetesResource wf = workflows.get(0);
    assertThat(wf.getMetadata().getName()).isEqualTo(status.path("workflow").path("name").asText());
    assertThat(wf.getMetadata().getLabels())
        .containsEntry(WorkflowLabels.MANAGED_BY, "odm-watcher")
        .containsEntry(WorkflowLabels.JOB_ID, jobId)
        .containsKey(WorkflowLabels.BUCKET_HASH);
    assertThat(wf.getMetadata().getAnnotations())
        .containsEntry(WorkflowLabels.BUCKET, world.bucket)
        .containsEntry(WorkflowLabels.PREFIX, folder);
    Map<String, Object> spec = spec(wf);
    assertThat(spec.get("workflowTemplateRef")).isEqualTo(Map.of("name", "odm-process"));
    Map<String, String> params = parameters(wf);
    assertThat(params.keySet()).containsExactlyElementsOf(WorkflowParameters.ALL);
    assertThat(params)
        .containsEntry("bucket", world.bucket)
        .containsEntry("prefix", folder)
        .containsEntry("job-id", jobId)
        .containsEntry("image-count", "5")
        .containsEntry("results-prefix", folder + "results/")
        .containsEntry("s3-path-style", "true")
        .containsEntry("memory", "4Gi")
        .containsEntry("outputs", "[\"orthophoto\",\"dsm\",\"dtm\",\"pointcloud\",\"report\"]");
    assertThat(params.get("odm-args"))
        .isEqualTo("[\"--dsm\",\"--dtm\",\"--cog\",\"--orthophoto-resolution\",\"2\",\"--feature-quality\",\"high\"]");
    assertThat(status.path("images").asInt()).isEqualTo(5);
    assertThat(status.path("name").asText()).isEqualTo("Farm A, flight 3");
    await().atMost(Duration.ofSeconds(10)).until(() -> world.depth(world.queueUrl) == 0);
  }

  @Test
  void keysWithSpacesAndUnicodeAreDecodedAsS3EncodesThem() {
    String folder = "été 2026/山 + river/";
    world.uploadImages(folder, 3);
    world.putManifest(folder, "{\"options\": {\"fast-orthophoto\": true}}");
    world.notifyCreated(folder + "odm.json");

    JsonNode status = world.awaitState(folder, "submitted");
    GenericKubernetesResource wf = world.workflowsFor(status.path("jobId").asText()).get(0);
    assertThat(parameters(wf)).containsEntry("prefix", folder).containsEntry("image-count", "3");
  }

  @Test
  void duplicatedAndRepeatedNotificationsMakeOneWorkflow() {
    String folder = "dup/";
    world.uploadImages(folder, 2);
    world.putManifest(folder, "{}");
    for (int i = 0; i < 3; i++) {
      world.notifyCreated(folder + "odm.json");
    }
    JsonNode status = world.awaitState(folder, "submitted");
    await().atMost(Duration.ofSeconds(15)).until(() -> world.depth(world.queueUrl) == 0);
    assertThat(world.workflowsFor(status.path("jobId").asText())).hasSize(1);

    // Editing odm.json is a new manifest version: a new job, a second Workflow.
    world.putManifest(folder, "{\"options\": {\"dsm\": true}}");
    world.notifyCreated(folder + "odm.json");
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> !world.status(folder).orElseThrow().path("jobId").asText().equals(status.path("jobId").asText()));
    assertThat(world.status(folder).orElseThrow().path("state").asText()).isEqualTo("submitted");
  }

  @Test
  void invalidManifestsEndInvalidWithEveryReasonAndNoWorkflow() {
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("bad-option/", "{\"options\": {\"orthophoto-resolutoin\": 2, \"feature-quality\": \"extreme\", \"dsm\": \"yes\"}}");
    cases.put("not-json/", "{\"options\": {\"dsm\": true,}");
    cases.put("no-images/", "{}");
    cases.put("too-big/", "{\"name\": \"" + "x".repeat(1_100_000) + "\"}");
    cases.forEach(
        (folder, manifest) -> {
          if (!folder.equals("no-images/")) {
            world.uploadImages(folder, 2);
          } else { // a mask is not an image (ODM's stages/dataset.py)
            world.s3.putObject(b -> b.bucket(world.bucket).key(folder + "DJI_0001_mask.png"), RequestBody.fromBytes(new byte[] {1}));
          }
          world.putManifest(folder, manifest);
          world.notifyCreated(folder + "odm.json");
        });

    JsonNode badOption = world.awaitState("bad-option/", "invalid");
    assertThat(badOption.path("errors")).hasSize(3);
    assertThat(badOption.path("errors").toString())
        .contains("unknown option 'orthophoto-resolutoin'")
        .contains("feature-quality")
        .contains("option 'dsm' must be true or false");
    assertThat(world.awaitState("not-json/", "invalid").path("errors").get(0).asText()).contains("not valid JSON");
    assertThat(world.awaitState("no-images/", "invalid").path("errors").get(0).asText())
        .contains("no images", "looked for bmp, dng, jpeg, jpg, jxl, nef, png, raw, tif, tiff in any case");
    assertThat(world.awaitState("too-big/", "invalid").path("errors").get(0).asText()).contains("larger than the limit");
    await().atMost(Duration.ofSeconds(10)).until(() -> world.depth(world.queueUrl) == 0);
    for (String folder : cases.keySet()) {
      assertThat(world.workflowsFor(world.status(folder).orElseThrow().path("jobId").asText())).isEmpty();
    }
  }

  @Test
  void folderWaitsForExpectedImagesThenStarts() {
    String folder = "waiting/";
    world.uploadImages(folder, 2);
    world.putManifest(folder, "{\"images\": {\"expected\": 4}}");
    world.notifyCreated(folder + "odm.json");
    JsonNode waiting = world.awaitState(folder, "waiting");
    assertThat(waiting.path("images").asInt()).isEqualTo(2);
    assertThat(waiting.path("expectedImages").asInt()).isEqualTo(4);
    assertThat(world.workflowsFor(waiting.path("jobId").asText())).isEmpty();

    world.uploadImages(folder, 4); // the rest arrives; no notification needed (periodic re-check)
    JsonNode submitted = world.awaitState(folder, "submitted");
    assertThat(submitted.path("jobId").asText()).isEqualTo(waiting.path("jobId").asText());
    assertThat(world.workflowsFor(submitted.path("jobId").asText())).hasSize(1);
  }

  @Test
  void kubernetesOutageKeepsTheMessageUntilTheApiIsBack() {
    String folder = "outage/";
    world.uploadImages(folder, 2);
    world.putManifest(folder, "{}");
    world.servers.stopKubernetes();
    try {
      world.notifyCreated(folder + "odm.json");
      // The message is received, fails, and stays in the queue (in flight or visible again).
      await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
          .until(() -> world.depth(world.queueUrl) == 1 && world.status(folder).isEmpty());
    } finally {
      world.servers.startKubernetes();
    }
    JsonNode status = world.awaitState(folder, "submitted");
    assertThat(world.workflowsFor(status.path("jobId").asText())).hasSize(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> world.depth(world.queueUrl) == 0);
    var dead =
        world.sqs.receiveMessage(b -> b.queueUrl(world.dlqUrl).maxNumberOfMessages(10).visibilityTimeout(0)).messages();
    assertThat(dead).noneMatch(m -> m.body().contains("outage/"));
  }

  @Test
  void unparseableBodyEndsInTheDeadLetterQueueAndGoodOnesStillFlow() {
    String before = "around-before/";
    String after = "around-after/";
    world.uploadImages(before, 1);
    world.uploadImages(after, 1);
    world.putManifest(before, "{}");
    world.putManifest(after, "{}");
    world.notifyCreated(before + "odm.json");
    world.send("this is not { an S3 notification");
    world.notifyCreated(after + "odm.json");

    world.awaitState(before, "submitted");
    world.awaitState(after, "submitted");
    await().atMost(Duration.ofSeconds(30)).until(() -> world.depth(world.dlqUrl) == 1);
    var dead = world.sqs.receiveMessage(b -> b.queueUrl(world.dlqUrl).maxNumberOfMessages(10)).messages();
    assertThat(dead).hasSize(1);
    assertThat(dead.get(0).body()).isEqualTo("this is not { an S3 notification");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> spec(GenericKubernetesResource wf) {
    return (Map<String, Object>) wf.getAdditionalProperties().get("spec");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> parameters(GenericKubernetesResource wf) {
    Map<String, Object> arguments = (Map<String, Object>) spec(wf).get("arguments");
    Map<String, String> params = new LinkedHashMap<>();
    for (Map<String, Object> p : (List<Map<String, Object>>) arguments.get("parameters")) {
      params.put((String) p.get("name"), String.valueOf(p.get("value")));
    }
    return params;
  }

}
