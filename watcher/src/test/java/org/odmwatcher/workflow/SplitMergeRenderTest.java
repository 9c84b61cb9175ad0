package org.odmwatcher.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.net.URI;
import java.time.Instant;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.odmwatcher.config.ArgoConfig;
import org.odmwatcher.config.S3Config;
import org.odmwatcher.config.SplitMergeConfig;
import org.odmwatcher.manifest.ManifestParser;
import org.odmwatcher.manifest.ManifestValidator;
import org.odmwatcher.manifest.OdmManifest;
import org.odmwatcher.manifest.OptionCatalogue;

/** What the watcher renders for a job that splits, and for a submodel of one. */
class SplitMergeRenderTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final OptionCatalogue CATALOGUE = OptionCatalogue.load(JSON);
  private static final String SECRET = "a-secret-of-enough-length";
  private static final SplitMergeConfig ON = new SplitMergeConfig("http://odm-watcher.odm.svc:8080", SECRET, 4, 16, java.time.Duration.ofHours(48), 200);

  private static WorkflowRenderer renderer(SplitMergeConfig splitMerge) {
    return new WorkflowRenderer(new ArgoConfig("odm", "odm-process", null, true, Duration.ofMinutes(5)),
        new S3Config("https://s3.example.org", "eu-central-1", true, null, null, "auto"), new OdmArguments(CATALOGUE), splitMerge);
  }

  private static OdmManifest manifest(String json) {
    ManifestParser.Result result = new ManifestParser(JSON, new ManifestValidator(CATALOGUE)).parse(json.getBytes(StandardCharsets.UTF_8));
    assertThat(result.errors()).isEmpty();
    return result.manifest();
  }

  private static JobSpec job(OdmManifest manifest, int images) {
    List<String> keys = new ArrayList<>();
    IntStream.rangeClosed(1, images).forEach(i -> keys.add("big/" + i + ".jpg"));
    return new JobSpec("drone-data", "big/", JobId.derive("drone-data", "big/", "etag-" + images), "etag", manifest, keys,
        "big/results/", images * 8_000_000L);
  }

  @Test
  void aJobThatSplitsSendsItsSubmodelsToTheApiWithItsOwnToken() throws Exception {
    JobSpec job = job(manifest("{\"options\": {\"split\": 500, \"split-overlap\": 100}}"), 5000);
    WorkflowRenderer renderer = renderer(ON);
    Map<String, String> values = renderer.parameterValues(job);
    List<String> args = List.of(JSON.readValue(values.get(WorkflowParameters.ODM_ARGS), String[].class));
    assertThat(args).containsSubsequence("--split", "500").contains("--sm-cluster");
    URI cluster = URI.create(args.get(args.indexOf("--sm-cluster") + 1));
    // No token in the parameters: the submitter puts it in the Workflow's own Secret.
    assertThat(cluster.toString()).isEqualTo("http://odm-watcher.odm.svc:8080/");
    assertThat(values.toString()).doesNotContain("sm-" + job.jobId().value());
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    String token = renderer.splitMergeToken(job, now).orElseThrow();
    assertThat(new SplitMergeToken(SECRET).verify(token, now)).contains(job.jobId().value());
    assertThat(new SplitMergeToken(SECRET).verify(token, now.plus(Duration.ofHours(48)))).as("expired").isEmpty();
    assertThat(new SplitMergeToken("another-secret-entirely").verify(token, now)).isEmpty();
    // The parent's pod works one submodel at a time: sized for 500 images, disk for all 5,000.
    assertThat(values.get(WorkflowParameters.MEMORY)).isEqualTo("32Gi");
    assertThat(values.get(WorkflowParameters.CPU)).isEqualTo("8");
    assertThat(values.get(WorkflowParameters.WORKSPACE_SIZE)).isEqualTo(ResourceSizing.forImages(5000, 5000 * 8_000_000L).workspace());
    GenericKubernetesResource wf = renderer.render(job);
    assertThat(wf.getMetadata().getLabels()).containsEntry(WorkflowLabels.SPLIT_MERGE, "true").doesNotContainKey(WorkflowLabels.PARENT_JOB);
    assertThat(wf.getAdditionalProperties().get("spec").toString()).contains("podMetadata={labels={" + WorkflowLabels.SPLIT_MERGE + "=true}}");
  }

  @Test
  void withoutAClusterUrlASplitRunsInOnePodSizedForEveryImage() throws Exception {
    JobSpec job = job(manifest("{\"options\": {\"split\": 500}}"), 5000);
    Map<String, String> values = renderer(SplitMergeConfig.off()).parameterValues(job);
    assertThat(values.get(WorkflowParameters.ODM_ARGS)).doesNotContain("sm-cluster");
    assertThat(values.get(WorkflowParameters.MEMORY)).isEqualTo("256Gi");
  }

  @Test
  void aSubmodelCarriesItsParentsLabelItsResultPathsAndNoClusterOfItsOwn() throws Exception {
    String parent = "ab".repeat(16);
    JobSpec job = job(manifest("{\"options\": {\"orthophoto-cutline\": true}, \"resultPaths\": [\"opensfm/tracks.csv\", \"odm_dem\"],"
        + " \"parentJob\": \"" + parent + "\"}"), 45);
    WorkflowRenderer renderer = renderer(ON);
    Map<String, String> values = renderer.parameterValues(job);
    assertThat(values.get(WorkflowParameters.ODM_ARGS)).doesNotContain("sm-cluster");
    assertThat(values.get(WorkflowParameters.RESULT_PATHS)).isEqualTo("[\"opensfm/tracks.csv\",\"odm_dem\"]");
    assertThat(values.get(WorkflowParameters.MEMORY)).isEqualTo("5Gi"); // its own 45 images: ODM's table between 40 (4 GB) and 250 (16 GB)
    assertThat(renderer.render(job).getMetadata().getLabels()).containsEntry(WorkflowLabels.PARENT_JOB, parent)
        .doesNotContainKey(WorkflowLabels.SPLIT_MERGE);
    assertThat(renderer.render(job).getAdditionalProperties().get("spec").toString()).doesNotContain("podMetadata");
  }

  @Test
  void tokensAreBoundToTheirJobAndCannotBeAltered() {
    SplitMergeToken tokens = new SplitMergeToken(SECRET);
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    Instant expires = now.plusSeconds(60);
    String token = tokens.mint(new JobId("cd".repeat(16)), expires);
    assertThat(tokens.verify(token, now)).contains("cd".repeat(16));
    String otherJob = token.replace("sm-" + "cd".repeat(16), "sm-" + "ce".repeat(16));
    assertThat(tokens.verify(otherJob, now)).isEmpty();
    String later = token.replace("-" + expires.getEpochSecond() + "-", "-" + (expires.getEpochSecond() + 3600) + "-");
    assertThat(later).isNotEqualTo(token);
    assertThat(tokens.verify(later, now)).as("expiry moved").isEmpty();
    assertThat(tokens.verify(token, expires)).as("expired").isEmpty();
    assertThat(tokens.verify(token + "0", now)).isEmpty();
    assertThat(tokens.verify("not-a-token", now)).isEmpty();
    assertThat(tokens.verify(null, now)).isEmpty();
  }

  @Test
  void theClusterUrlMustBeHostAndPortOnlyAndComeWithASecret() {
    assertThatThrownBy(() -> new SplitMergeConfig("http://odm-watcher:8080/api", SECRET, 4, 16, java.time.Duration.ofHours(48), 200))
        .hasMessageContaining("no path or query");
    assertThatThrownBy(() -> new SplitMergeConfig("http://odm-watcher:8080/?token=x", SECRET, 4, 16, java.time.Duration.ofHours(48), 200))
        .hasMessageContaining("no path or query");
    assertThatThrownBy(() -> new SplitMergeConfig("http://odm-watcher:8080", null, 4, 16, java.time.Duration.ofHours(48), 200))
        .hasMessageContaining("token-secret");
    assertThat(new SplitMergeConfig("http://odm-watcher:8080/", SECRET, 4, 16, java.time.Duration.ofHours(48), 200).enabled()).isTrue();
    assertThat(SplitMergeConfig.off().enabled()).isFalse();
  }

  @Test
  void resultPathsAndParentJobAreCheckedInTheManifest() {
    ManifestParser parser = new ManifestParser(JSON, new ManifestValidator(CATALOGUE));
    assertThat(parser.parse("{\"resultPaths\": [\"../x\", \"/abs\", \"a/*\", 3], \"parentJob\": \"nope\"}"
        .getBytes(StandardCharsets.UTF_8)).errors())
        .hasSize(5)
        .anyMatch(e -> e.contains("parentJob must be a job id"))
        .anyMatch(e -> e.contains("\"a/*\" must not hold"));
  }
}
