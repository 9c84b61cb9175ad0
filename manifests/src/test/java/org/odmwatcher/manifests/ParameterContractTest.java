package org.odmwatcher.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.odmwatcher.config.ArgoConfig;
import org.odmwatcher.config.S3Config;
import org.odmwatcher.manifest.OdmManifest;
import org.odmwatcher.manifest.OptionCatalogue;
import org.odmwatcher.workflow.JobId;
import org.odmwatcher.workflow.JobSpec;
import org.odmwatcher.workflow.OdmArguments;
import org.odmwatcher.workflow.WorkflowParameters;
import org.odmwatcher.workflow.WorkflowRenderer;

/**
 * The watcher and the odm-process WorkflowTemplate agree: the Workflow the watcher's real
 * {@link WorkflowRenderer} produces references this template and passes exactly the parameters it
 * declares, and the template refers to nothing else.
 */
class ParameterContractTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final WorkflowRenderer RENDERER =
      new WorkflowRenderer(
          new ArgoConfig("odm", "odm-process", null, false, Duration.ofMinutes(5)),
          new S3Config("http://minio.minio.svc:9000", "us-east-1", true, null, null, "auto"),
          new OdmArguments(OptionCatalogue.load(new ObjectMapper())));

  @Test
  void renderedWorkflowPassesExactlyTheDeclaredParameters() {
    JsonNode workflow = renderedWorkflow();
    List<String> passed = new ArrayList<>();
    workflow.at("/spec/arguments/parameters").forEach(p -> passed.add(p.path("name").asText()));

    assertThat(passed).doesNotHaveDuplicates();
    assertThat(passed).containsExactlyInAnyOrderElementsOf(declaredParameters());
  }

  @Test
  void renderedWorkflowReferencesTheTemplateAndCarriesTheCleanupLabel() {
    JsonNode workflow = renderedWorkflow();

    assertThat(workflow.at("/spec/workflowTemplateRef/name").asText())
        .isEqualTo(Manifests.odmProcessTemplate().name());
    // odm-cleanup selects the Workflows to delete by this label.
    assertThat(workflow.at("/metadata/labels").path("app.kubernetes.io/managed-by").asText())
        .isEqualTo("odm-watcher");
    assertThat(Manifests.find(Manifests.sourceDocuments(), "CronWorkflow", "odm-cleanup").node().toString())
        .contains("app.kubernetes.io/managed-by=odm-watcher");
  }

  @Test
  void renderedWorkflowIsValidUnderTheStrictArgoSchema() {
    assertThat(ArgoSchema.validate(renderedWorkflow(), true)).isEmpty();
  }

  @Test
  void renderedParameterValuesSuitTheTemplate() throws Exception {
    Map<String, String> values = RENDERER.parameterValues(job());

    assertThat(values.get(WorkflowParameters.JOB_ID)).matches("[0-9a-f]{32}");
    assertThat(values.get(WorkflowParameters.PREFIX)).endsWith("/");
    assertThat(values.get(WorkflowParameters.S3_PATH_STYLE)).isIn("true", "false");
    assertThat(values.get(WorkflowParameters.MEMORY)).matches("[0-9]+(Mi|Gi)");
    assertThat(values.get(WorkflowParameters.WORKSPACE_SIZE)).matches("[0-9]+(Mi|Gi|Ti)");
    assertThat(values.get(WorkflowParameters.CPU)).matches("[0-9]+m?");
    for (String json : List.of(values.get(WorkflowParameters.ODM_ARGS), values.get(WorkflowParameters.OUTPUTS))) {
      // The process step's constant program json-decodes these into lists of strings.
      JsonNode array = JSON.readTree(json);
      assertThat(array.isArray()).as(json).isTrue();
      array.forEach(v -> assertThat(v.isTextual()).as(json).isTrue());
    }
  }
  private static final Pattern REFERENCE = Pattern.compile("\\{\\{\\s*([^}]*?)\\s*}}");
  /**
   * Argo's global variables the template may use. {@code workflow.status} and {@code
   * workflow.failures} exist only in the exit handler (argo-workflows workflow/validate/validate.go
   * ValidateWorkflow sets them as globals when validating onExit; operator.go operate sets their
   * values once the entrypoint has run).
   */
  private static final Set<String> ARGO_GLOBALS =
      Set.of("workflow.name", "workflow.namespace", "workflow.status", "workflow.failures");
  private static final Set<String> EXIT_HANDLER_ONLY = Set.of("workflow.status", "workflow.failures");

  @Test
  void templateDeclaresExactlyTheParametersTheWatcherPasses() {
    List<String> declared = declaredParameters();

    assertThat(declared).doesNotHaveDuplicates();
    assertThat(declared).containsExactlyInAnyOrderElementsOf(WorkflowParameters.ALL);
  }

  @Test
  void templateReferencesOnlyDeclaredParametersAndArgoGlobals() {
    Set<String> declared = new TreeSet<>(declaredParameters());
    Set<String> references = new TreeSet<>();
    Matcher m = REFERENCE.matcher(Manifests.odmProcessTemplate().node().toString());
    while (m.find()) {
      references.add(m.group(1));
    }

    assertThat(references).isNotEmpty();
    for (String reference : references) {
      if (reference.startsWith("workflow.parameters.")) {
        assertThat(declared).as(reference).contains(reference.substring("workflow.parameters.".length()));
      } else {
        assertThat(ARGO_GLOBALS).as("unexpected reference {{" + reference + "}}").contains(reference);
      }
    }
  }

  @Test
  void exitHandlerVariablesAreUsedOnlyByTheExitHandlersRecordStatusStep() {
    JsonNode spec = Manifests.odmProcessTemplate().node().path("spec");
    assertThat(spec.path("onExit").asText()).isEqualTo("exit-handler");
    Map<String, Set<String>> usedBy = new LinkedHashMap<>();
    for (JsonNode template : spec.path("templates")) {
      Matcher m = REFERENCE.matcher(template.toString());
      while (m.find()) {
        if (EXIT_HANDLER_ONLY.contains(m.group(1))) {
          usedBy.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(template.path("name").asText());
        }
      }
    }
    // record-status is a step of exit-handler only (checked with the steps below); exit-handler
    // itself reads {{workflow.status}} in its release-workspace step's `when` (a kept workspace).
    assertThat(usedBy).containsOnlyKeys(EXIT_HANDLER_ONLY)
        .allSatisfy((variable, templates) -> assertThat(templates).contains("record-status")
            .isSubsetOf("record-status", "exit-handler"));
    List<String> referencedFromElsewhere = new ArrayList<>();
    for (JsonNode template : spec.path("templates")) {
      if (!template.path("name").asText().equals("exit-handler") && template.toString().contains("\"template\":\"record-status\"")) {
        referencedFromElsewhere.add(template.path("name").asText());
      }
    }
    assertThat(referencedFromElsewhere).isEmpty();
  }

  @Test
  void jobParametersWithoutASafeDefaultAreRequired() {
    JsonNode parameters =
        Manifests.odmProcessTemplate().node().path("spec").path("arguments").path("parameters");
    List<String> required = new ArrayList<>();
    parameters.forEach(p -> {
      if (!p.has("value") && !p.has("default")) {
        required.add(p.path("name").asText());
      }
    });

    assertThat(required)
        .containsExactlyInAnyOrder(
            WorkflowParameters.BUCKET,
            WorkflowParameters.PREFIX,
            WorkflowParameters.JOB_ID,
            WorkflowParameters.IMAGE_COUNT,
            WorkflowParameters.RESULTS_PREFIX,
            // per job: the workspace claim and ODM project (a resumed job's are the failed run's)
            WorkflowParameters.WORKSPACE,
            WorkflowParameters.PROJECT);
  }

  @Test
  void processStepKnowsWhereEveryOutputTheWatcherAcceptsLives() {
    String script =
        ArgoSchemaTest.findTemplate(Manifests.odmProcessTemplate().node(), "process")
            .at("/container/command/2")
            .asText();
    for (String output : OdmManifest.KNOWN_OUTPUTS) {
      assertThat(script).as(output).contains("\"" + output + "\": [");
    }
  }

  private static JsonNode renderedWorkflow() {
    try {
      return JSON.readTree(new KubernetesSerialization().asJson(RENDERER.render(job())));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static JobSpec job() {
    String bucket = "drone-data";
    String folder = "farm a/flight 3 – süd/";
    Map<String, JsonNode> options = new LinkedHashMap<>();
    options.put("dsm", com.fasterxml.jackson.databind.node.BooleanNode.TRUE);
    options.put("orthophoto-resolution", new TextNode("2"));
    return new JobSpec(
        bucket,
        folder,
        JobId.derive(bucket, folder, "etag-1"),
        "etag-1",
        new OdmManifest("flight 3", options, List.of("orthophoto", "dsm"), null, false),
        List.of(folder + "IMG_0001.JPG", folder + "IMG_0002.JPG"),
        folder + "results/");
  }

  private static List<String> declaredParameters() {
    List<String> names = new ArrayList<>();
    Manifests.odmProcessTemplate().node().path("spec").path("arguments").path("parameters")
        .forEach(p -> names.add(p.path("name").asText()));
    return names;
  }
}
