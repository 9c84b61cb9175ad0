package org.odmwatcher.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.odmwatcher.config.ArgoConfig;
import org.odmwatcher.config.NodeClassConfig;
import org.odmwatcher.config.PlacementConfig;
import org.odmwatcher.config.S3Config;
import org.odmwatcher.config.SplitMergeConfig;
import org.odmwatcher.manifest.ManifestParser;
import org.odmwatcher.manifest.ManifestValidator;
import org.odmwatcher.manifest.OdmManifest;
import org.odmwatcher.manifest.OptionCatalogue;
import org.odmwatcher.testing.NodeClasses;
import org.odmwatcher.testing.argo.SchedulerEmulation;
import org.odmwatcher.testing.argo.WorkflowTemplateFile;

/**
 * Where each step of a job lands on the example node classes ({@link NodeClasses}), checked by
 * the test Argo's scheduler ({@link SchedulerEmulation}) on the WorkflowTemplate's own steps with
 * the rendered parameters; and the README's table of what 40, 500, 5,000 and 12,000-image jobs get,
 * printed from the code.
 */
class PlacementTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final OptionCatalogue CATALOGUE = OptionCatalogue.load(JSON);
  private static final SplitMergeConfig SPLIT_MERGE =
      new SplitMergeConfig("http://odm-watcher.odm.svc:8080", "a-secret-of-enough-length", 4, 16, Duration.ofHours(48), 200);
  private static final WorkflowTemplateFile TEMPLATE = WorkflowTemplateFile.load();
  private static final List<String> STEPS = List.of("download", "seed", "process", "upload", "record-status");

  static WorkflowRenderer renderer(List<NodeClassConfig> classes, SplitMergeConfig splitMerge) {
    return new WorkflowRenderer(new ArgoConfig("odm", "odm-process", null, true, Duration.ofMinutes(5)),
        new S3Config("https://s3.example.org", "eu-central-1", true, null, null, "auto"), new OdmArguments(CATALOGUE), splitMerge,
        new PlacementPlanner(PlacementConfig.defaults(), classes));
  }

  static OdmManifest manifest(String json) {
    ManifestParser.Result result = new ManifestParser(JSON, new ManifestValidator(CATALOGUE)).parse(json.getBytes(StandardCharsets.UTF_8));
    assertThat(result.errors()).isEmpty();
    return result.manifest();
  }

  static JobSpec job(OdmManifest manifest, int images, String folder) {
    List<String> keys = new ArrayList<>();
    IntStream.rangeClosed(1, images).forEach(i -> keys.add(folder + i + ".jpg"));
    return new JobSpec("drone-data", folder, JobId.derive("drone-data", folder, "etag-" + images), "etag", manifest, keys,
        folder + "results/", images * 8_000_000L);
  }

  /** Each step's pod through the scheduler emulation: step → the class it landed on. */
  private static Map<String, SchedulerEmulation.Scheduled> schedule(WorkflowRenderer renderer, JobSpec job) {
    SchedulerEmulation scheduler = new SchedulerEmulation(NodeClasses.ALL);
    Map<String, String> variables = new LinkedHashMap<>();
    renderer.parameterValues(job).forEach((k, v) -> variables.put("workflow.parameters." + k, v));
    variables.put("workflow.name", "odm-test");
    Map<String, SchedulerEmulation.Scheduled> placed = new LinkedHashMap<>();
    for (String step : STEPS) {
      SchedulerEmulation.Decision decision = scheduler.schedule("odm-test", step, TEMPLATE.template(step), variables);
      assertThat(decision.message()).as(step + " of " + job.images().size() + " images is scheduled").isNull();
      placed.put(step, scheduler.scheduled(step).get(0));
    }
    return placed;
  }

  @Test
  void transfersGoToSpotAndASmallOdmRunToo() {
    var placed = schedule(renderer(NodeClasses.ALL, SplitMergeConfig.off()), job(manifest("{}"), 40, "small/"));

    assertThat(placed.get("download").nodeClass().capacityType()).isEqualTo("spot");
    assertThat(placed.get("upload").nodeClass().capacityType()).isEqualTo("spot");
    assertThat(placed.get("seed").nodeClass().capacityType()).isEqualTo("spot");
    assertThat(placed.get("process").nodeClass()).isEqualTo(NodeClasses.SPOT_SMALL);
    assertThat(placed.get("process").annotations()).containsEntry(StepPlacement.DO_NOT_DISRUPT, "false");
    assertThat(placed.get("process").nodeSelector()).containsEntry("karpenter.sh/capacity-type", "spot");
  }

  @Test
  void aLongOdmRunGoesOnDemandWithDoNotDisruptAndItsTransfersStayOnSpot() {
    var placed = schedule(renderer(NodeClasses.ALL, SplitMergeConfig.off()), job(manifest("{}"), 5000, "big/"));

    assertThat(placed.get("process").nodeClass()).isEqualTo(NodeClasses.ON_DEMAND_XL);
    assertThat(placed.get("process").annotations()).containsEntry(StepPlacement.DO_NOT_DISRUPT, "true");
    assertThat(placed.get("process").requests()).containsEntry("memory", 256L << 30);
    assertThat(placed.get("download").nodeClass().capacityType()).isEqualTo("spot");
    assertThat(placed.get("upload").annotations()).doesNotContainKey(StepPlacement.DO_NOT_DISRUPT);
  }

  @Test
  void aManifestMayAskForOnDemandButNotForMoreThanTheClassesHold() {
    var placed = schedule(renderer(NodeClasses.ALL, SplitMergeConfig.off()), job(manifest("{\"capacityType\": \"on-demand\"}"), 40, "od/"));
    assertThat(placed.get("process").nodeClass().capacityType()).isEqualTo("on-demand");
    assertThat(placed.get("process").annotations()).containsEntry(StepPlacement.DO_NOT_DISRUPT, "true");

    JobSpec tooBig = job(manifest("{\"capacityType\": \"on-demand\"}"), 12000, "huge/");
    assertThatThrownBy(() -> renderer(NodeClasses.without(NodeClasses.ON_DEMAND_XL), SplitMergeConfig.off()).render(tooBig))
        .isInstanceOf(NoNodeFitsException.class);
  }

  @Test
  void aGpuJobGetsTheGpuImageAGpuAndTheTaintedGpuClass() {
    WorkflowRenderer renderer = renderer(NodeClasses.ALL, SplitMergeConfig.off());
    JobSpec job = job(manifest("{\"gpu\": true}"), 500, "gpu/");
    var placed = schedule(renderer, job);

    assertThat(renderer.parameterValues(job).get(WorkflowParameters.ODM_IMAGE)).isEqualTo("docker.io/opendronemap/odm:3.6.0-gpu");
    assertThat(placed.get("process").nodeClass()).isEqualTo(NodeClasses.GPU);
    assertThat(placed.get("process").requests()).containsEntry("nvidia.com/gpu", 1L);
    assertThat(placed.get("download").nodeClass().gpu()).isZero();
  }

  @Test
  void siftUsesTheGpuWhereThereIsOneAndRunsWithoutWhereThereIsNone() {
    JobSpec sift = job(manifest("{\"options\": {\"feature-type\": \"sift\"}}"), 500, "sift/");
    assertThat(renderer(NodeClasses.ALL, SplitMergeConfig.off()).placement(sift).process().nodeClass()).isEqualTo(NodeClasses.GPU);

    PlacementPlan cpuOnly = renderer(NodeClasses.without(NodeClasses.GPU), SplitMergeConfig.off()).placement(sift);
    assertThat(cpuOnly.gpu()).isFalse();
    assertThat(cpuOnly.image()).isEqualTo("docker.io/opendronemap/odm:3.6.0");
  }

  @Test
  void aGpuJobWithoutAGpuClassIsInvalidWithTheReason() {
    JobSpec job = job(manifest("{\"gpu\": true}"), 40, "gpu/");
    assertThatThrownBy(() -> renderer(NodeClasses.without(NodeClasses.GPU), SplitMergeConfig.off()).render(job))
        .isInstanceOf(NoNodeFitsException.class)
        .hasMessageContaining("gpu: true")
        .hasMessageContaining("no node class has one");
    assertThatThrownBy(() -> renderer(List.of(), SplitMergeConfig.off()).render(job))
        .isInstanceOf(NoNodeFitsException.class)
        .hasMessageContaining("configured no node class with GPUs");
  }

  @Test
  void aJobLargerThanTheLargestClassIsRefusedWithWhatItNeedsWhatExistsAndASplitThatFits() {
    JobSpec job = job(manifest("{}"), 12000, "huge/");
    assertThatThrownBy(() -> renderer(NodeClasses.without(NodeClasses.ON_DEMAND_XL), SplitMergeConfig.off()).render(job))
        .isInstanceOf(NoNodeFitsException.class)
        .hasMessageContaining("ODM needs 555Gi of memory for 12000 images")
        .hasMessageContaining("on-demand-large, has 245Gi")
        .hasMessageContaining("spot-small 30Gi 8 CPU spot")
        // the most images whose request fits 245Gi, rounded down to a hundred
        .hasMessageContaining("\"split\": " + ResourceSizing.imagesFitting(245L << 30, 0) / 100 * 100);
    assertThat(ResourceSizing.forImages(ResourceSizing.imagesFitting(245L << 30, 0)).process().memoryRequest()).isLessThanOrEqualTo(245L << 30);
  }

  @Test
  void withoutNodeClassesNothingIsPlacedOrCapped() {
    Map<String, String> values = renderer(List.of(), SplitMergeConfig.off()).parameterValues(job(manifest("{}"), 12000, "huge/"));
    assertThat(values.get(WorkflowParameters.TRANSFER_POD_PATCH)).isEqualTo("{}");
    assertThat(values.get(WorkflowParameters.PROCESS_POD_PATCH)).doesNotContain("nodeSelector").contains("\"memory\":\"555Gi\"");
    assertThat(values.get(WorkflowParameters.PROCESS_DO_NOT_DISRUPT)).isEqualTo("false");
  }

  /**
   * The README's table: what each job size gets on the example classes, with and without
   * split-merge ({@code split: 1000}; the submodels' own Workflows are sized for 1000 images),
   * every step scheduled by the emulated scheduler. Printed in Markdown for the docs.
   */
  @Test
  void printsTheSizingTableForTheReadme() {
    StringBuilder table = new StringBuilder("| images | split-merge | ODM step | memory request | CPU | workspace | download/seed/upload |\n"
        + "|---:|---|---|---:|---:|---:|---|\n");
    for (int images : List.of(40, 500, 5000, 12000)) {
      for (boolean split : images > 1000 ? List.of(false, true) : List.of(false)) {
        WorkflowRenderer renderer = renderer(NodeClasses.ALL, split ? SPLIT_MERGE : SplitMergeConfig.off());
        JobSpec job = job(manifest(split ? "{\"options\": {\"split\": 1000}}" : "{}"), images, "t" + images + "/");
        var placed = schedule(renderer, job);
        PlacementPlan plan = renderer.placement(job);
        assertThat(placed.get("process").nodeClass()).as(images + " images").isEqualTo(plan.process().nodeClass());
        table.append(row(images, split ? "split 1000: main pod" : "no",
            placed, plan, renderer.sizing(job).workspace()));
        if (split) {
          assertThat(renderer.distributes(job)).isTrue();
          JobSpec submodel = job(new OdmManifest("submodel", Map.of(), List.of(), null, false, List.of(), job.jobId().value()),
              1000, "s" + images + "/");
          var sub = schedule(renderer, submodel);
          table.append(row(images, "each submodel (~1000 images, ~" + (images + 999) / 1000 + "×2 Workflows)",
              sub, renderer.placement(submodel), renderer.sizing(submodel).workspace()));
          assertThat(sub.get("process").nodeClass().capacityType()).isEqualTo("spot");
        }
      }
    }
    System.out.println(table);
    assertThat(table.toString()).contains("| 12000 | no | on-demand-xl (on-demand)");
  }

  private static String row(int images, String split, Map<String, SchedulerEmulation.Scheduled> placed, PlacementPlan plan, String workspace) {
    var odm = plan.process().resources();
    return "| " + images + " | " + split + " | " + placed.get("process").nodeClass().name() + " (" + placed.get("process").nodeClass().capacityType() + ")"
        + ("true".equals(placed.get("process").annotations().get(StepPlacement.DO_NOT_DISRUPT)) ? ", do-not-disrupt" : "")
        + " | " + odm.memoryRequestQuantity() + " | " + odm.cpu() + " | " + workspace + " | "
        + placed.get("download").nodeClass().name() + " (" + placed.get("download").nodeClass().capacityType() + ") |\n";
  }
}
