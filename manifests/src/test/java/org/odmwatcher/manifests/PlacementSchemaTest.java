package org.odmwatcher.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.odmwatcher.config.ArgoConfig;
import org.odmwatcher.config.NodeClassConfig;
import org.odmwatcher.config.PlacementConfig;
import org.odmwatcher.config.S3Config;
import org.odmwatcher.config.SplitMergeConfig;
import org.odmwatcher.manifest.OdmManifest;
import org.odmwatcher.manifest.OptionCatalogue;
import org.odmwatcher.workflow.JobId;
import org.odmwatcher.workflow.JobSpec;
import org.odmwatcher.workflow.OdmArguments;
import org.odmwatcher.workflow.PlacementPlanner;
import org.odmwatcher.workflow.WorkflowRenderer;

/**
 * The Workflows of the README's placement table (40, 500, 5,000 and 12,000 images, with and
 * without split-merge, and a GPU job) on example node classes, under Argo's strict schema: the
 * rendered Workflow itself, and the WorkflowTemplate as Argo runs it for that Workflow (parameters
 * substituted as util/template Replace does, each step's podSpecPatch merged into the step's
 * nodeSelector, tolerations and container resources as ApplyPodSpecPatch would), so a patch the
 * watcher renders is a valid pod spec fragment and not only a valid string.
 */
class PlacementSchemaTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PARAMETER = Pattern.compile("\\{\\{workflow\\.parameters\\.([a-z-]+)}}");
  private static final List<NodeClassConfig> CLASSES = List.of(
      new NodeClassConfig("spot-small", "30Gi", 8, 0, "spot", Map.of("karpenter.sh/capacity-type", "spot"), List.of()),
      new NodeClassConfig("spot-large", "120Gi", 16, 0, "spot", Map.of("karpenter.sh/capacity-type", "spot"), List.of()),
      new NodeClassConfig("on-demand-xl", "760Gi", 96, 0, "on-demand", Map.of("karpenter.sh/capacity-type", "on-demand"), List.of()),
      new NodeClassConfig("gpu", "60Gi", 16, 1, "on-demand", Map.of("node-group", "gpu"), List.of("nvidia.com/gpu=true:NoSchedule")));

  static Stream<Arguments> jobs() {
    List<Arguments> jobs = new ArrayList<>();
    for (int images : List.of(40, 500, 5000, 12000)) {
      jobs.add(Arguments.of(images, false, false));
      jobs.add(Arguments.of(images, true, false));
    }
    jobs.add(Arguments.of(500, false, true));
    return jobs.stream();
  }

  @ParameterizedTest(name = "{0} images, split-merge {1}, gpu {2}")
  @MethodSource("jobs")
  void renderedWorkflowAndTheTemplateItRunsAreValidUnderTheStrictArgoSchema(int images, boolean split, boolean gpu) throws Exception {
    WorkflowRenderer renderer = new WorkflowRenderer(new ArgoConfig("odm", "odm-process", null, false, Duration.ofMinutes(5)),
        new S3Config("http://minio.minio.svc:9000", "us-east-1", true, null, null, "auto"),
        new OdmArguments(OptionCatalogue.load(JSON)),
        split ? new SplitMergeConfig("http://odm-watcher.odm.svc:8080", "a-secret-of-enough-length", 4, 16, Duration.ofHours(48), 200)
            : SplitMergeConfig.off(),
        new PlacementPlanner(PlacementConfig.defaults(), CLASSES));
    Map<String, JsonNode> options = new LinkedHashMap<>();
    if (split) {
      options.put("split", IntNode.valueOf(1000));
    }
    List<String> keys = IntStream.rangeClosed(1, images).mapToObj(i -> "f/" + i + ".jpg").toList();
    JobSpec job = new JobSpec("drone-data", "f/", JobId.derive("drone-data", "f/", "e" + images), "e", new OdmManifest("t", options,
        List.of(), null, false, List.of(), null, gpu, null, "odm", List.of(), null, null), keys, "f/results/", images * 8_000_000L);

    JsonNode workflow = JSON.readTree(new KubernetesSerialization().asJson(renderer.render(job)));
    assertThat(ArgoSchema.validate(workflow, true)).as("rendered Workflow").isEmpty();

    Map<String, String> values = renderer.parameterValues(job);
    ObjectNode running = asRunForThisWorkflow(Manifests.odmProcessTemplate().node(), values);
    assertThat(ArgoSchema.validate(running, true)).as("the template with this Workflow's parameters and patches").isEmpty();
    JsonNode process = template(running, "process");
    assertThat(process.path("container").path("image").asText()).isEqualTo(gpu
        ? "docker.io/opendronemap/odm:3.6.0-gpu" : "docker.io/opendronemap/odm:3.6.0");
    assertThat(process.path("nodeSelector").size()).as("the ODM step is placed").isPositive();
    assertThat(process.path("container").path("resources").path("limits").has("nvidia.com/gpu")).isEqualTo(gpu);
  }

  private static JsonNode template(JsonNode workflowTemplate, String name) {
    for (JsonNode t : workflowTemplate.path("spec").path("templates")) {
      if (t.path("name").asText().equals(name)) {
        return t;
      }
    }
    throw new AssertionError("no template " + name);
  }

  /** The template's text with each parameter replaced (JSON-escaped, as Argo's Replace quotes it), each podSpecPatch applied. */
  private static ObjectNode asRunForThisWorkflow(JsonNode template, Map<String, String> values) throws Exception {
    Matcher m = PARAMETER.matcher(JSON.writeValueAsString(template));
    StringBuilder text = new StringBuilder();
    while (m.find()) {
      String value = values.get(m.group(1));
      assertThat(value).as("parameter " + m.group(1) + " is rendered").isNotNull();
      String quoted = JSON.writeValueAsString(value);
      m.appendReplacement(text, Matcher.quoteReplacement(quoted.substring(1, quoted.length() - 1)));
    }
    m.appendTail(text);
    ObjectNode doc = (ObjectNode) JSON.readTree(text.toString());
    for (JsonNode t : doc.path("spec").path("templates")) {
      ObjectNode step = (ObjectNode) t;
      if (!step.has("podSpecPatch")) {
        continue;
      }
      JsonNode patch = JSON.readTree(step.remove("podSpecPatch").asText());
      if (patch.has("nodeSelector")) {
        ObjectNode selector = step.has("nodeSelector") ? (ObjectNode) step.get("nodeSelector") : step.putObject("nodeSelector");
        selector.setAll((ObjectNode) patch.get("nodeSelector"));
      }
      if (patch.has("tolerations")) {
        step.set("tolerations", patch.get("tolerations"));
      }
      for (JsonNode c : patch.path("containers")) {
        assertThat(c.path("name").asText()).isEqualTo("main");
        ObjectNode resources = (ObjectNode) step.path("container").path("resources");
        for (String kind : List.of("requests", "limits")) {
          if (c.path("resources").has(kind)) {
            ObjectNode into = resources.has(kind) ? (ObjectNode) resources.get(kind) : resources.putObject(kind);
            into.setAll((ObjectNode) c.path("resources").get(kind));
          }
        }
      }
      assertThat(patch.size()).as("podSpecPatch fields the test merges").isLessThanOrEqualTo(3);
    }
    return doc;
  }
}
