package org.odmwatcher.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.odmwatcher.config.ResourcesConfig;
import org.odmwatcher.manifest.OdmManifest;

class ResumeHintTest {
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void theHintIsTheJobsOwnManifestAskingToResumeFromTheFailedStageWithMoreMemory() throws Exception {
    byte[] manifest = "{\"name\": \"farm\", \"options\": {\"dsm\": true}, \"cancel\": false, \"rerun-from\": \"dataset\"}"
        .getBytes(StandardCharsets.UTF_8);
    JsonNode hint = json.readTree(ResumeHint.manifest(manifest, "odm_orthophoto", ResumeHint.steppedUp("16Gi", 2)));
    assertThat(hint.path("name").asText()).isEqualTo("farm");
    assertThat(hint.path("options").path("dsm").asBoolean()).isTrue();
    assertThat(hint.has("cancel")).isFalse();
    assertThat(hint.path("resume").asBoolean()).isTrue();
    assertThat(hint.path("rerun-from").asText()).isEqualTo("odm_orthophoto");
    assertThat(hint.path("resources").path("memory").asText()).isEqualTo("32Gi");
  }

  @Test
  void withoutAStageOrAnOutOfMemoryKillTheHintOnlyResumes() throws Exception {
    JsonNode hint = json.readTree(ResumeHint.manifest(null, null, null));
    assertThat(hint.toString()).isEqualTo("{\"resume\":true}");
  }

  @Test
  void argosOomKilledReasonAndExitCode137AreOutOfMemory() {
    assertThat(ResumeHint.outOfMemory("process failed: main: OOMKilled (exit code 137)")).isTrue();
    assertThat(ResumeHint.outOfMemory("process failed: main: Error (exit code 137)")).isTrue();
    assertThat(ResumeHint.outOfMemory("process failed: main: Error (exit code 1)")).isFalse();
    assertThat(ResumeHint.steppedUp("3Gi", 1.5)).isEqualTo("5Gi"); // 4.5 rounded up to whole GiB
  }

  @Test
  void resourcesInTheManifestReplaceTheSizingWithinTheCaps() {
    ResourceSizing computed = new ResourceSizing("4Gi", "2", "20Gi");
    ResourcesConfig caps = new ResourcesConfig("64Gi", "16", 2, false);
    assertThat(ResourceOverride.apply(computed, null, caps)).isEqualTo(computed);
    assertThat(ResourceOverride.apply(computed, new OdmManifest.Resources("8Gi", null), caps))
        .isEqualTo(new ResourceSizing("8Gi", "2", "20Gi"));
    assertThat(ResourceOverride.apply(computed, new OdmManifest.Resources("512Gi", "3500m"), caps))
        .isEqualTo(new ResourceSizing("64Gi", "3500m", "20Gi"));
    assertThat(ResourceOverride.apply(computed, new OdmManifest.Resources(null, "64"), caps).cpu()).isEqualTo("16");
  }
}
