package org.odmwatcher.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.odmwatcher.config.ArgoConfig;
import org.odmwatcher.config.S3Config;
import org.odmwatcher.manifest.ManifestParser;
import org.odmwatcher.manifest.ManifestValidator;
import org.odmwatcher.manifest.OptionCatalogue;

class WorkflowRendererTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final OptionCatalogue CATALOGUE = OptionCatalogue.load(JSON);

  static JobSpec sampleJob() {
    var manifest =
        new ManifestParser(JSON, new ManifestValidator(CATALOGUE))
            .parse("{\"name\": \"Farm A\", \"options\": {\"dsm\": true, \"orthophoto-resolution\": 2}, \"outputs\": [\"orthophoto\", \"dsm\"]}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8))
            .manifest();
    return new JobSpec("drone-data", "farm a/flight 3/", JobId.derive("drone-data", "farm a/flight 3/", "etag-1"),
        "etag-1", manifest, List.of("farm a/flight 3/1.jpg", "farm a/flight 3/2.jpg"), "farm a/flight 3/results/");
  }

  static WorkflowRenderer renderer() {
    return new WorkflowRenderer(
        new ArgoConfig("odm", "odm-process", null, true, Duration.ofMinutes(5)),
        new S3Config("https://s3.example.org", "eu-central-1", true, null, null, "auto"),
        new OdmArguments(CATALOGUE));
  }

  @Test
  void aResumedJobRunsOnTheKeptClaimInTheFailedRunsProjectFromItsStage() {
    JobSpec resumed = sampleJob().resuming(
        new JobSpec.Resumption("odm-0123456789abcdef-workspace", "0123456789abcdef0123456789abcdef",
            "0123456789abcdef0123456789abcdef", "odm_orthophoto", null));
    var values = renderer().parameterValues(resumed);
    assertThat(values.get(WorkflowParameters.WORKSPACE)).isEqualTo("odm-0123456789abcdef-workspace");
    assertThat(values.get(WorkflowParameters.PROJECT)).isEqualTo("0123456789abcdef0123456789abcdef");
    assertThat(values.get(WorkflowParameters.ODM_ARGS)).endsWith(",\"--rerun-from\",\"odm_orthophoto\"]");
    assertThat(values.get(WorkflowParameters.KEEP_WORKSPACE_ON)).isEqualTo("^$"); // watcher.workspace.* off here
  }

  @Test
  void rendersTheExpectedWorkflow() throws Exception {
    String rendered = Serialization.asYaml(renderer().render(sampleJob()));
    try (InputStream in = getClass().getResourceAsStream("/workflow/expected-workflow.yaml")) {
      JsonNode expected = new YAMLMapper().readTree(in);
      assertThat(new YAMLMapper().readTree(rendered)).isEqualTo(expected);
    }
  }

  @Test
  void rendersEveryContractParameterOnce() {
    assertThat(renderer().parameterValues(sampleJob()).keySet()).containsExactlyElementsOf(WorkflowParameters.ALL);
  }

  @Test
  void sizesMemoryFromOdmsTableInterpolatedAndCpuAndScratchSpace() {
    ResourceSizing forty = ResourceSizing.forImages(40);
    assertThat(forty.memory()).isEqualTo("4Gi");
    assertThat(forty.cpu()).isEqualTo("2");
    assertThat(forty.workspace()).isEqualTo("12Gi");
    // ODM's table rows exactly
    assertThat(ResourceSizing.forImages(250).memory()).isEqualTo("16Gi");
    assertThat(ResourceSizing.forImages(500).memory()).isEqualTo("32Gi");
    assertThat(ResourceSizing.forImages(1500).memory()).isEqualTo("64Gi");
    assertThat(ResourceSizing.forImages(2500).memory()).isEqualTo("128Gi");
    assertThat(ResourceSizing.forImages(3500).memory()).isEqualTo("192Gi");
    assertThat(ResourceSizing.forImages(5000).memory()).isEqualTo("256Gi");
    // between rows: on the line (1000 = half way from 500/32 to 1500/64), rounded up to a GiB
    assertThat(ResourceSizing.forImages(1000).memory()).isEqualTo("48Gi");
    assertThat(ResourceSizing.forImages(245).memory()).isEqualTo("16Gi");
    // past the table: the last row's slope (64 GB per 1500 images), no flat 256Gi for 12k images
    assertThat(ResourceSizing.forImages(12000).memory()).isEqualTo("555Gi");
    assertThat(ResourceSizing.forImages(12000).cpu()).isEqualTo("64");
    // review finding 10: scratch space follows the bytes, not the count (5000 tiny files: not 206Gi)
    assertThat(ResourceSizing.forImages(5000, 5000L * 2).workspace()).isEqualTo("11Gi");
    assertThat(ResourceSizing.forImages(500, 500L * 20_000_000).workspace()).isEqualTo("85Gi");
  }

  @Test
  void swapLowersTheRequestNotTheLimit() {
    ResourceSizing.Resources odm = ResourceSizing.forImages(500, -1, 1.0).process();
    assertThat(odm.memoryRequestQuantity()).isEqualTo("16Gi");
    assertThat(odm.memoryLimitQuantity()).isEqualTo("32Gi");
    assertThat(ResourceSizing.forImages(500, -1, 0).process().memoryRequestQuantity()).isEqualTo("32Gi");
  }
}
