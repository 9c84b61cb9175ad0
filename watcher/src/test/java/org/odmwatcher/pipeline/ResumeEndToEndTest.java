package org.odmwatcher.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.micronaut.test.annotation.MockBean;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.testing.MovableClock;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.argo.OdmStageLog;
import org.odmwatcher.testing.argo.TestArgo;
import org.odmwatcher.workflow.KeptWorkspaces;
import org.odmwatcher.workflow.WorkspaceSweep;

/**
 * Resuming a failed job where it stopped, on the test Argo with the stand-in ODM: the failed run's
 * workspace volume is kept (its owner reference removed, so it outlives the Workflow), status.json
 * says until when and which odm.json resumes it; that odm.json runs on the same volume, downloads
 * nothing it had, and ODM works again only from the stage that failed (ODM's skip-if-done rule and
 * {@code --rerun-from}, followed by the stand-in). A workspace kept too long is removed by the
 * sweep, and a resume then says so and runs from the start.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResumeEndToEndTest implements TestPropertyProvider {
  private static final List<String> ALL_STAGES = List.of("dataset", "split", "merge", "opensfm", "openmvs",
      "odm_filterpoints", "odm_meshing", "mvs_texturing", "odm_georeferencing", "odm_dem", "odm_orthophoto",
      "odm_report", "odm_postprocess");

  private final PipelineFixture world = new PipelineFixture("resume-e2e", "resume-e2e");
  private final MovableClock clock = new MovableClock();
  private final ObjectMapper json = new ObjectMapper();

  @Inject WorkspaceSweep sweep;

  @MockBean(Clock.class)
  Clock clock() {
    return clock;
  }

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> p = new LinkedHashMap<>(world.properties());
    p.put("watcher.workspace.keep-failed", "72h");
    return p;
  }

  @AfterAll
  void close() {
    world.close();
  }

  @Test
  void aJobKilledForMemoryInTheOrthophotoStageResumesThereOnItsKeptVolumeWithMoreMemory() throws Exception {
    String folder = "resume/oom/";
    world.uploadImages(folder, 3);
    world.putManifest(folder, "{\"options\": {\"dsm\": true}, \"outputs\": [\"orthophoto\", \"dsm\"]}");
    try (TestArgo argo = world.startArgo()) {
      argo.failOdmNext(folder, 137, "odm_orthophoto");
      world.notifyCreated(folder + "odm.json");
      JsonNode failed = awaitState(folder, "failed");
      String failedJob = failed.path("jobId").asText();
      GenericKubernetesResource first = world.workflowsFor(failedJob).get(0);
      String claim = parameter(first, "workspace");
      assertThat(claim).isEqualTo(first.getMetadata().getName() + "-workspace");

      // Kept: status.json says until when, the stage and the exact odm.json that resumes it.
      JsonNode kept = await().atMost(Duration.ofSeconds(30)).until(
          () -> world.status(folder).orElseThrow().path("workspace"), w -> w.path("keptUntil").isTextual());
      assertThat(kept.path("volume").asText()).isEqualTo(claim);
      assertThat(kept.path("failedStage").asText()).isEqualTo("odm_orthophoto");
      JsonNode resumeWith = json.readTree(kept.path("resumeWith").asText());
      assertThat(resumeWith.path("resume").asBoolean()).isTrue();
      assertThat(resumeWith.path("rerun-from").asText()).isEqualTo("odm_orthophoto");
      assertThat(resumeWith.path("resources").path("memory").asText()).isEqualTo("8Gi"); // 4Gi, killed for memory: twice
      assertThat(resumeWith.path("options").path("dsm").asBoolean()).isTrue();
      assertThat(kept.path("note").asText()).contains("kept until", "from odm_orthophoto", "with more memory");
      // The claim outlives its Workflow: no owner any more, labelled kept.
      PersistentVolumeClaim pvc = world.kubernetes.persistentVolumeClaims().inNamespace("resume-e2e").withName(claim).get();
      assertThat(pvc.getMetadata().getOwnerReferences()).isNullOrEmpty();
      assertThat(pvc.getMetadata().getLabels()).containsEntry(KeptWorkspaces.KEPT, "true");
      Path images = argo.claim(claim).resolve(failedJob).resolve("images");
      Map<String, FileTime> downloaded = modified(images);
      assertThat(downloaded).hasSize(3);

      // Resumed with the odm.json status.json gave.
      world.putManifest(folder, kept.path("resumeWith").asText());
      world.notifyCreated(folder + "odm.json");
      JsonNode done = awaitSucceeded(folder);
      String resumedJob = done.path("jobId").asText();
      assertThat(resumedJob).isNotEqualTo(failedJob);
      assertThat(done.path("workspace").path("resumedFrom").asText()).isEqualTo(failedJob);
      assertThat(done.path("workspace").path("volume").asText()).isEqualTo(claim);
      GenericKubernetesResource second = world.workflowsFor(resumedJob).get(0);
      assertThat(parameter(second, "workspace")).isEqualTo(claim);
      assertThat(parameter(second, "project")).isEqualTo(failedJob);
      assertThat(parameter(second, "memory")).isEqualTo("8Gi");
      assertThat(modified(images)).as("rclone copy skips the images the volume has").isEqualTo(downloaded);
      String log = argo.podLog(second.getMetadata().getName(), "process(0)");
      assertThat(log).contains("--rerun-from", "odm_orthophoto");
      assertThat(worked(log)).containsExactly("split", "merge", "odm_orthophoto", "odm_report", "odm_postprocess");
      assertThat(done.path("outputs").toString()).contains("results/odm_orthophoto/odm_orthophoto.tif", "results/odm_dem/dsm.tif");
    }
  }

  @Test
  void aResumeAfterTheKeepTimeRunsFromTheStartAndSaysSoAndTheSweepRemovedTheVolume() throws Exception {
    String folder = "resume/expired/";
    world.uploadImages(folder, 2);
    world.putManifest(folder, "{\"options\": {\"fast-orthophoto\": true}}");
    try (TestArgo argo = world.startArgo()) {
      argo.failOdmNext(folder, 137, "odm_orthophoto");
      world.notifyCreated(folder + "odm.json");
      String failedJob = awaitState(folder, "failed").path("jobId").asText();
      String claim = await().atMost(Duration.ofSeconds(30)).until(
          () -> world.status(folder).orElseThrow().path("workspace"), w -> w.path("keptUntil").isTextual())
          .path("volume").asText();
      assertThat(sweep.sweep()).isEmpty(); // kept: nothing to remove yet

      clock.pass(Duration.ofHours(73)); // past watcher.workspace.keep-failed
      try {
        assertThat(sweep.sweep()).extracting(WorkspaceSweep.Removed::claim).containsExactly(claim);
      } finally {
        clock.pass(Duration.ofHours(-73)); // the other tests' jobs fail now, not 73 h ago
      }
      assertThat(world.volumeClaims()).doesNotContain(claim);

      world.putManifest(folder, "{\"options\": {\"fast-orthophoto\": true}, \"resume\": true}");
      world.notifyCreated(folder + "odm.json");
      JsonNode done = awaitSucceeded(folder);
      assertThat(done.path("workspace").path("note").asText())
          .startsWith("no kept workspace of an earlier failed run of this folder");
      assertThat(done.path("workspace").has("resumedFrom")).isFalse();
      GenericKubernetesResource second = world.workflowsFor(done.path("jobId").asText()).get(0);
      assertThat(parameter(second, "workspace")).isNotEqualTo(claim);
      assertThat(parameter(second, "project")).isEqualTo(done.path("jobId").asText()).isNotEqualTo(failedJob);
      List<String> expected = new ArrayList<>(ALL_STAGES);
      expected.remove("openmvs"); // fast-orthophoto
      assertThat(worked(argo.podLog(second.getMetadata().getName(), "process(0)"))).isEqualTo(expected);
    }
  }

  private static Map<String, FileTime> modified(Path dir) throws java.io.IOException {
    Map<String, FileTime> times = new LinkedHashMap<>();
    try (var files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        times.put(f.getFileName().toString(), Files.getLastModifiedTime(f));
      }
    }
    return times;
  }

  /** The folder's status once in {@code state} (the whole status in the message if it never gets there). */
  private JsonNode awaitState(String folder, String state) {
    await().atMost(Duration.ofSeconds(180)).untilAsserted(() -> assertThat(world.status(folder).map(s -> s.path("state").asText()).orElse(""))
        .as(() -> world.status(folder).toString()).isEqualTo(state));
    return world.status(folder).orElseThrow();
  }

  private JsonNode awaitSucceeded(String folder) {
    return awaitState(folder, "succeeded");
  }

  static List<String> worked(String log) {
    return OdmStageLog.worked(log);
  }

  @SuppressWarnings("unchecked")
  private static String parameter(GenericKubernetesResource wf, String name) {
    Map<String, Object> spec = (Map<String, Object>) wf.getAdditionalProperties().get("spec");
    List<Map<String, Object>> parameters = (List<Map<String, Object>>) ((Map<String, Object>) spec.get("arguments")).get("parameters");
    return parameters.stream().filter(p -> name.equals(p.get("name"))).map(p -> String.valueOf(p.get("value"))).findFirst()
        .orElse(null);
  }
}
