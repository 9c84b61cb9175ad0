package org.odmwatcher.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
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
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.argo.TestArgo;

/**
 * NodeODM's restart from a stage, as pyODM sends it (pyodm/api.py Task.restart(options):
 * {@code POST /task/restart} with {@code uuid} and {@code options}, the options as a JSON list of
 * name/value): a task that failed in ODM's orthophoto stage is restarted with {@code rerun-from}
 * and continues in its kept workspace, as NodeODM continues in the task's folder.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeOdmResumeTest implements TestPropertyProvider {
  private final PipelineFixture world = new PipelineFixture("api-resume", "api-resume");

  @Inject EmbeddedServer server;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> p = new LinkedHashMap<>(world.apiProperties());
    p.put("watcher.api.poll-interval", "300ms");
    p.put("watcher.workspace.keep-failed", "72h");
    return p;
  }

  @AfterAll
  void close() {
    world.close();
  }

  @Test
  void restartWithRerunFromResumesTheFailedTaskInItsKeptWorkspace() throws Exception {
    NodeOdmClient node = new NodeOdmClient(server.getURI(), "");
    String uuid = UUID.randomUUID().toString();
    String folder = "api-tasks/" + uuid + "/";
    try (TestArgo argo = world.startArgo()) {
      argo.failOdmNext(folder, 137, "odm_orthophoto");
      node.postMultipart("/task/new/init", Map.of("set-uuid", uuid),
          Map.of("options", "[{\"name\":\"dsm\",\"value\":true}]"), List.of());
      for (int i = 1; i <= 3; i++) {
        String file = String.format("DJI_%04d.JPG", i);
        node.postMultipart("/task/new/upload/" + uuid, Map.of(), Map.of(),
            List.of(new NodeOdmClient.Part("images", file, new byte[] {(byte) 0xFF, (byte) 0xD8})));
      }
      node.postMultipart("/task/new/commit/" + uuid, Map.of(), Map.of(), List.of());
      // Restarted the moment FAILED is seen, as pyODM users do (wait_for_completion, then restart):
      // by then the workspace is kept, and the error names the stage and the option that resumes.
      JsonNode failed = await().atMost(Duration.ofSeconds(120)).until(
          () -> node.get("/task/" + uuid + "/info").path("status"), s -> s.path("code").asInt() == 30);
      JsonNode kept = world.status(folder).orElseThrow().path("workspace");
      assertThat(kept.path("keptUntil").isTextual()).as(kept.toString()).isTrue();
      assertThat(failed.path("errorMessage").asText())
          .contains("failed in odm_orthophoto", "kept until " + kept.path("keptUntil").asText(), "rerun-from=odm_orthophoto");
      String failedJob = world.status(folder).orElseThrow().path("jobId").asText();

      // pyODM: task.restart({'rerun-from': 'odm_orthophoto'}) sends the options in list form.
      JsonNode restarted = node.postForm("/task/restart",
          Map.of("uuid", uuid, "options", "[{\"name\":\"rerun-from\",\"value\":\"odm_orthophoto\"}]"));
      assertThat(restarted.path("success").asBoolean()).as(restarted.toString()).isTrue();
      await().atMost(Duration.ofSeconds(120)).until(() -> node.get("/task/" + uuid + "/info").path("status").path("code").asInt() == 40);
      JsonNode done = world.status(folder).orElseThrow();
      assertThat(done.path("workspace").path("resumedFrom").asText()).isEqualTo(failedJob);
      GenericKubernetesResource second = world.workflowsFor(done.path("jobId").asText()).get(0);
      String log = argo.podLog(second.getMetadata().getName(), "process(0)");
      assertThat(org.odmwatcher.testing.argo.OdmStageLog.worked(log))
          .containsExactly("split", "merge", "odm_orthophoto", "odm_report", "odm_postprocess");
      assertThat(log).contains("--dsm"); // the task's options stay: only rerun-from was given
      assertThat(kept.path("volume").asText()).isEqualTo(done.path("workspace").path("volume").asText());
    }
  }
}
