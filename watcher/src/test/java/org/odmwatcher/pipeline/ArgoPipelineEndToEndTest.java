package org.odmwatcher.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.argo.TestArgo;

/**
 * The product path with Argo running the Workflows: S3 notifications in ElasticMQ, objects in
 * S3Proxy, Workflows in the Kubernetes mock run by the test Argo ({@link TestArgo}: the controller's
 * rules, our WorkflowTemplate's steps against S3Proxy, the exit handler's real {@code job-finished}).
 * Each test asserts what a user would see in {@code status.json}, and what Argo shows.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ArgoPipelineEndToEndTest implements TestPropertyProvider {
  private final PipelineFixture world = new PipelineFixture("argo-e2e", "argo-e2e");

  @Override
  public Map<String, String> getProperties() {
    return world.properties();
  }

  @AfterAll
  void close() {
    world.close();
  }

  @Test
  void statusFollowsArgoStepByStepAndEndsSucceededWithTheWantedResults() throws Exception {
    String folder = "phases/";
    world.uploadImages(folder, 3);
    world.putManifest(folder, "{\"options\": {\"dsm\": true}, \"outputs\": [\"orthophoto\", \"dsm\", \"report\"]}");
    try (TestArgo argo = world.startArgo()) {
      argo.hold(folder, "download");
      argo.hold(folder, "process");
      argo.hold(folder, "upload");
      world.notifyCreated(folder + "odm.json");
      String jobId = world.awaitState(folder, "running").path("jobId").asText();
      String name = world.workflowsFor(jobId).get(0).getMetadata().getName();

      // Argo names the attempts download(0), process(0)…; the stages and percentages are local
      // mode's: download, then ODM's stages (the process pod not started yet: ODM at 0 %), upload.
      assertThat(awaitStage(folder, "download").path("progress").asInt()).isEqualTo(1);
      argo.release(folder, "download");
      assertThat(awaitStage(folder, "dataset").path("progress").asInt()).isEqualTo(5);
      argo.release(folder, "process");
      assertThat(awaitStage(folder, "upload").path("progress").asInt()).isEqualTo(95);
      Map<String, Object> running = argo.awaitStatus(name, s -> "Running".equals(s.get("phase")));
      assertThat(running.get("finishedAt")).isNull();
      assertThat(node(running, "upload").get("type")).isEqualTo("Retry");
      assertThat(node(running, "upload(0)").get("type")).isEqualTo("Pod");
      argo.release(folder, "upload");

      JsonNode done = world.awaitState(folder, "succeeded");
      assertThat(done.path("progress").asInt()).isEqualTo(100);
      assertThat(done.path("finishedAt").isTextual()).isTrue();
      assertThat(done.path("outputs").toString())
          .contains("results/odm_orthophoto/odm_orthophoto.tif", "results/odm_dem/dsm.tif", "results/odm_report/report.pdf",
              "results/odm.log")
          .doesNotContain("opensfm", "odm_texturing", "odm_georeferencing");
      // issue 23: the job's STAC Item, listed with the outputs, over the stand-in ODM's COGs
      assertThat(done.path("outputs").toString()).contains("results/stac-item.json");
      JsonNode item = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
          world.s3.getObjectAsBytes(b -> b.bucket(world.bucket).key(folder + "results/stac-item.json")).asByteArray());
      org.odmwatcher.testing.StacSchema.assertValid(item);
      assertThat(item.path("assets").path("orthophoto").path("proj:shape").toString()).isEqualTo("[260,520]");
      assertThat(item.path("assets").path("dsm").path("type").asText())
          .isEqualTo("image/tiff; application=geotiff; profile=cloud-optimized");
      Map<String, Object> status = argo.awaitPhase(name, "Succeeded");
      // workflow/progress/updater.go: every pod node complete (M/M) once Succeeded, the Workflow's
      // progress their sum: 6 one-step pods (workspace, download, seed, upload, record-status,
      // release-workspace) at 1/1, and process at 100/100 when one of its reports reached a patch
      // tick before ODM ended, else 1/1 (timing, as with Argo's executor); exact figures in
      // progressAStepWritesToItsProgressFileBecomesItsNodeProgressAsWithArgosExecutor.
      String processProgress = String.valueOf(node(status, "process(0)").get("progress"));
      assertThat(processProgress).isIn("100/100", "1/1");
      int processTotal = Integer.parseInt(processProgress.substring(processProgress.indexOf('/') + 1));
      assertThat(status.get("progress")).isEqualTo((6 + processTotal) + "/" + (6 + processTotal));
      assertThat(status.get("finishedAt")).isNotNull();
      // The exit handler's release-workspace deleted the volume.
      assertThat(world.volumeClaims()).doesNotContain(name + "-workspace");
      // Each pod's executor reported its result, as Argo >= 3.4's does.
      var results = world.kubernetes.genericKubernetesResources(org.odmwatcher.testing.argo.PodRunner.TASK_RESULTS)
          .inNamespace(world.namespace).withLabel("workflows.argoproj.io/workflow", name).list().getItems();
      assertThat(results).hasSize(7).allSatisfy(r -> assertThat(r.getMetadata().getLabels())
          .containsEntry("workflows.argoproj.io/report-outputs-completed", "true"));
    }
  }

  @Test
  void cancelThroughOdmJsonStopsTheWorkflowRunsTheExitHandlerAndLeavesNoVolume() {
    String folder = "cancel/";
    world.uploadImages(folder, 2);
    world.putManifest(folder, "{}");
    try (TestArgo argo = world.startArgo()) {
      argo.hold(folder, "process");
      world.notifyCreated(folder + "odm.json");
      awaitStage(folder, "dataset"); // the process step runs (its pod held before ODM starts)
      String jobId = world.status(folder).orElseThrow().path("jobId").asText();
      String name = world.workflowsFor(jobId).get(0).getMetadata().getName();
      assertThat(world.volumeClaims()).contains(name + "-workspace");

      world.putManifest(folder, "{\"cancel\": true}");
      world.notifyCreated(folder + "odm.json");

      Map<String, Object> status = argo.awaitStatus(name, s -> s.get("finishedAt") != null);
      assertThat(status.get("phase")).isEqualTo("Failed");
      assertThat(status.get("message")).isEqualTo("Stopped with strategy 'Stop'");
      assertThat(node(status, "process(0)").get("message")).isEqualTo("workflow shutdown with strategy:  Stop");
      assertThat(node(status, "record-status(0)").get("phase")).isEqualTo("Succeeded");
      assertThat(node(status, "release-workspace(0)").get("phase")).isEqualTo("Succeeded");
      assertThat(world.volumeClaims()).doesNotContain(name + "-workspace");
      JsonNode canceled = world.awaitState(folder, "canceled");
      // Neither the exit handler (job-finished --phase Failed) nor the informer makes it failed.
      await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4))
          .until(() -> world.status(folder).orElseThrow().path("state").asText().equals("canceled"));
      assertThat(canceled.path("jobId").asText()).isEqualTo(jobId);
    }
  }

  @Test
  void failedStepsAreRetriedAsTheirRetryPolicySaysAndAFailedOdmRunEndsFailed() {
    String folder = "retries/";
    world.uploadImages(folder, 2);
    world.putManifest(folder, "{}");
    try (TestArgo argo = world.startArgo()) {
      argo.failNext(folder, "download", TestArgo.Fault.FAILED); // retryPolicy Always: tried again
      argo.failNext(folder, "process", TestArgo.Fault.ERROR);   // OnError: a lost pod is tried again…
      argo.failOdmNext(folder, 1);                              // …but a failed ODM run is not
      world.notifyCreated(folder + "odm.json");
      JsonNode failed = world.awaitState(folder, "failed");
      String name = world.workflowsFor(failed.path("jobId").asText()).get(0).getMetadata().getName();
      Map<String, Object> status = argo.awaitStatus(name, s -> s.get("finishedAt") != null);
      assertThat(status.get("phase")).isEqualTo("Failed");
      assertThat(node(status, "download(0)")).containsEntry("phase", "Failed").containsEntry("message", "main: Error (exit code 1)");
      assertThat(node(status, "download(1)")).containsEntry("phase", "Succeeded");
      assertThat(node(status, "process(0)")).containsEntry("phase", "Error").containsEntry("message", "pod deleted");
      assertThat(node(status, "process(1)")).containsEntry("phase", "Failed");
      assertThat(node(status, "process")).containsEntry("type", "Retry").containsEntry("phase", "Failed")
          .containsEntry("message", "main: Error (exit code 1)");
      assertThat(nodeNames(status)).doesNotContain("upload(0)", "process(2)");
      assertThat(world.volumeClaims()).doesNotContain(name + "-workspace");
    }
  }

  @Test
  void anOdmRunKilledForMemoryEndsFailedAndTheExitHandlerRecordsTheStepAndTheExitCode() {
    String folder = "oom-exit-handler/";
    world.uploadImages(folder, 2);
    world.putManifest(folder, "{}");
    try (TestArgo argo = world.startArgo()) {
      argo.failOdmNext(folder, 137);
      argo.hold(folder, "release-workspace"); // keeps the Workflow Running after record-status
      world.notifyCreated(folder + "odm.json");
      JsonNode failed = world.awaitState(folder, "failed");
      String name = world.workflowsFor(failed.path("jobId").asText()).get(0).getMetadata().getName();
      // Written by job-finished from {{workflow.failures}}: the Workflow has not ended yet.
      assertThat(((Map<?, ?>) argo.workflow(name).getAdditionalProperties().get("status")).get("phase")).isEqualTo("Running");
      assertThat(failed.path("message").asText()).isEqualTo("process failed: main: Error (exit code 137)");

      argo.release(folder, "release-workspace");
      Map<String, Object> status = argo.awaitStatus(name, s -> s.get("finishedAt") != null);
      assertThat(status.get("phase")).isEqualTo("Failed");
      assertThat(status.get("message")).as("Argo gives a failed DAG's Workflow no message").isNull();
      assertThat(node(status, "process(0)").get("message")).isEqualTo("main: Error (exit code 137)");
      // The informer's view of the ended Workflow says the same.
      await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4))
          .until(() -> world.status(folder).orElseThrow().path("message").asText(), "process failed: main: Error (exit code 137)"::equals);
    }
  }

  @Test
  void whenTheExitHandlerCannotRecordTheInformerRecordsTheFailedStepAndTheExitCode() {
    String folder = "oom-informer/";
    world.uploadImages(folder, 2);
    world.putManifest(folder, "{}");
    try (TestArgo argo = world.startArgo()) {
      argo.failOdmNext(folder, 137);
      for (int attempt = 0; attempt <= 5; attempt++) { // record-status: retryStrategy limit 5
        argo.failNext(folder, "record-status", TestArgo.Fault.FAILED);
      }
      world.notifyCreated(folder + "odm.json");
      JsonNode failed = world.awaitState(folder, "failed");
      String name = world.workflowsFor(failed.path("jobId").asText()).get(0).getMetadata().getName();
      Map<String, Object> status = argo.awaitStatus(name, s -> s.get("finishedAt") != null);
      assertThat(node(status, "record-status")).containsEntry("phase", "Failed");
      assertThat(node(status, "record-status(5)")).containsEntry("phase", "Failed");
      assertThat(failed.path("message").asText()).isEqualTo("process failed: main: Error (exit code 137)");
    }
  }

  @Test
  void overTheNamespaceParallelismAWorkflowWaitsPendingAndItsStatusSaysSubmitted() {
    try (TestArgo argo = world.startArgo(1)) {
      argo.hold("first/", "workspace");
      world.uploadImages("first/", 1);
      world.putManifest("first/", "{}");
      world.notifyCreated("first/odm.json");
      world.awaitState("first/", "running");
      world.uploadImages("second/", 1);
      world.putManifest("second/", "{}");
      world.notifyCreated("second/odm.json");
      JsonNode second = world.awaitState("second/", "submitted");
      String name = world.workflowsFor(second.path("jobId").asText()).get(0).getMetadata().getName();
      Map<String, Object> pending = argo.awaitPhase(name, "Pending");
      assertThat(pending.get("message")).isEqualTo(TestArgo.POSTPONED);
      await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
          .until(() -> world.status("second/").orElseThrow().path("state").asText().equals("submitted"));
      argo.release("first/", "workspace");
      world.awaitState("first/", "succeeded");
      world.awaitState("second/", "succeeded");
    }
  }

  @Test
  void progressAStepWritesToItsProgressFileBecomesItsNodeProgressAsWithArgosExecutor() throws Exception {
    String folder = "progress-file/";
    world.uploadImages(folder, 2);
    world.putManifest(folder, "{}");
    try (TestArgo argo = world.startArgo()) {
      argo.pauseOdm(folder);
      world.notifyCreated(folder + "odm.json");
      String jobId = world.awaitState(folder, "running").path("jobId").asText();
      String name = world.workflowsFor(jobId).get(0).getMetadata().getName();
      // The stand-in ODM is held in its opensfm stage; by then the process program has written ODM's
      // 5 % (dataset finished) and will write nothing more until ODM moves on (never backwards), so
      // the file is the test's own from here.
      argo.awaitStatus(name, s -> findNode(s, "process(0)").map(n -> "5/100".equals(n.get("progress"))).orElse(false));

      java.nio.file.Files.writeString(argo.progressFile(name, "process(0)"), "10/100\n42/100\n");
      Map<String, Object> reporting = argo.awaitStatus(name,
          s -> findNode(s, "process(0)").map(n -> "42/100".equals(n.get("progress"))).orElse(false));
      // workflow/progress/updater.go: the pods' N/M summed (workspace 1/1, download 1/1, seed 1/1, process 42/100)
      assertThat(reporting.get("progress")).isEqualTo("45/103");

      argo.resumeOdm(folder);
      Map<String, Object> done = argo.awaitPhase(name, "Succeeded");
      assertThat(node(done, "process(0)").get("progress")).isEqualTo("100/100");
      assertThat(done.get("progress")).isEqualTo("106/106");
    }
  }

  /**
   * ODM's own progress through Argo: the template's program hears ODM's datagrams and stage lines,
   * writes Argo's progress file, the test Argo reports it as the process node's progress, and the
   * watcher turns it into status.json's ODM stage and percentage, never backwards.
   */
  @Test
  void statusRisesThroughOdmsStagesAsOdmReportsItsProgressAndNeverGoesBackwards() throws Exception {
    String folder = "odm-progress/";
    world.uploadImages(folder, 2);
    world.putManifest(folder, "{}");
    List<Integer> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<String> stages = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (TestArgo argo = world.startArgo();
        java.net.DatagramSocket odm = new java.net.DatagramSocket()) {
      argo.pauseOdm(folder);
      world.notifyCreated(folder + "odm.json");
      String jobId = world.awaitState(folder, "running").path("jobId").asText();
      var watching = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
      watching.scheduleWithFixedDelay(() -> world.status(folder).ifPresent(s -> {
        if (s.path("progress").isInt() && (seen.isEmpty() || seen.get(seen.size() - 1) != s.path("progress").asInt())) {
          seen.add(s.path("progress").asInt());
          stages.add(s.path("stage").asText());
        }
      }), 0, 50, java.util.concurrent.TimeUnit.MILLISECONDS);
      try {
        // The stand-in ODM is held in its opensfm stage: its stage line alone puts the job there.
        JsonNode opensfm = awaitStage(folder, "opensfm");
        assertThat(opensfm.path("progress").asInt()).isBetween(10, 39);

        // ODM's datagrams (opendm/progress.py): PGUP/<pid>/<project = the job id>/<percent>.
        sendProgress(odm, jobId, 37.5); // openmvs runs from ODM's 25 % to 50 %
        assertThat(awaitStage(folder, "openmvs").path("progress").asInt()).isBetween(40, 57);
        sendProgress(odm, "another-project", 95.0); // not this job's ODM: ignored
        sendProgress(odm, jobId, 20.0); // late and lower: never backwards
        sendProgress(odm, jobId, 85.0); // odm_dem: 80..90
        assertThat(awaitStage(folder, "odm_dem").path("progress").asInt()).isBetween(80, 84);

        argo.resumeOdm(folder);
        JsonNode done = world.awaitState(folder, "succeeded");
        assertThat(done.path("progress").asInt()).isEqualTo(100);
      } finally {
        watching.shutdownNow();
      }
      assertThat(seen).isSorted();
      assertThat(stages).containsSubsequence("opensfm", "openmvs", "odm_dem");
    }
  }

  private static void sendProgress(java.net.DatagramSocket socket, String project, double percent) throws java.io.IOException {
    byte[] datagram = ("PGUP/4242/" + project + "/" + percent).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    socket.send(new java.net.DatagramPacket(datagram, datagram.length, java.net.InetAddress.getLoopbackAddress(), 6367));
  }

  @SuppressWarnings("unchecked")
  private static java.util.Optional<Map<String, Object>> findNode(Map<String, Object> status, String displayName) {
    if (!(status.get("nodes") instanceof Map<?, ?> nodes)) {
      return java.util.Optional.empty();
    }
    return ((Map<String, Map<String, Object>>) nodes).values().stream()
        .filter(n -> displayName.equals(n.get("displayName"))).findFirst();
  }

  private JsonNode awaitStage(String folder, String stage) {
    await().atMost(Duration.ofSeconds(30))
        .until(() -> world.status(folder).map(s -> s.path("stage").asText()).orElse(""), stage::equals);
    return world.status(folder).orElseThrow();
  }

  /** The node whose displayName is {@code displayName}. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> node(Map<String, Object> status, String displayName) {
    return ((Map<String, Map<String, Object>>) status.get("nodes")).values().stream()
        .filter(n -> displayName.equals(n.get("displayName")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no node " + displayName + " in " + nodeNames(status)));
  }

  @SuppressWarnings("unchecked")
  private static List<Object> nodeNames(Map<String, Object> status) {
    return ((Map<String, Map<String, Object>>) status.get("nodes")).values().stream().map(n -> n.get("displayName")).toList();
  }

}
