package org.odmwatcher.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odmwatcher.local.LocalMode;
import org.odmwatcher.testing.argo.OdmStageLog;
import org.odmwatcher.workflow.local.LocalJobSubmitter;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Issue 25 item 5 through the NodeODM API of local mode (WebODM's processing node on a laptop): a
 * task that failed in ODM's orthophoto stage is restarted as pyODM's {@code task.restart({'rerun-from':
 * 'odm_orthophoto'})} sends it and continues in its kept work folder, as NodeODM continues in the
 * task's folder (NodeODM libs/Task.js restart).
 */
class LocalModeNodeOdmResumeTest {
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void restartWithRerunFromResumesTheFailedTaskInItsKeptWorkFolder(@TempDir Path data) throws Exception {
    Map<String, String> props = Map.of("watcher.local.status-interval", "100ms", "watcher.local.manifest-check", "300ms",
        "watcher.local.test-pace", "20ms", "watcher.workspace.keep-failed", "72h", "watcher.api.poll-interval", "300ms");
    try (LocalMode mode = LocalMode.start(new LocalMode.Settings(data, "127.0.0.1", 0, "local-test", "local-test-secret", "odm",
        "test", "500ms", props));
        S3Client s3 = LocalMode.client(mode.endpoint(), "local-test", "local-test-secret")) {
      NodeOdmClient node = new NodeOdmClient(URI.create(mode.httpUrl()), "");
      String uuid = UUID.randomUUID().toString();
      String folder = "api-tasks/" + uuid + "/";
      mode.context().getBean(LocalJobSubmitter.class).failNextRun("odm", folder, 137, "odm_orthophoto");
      node.postMultipart("/task/new/init", Map.of("set-uuid", uuid),
          Map.of("options", "[{\"name\":\"dsm\",\"value\":true}]"), List.of());
      for (int i = 1; i <= 3; i++) {
        node.postMultipart("/task/new/upload/" + uuid, Map.of(), Map.of(), List.of(new NodeOdmClient.Part("images",
            String.format("DJI_%04d.JPG", i), new byte[] {(byte) 0xFF, (byte) 0xD8})));
      }
      node.postMultipart("/task/new/commit/" + uuid, Map.of(), Map.of(), List.of());
      await().atMost(Duration.ofSeconds(90)).until(() -> node.get("/task/" + uuid + "/info").path("status").path("code").asInt() == 30);
      JsonNode failed = status(s3, folder);
      Path work = data.resolve("work").resolve(failed.path("workspace").path("volume").asText());
      assertThat(failed.path("workspace").path("keptUntil").isTextual()).as(failed.toString()).isTrue();
      assertThat(work.resolve("project/images")).isDirectory();

      JsonNode restarted = node.postForm("/task/restart",
          Map.of("uuid", uuid, "options", "[{\"name\":\"rerun-from\",\"value\":\"odm_orthophoto\"}]"));
      assertThat(restarted.path("success").asBoolean()).as(restarted.toString()).isTrue();
      await().atMost(Duration.ofSeconds(90)).until(() -> node.get("/task/" + uuid + "/info").path("status").path("code").asInt() == 40);
      JsonNode done = status(s3, folder);
      assertThat(done.path("workspace").path("resumedFrom").asText()).isEqualTo(failed.path("jobId").asText());
      assertThat(done.path("workspace").path("volume").asText()).isEqualTo(work.getFileName().toString());
      String log = s3.getObjectAsBytes(b -> b.bucket("odm").key(folder + "results/odm.log")).asUtf8String();
      assertThat(OdmStageLog.worked(log)).containsExactly("split", "merge", "odm_orthophoto", "odm_report", "odm_postprocess");
      assertThat(log).contains("--dsm").contains("--project-path " + work); // the task's options, its folder
    }
  }

  private JsonNode status(S3Client s3, String folder) throws Exception {
    return json.readTree(s3.getObjectAsBytes(b -> b.bucket("odm").key(folder + "status.json")).asByteArray());
  }
}
