package org.odmwatcher.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
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
  void aSplitJobThatFailedInItsSplitStageResumesWithoutRerunningItSoOdmKeepsTheFinishedSubmodels() {
    byte[] split = "{\"options\": {\"split\": 400}}".getBytes(StandardCharsets.UTF_8);
    byte[] groups = "{\"options\": {\"split-image-groups\": \"groups.txt\"}}".getBytes(StandardCharsets.UTF_8);
    byte[] whole = "{\"options\": {\"dsm\": true}}".getBytes(StandardCharsets.UTF_8);
    assertThat(ResumeHint.splits(split)).isTrue();
    assertThat(ResumeHint.splits(groups)).isTrue();
    assertThat(ResumeHint.splits(whole)).isFalse();
    assertThat(ResumeHint.splits("not json".getBytes(StandardCharsets.UTF_8))).isFalse();
    // --rerun-from split (or dataset) would rerun the split stage: every submodel again.
    assertThat(ResumeHint.rerunFrom("split", true)).isNull();
    assertThat(ResumeHint.rerunFrom("dataset", true)).isNull();
    assertThat(ResumeHint.rerunFrom("merge", true)).isEqualTo("merge");
    assertThat(ResumeHint.rerunFrom("split", false)).isEqualTo("split");
    assertThat(ResumeHint.rerunsSplit("dataset")).isTrue();
    assertThat(ResumeHint.rerunsSplit("merge")).isFalse();
    assertThat(ResumeHint.rerunsSplit(null)).isFalse();
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
    ResourceSizing computed = ResourceSizing.forImages(40); // ODM's table: 4Gi, 2 CPUs
    ResourcesConfig caps = new ResourcesConfig("64Gi", "16", 2, false);
    assertThat(ResourceOverride.apply(computed, null, caps)).isEqualTo(computed);
    ResourceSizing more = ResourceOverride.apply(computed, new OdmManifest.Resources("8Gi", null), caps);
    assertThat(List.of(more.memory(), more.process().memoryLimitQuantity(), more.cpu(), more.workspace()))
        .containsExactly("8Gi", "8Gi", computed.cpu(), computed.workspace());
    ResourceSizing capped = ResourceOverride.apply(computed, new OdmManifest.Resources("512Gi", "3500m"), caps);
    assertThat(List.of(capped.memory(), capped.cpu(), capped.workspace())).containsExactly("64Gi", "3500m", computed.workspace());
    assertThat(ResourceOverride.apply(computed, new OdmManifest.Resources(null, "64"), caps).cpu()).isEqualTo("16");
  }
}
