package org.odmwatcher.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.odmwatcher.workflow.WorkflowParameters;

/**
 * The watcher and the odm-process WorkflowTemplate agree on the parameters: the names the watcher
 * passes are exactly the names the template declares, and the template refers to nothing else.
 */
class ParameterContractTest {
  private static final Pattern REFERENCE = Pattern.compile("\\{\\{\\s*([^}]*?)\\s*}}");
  private static final Set<String> ARGO_GLOBALS =
      Set.of("workflow.name", "workflow.namespace", "workflow.status");

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
            WorkflowParameters.RESULTS_PREFIX);
  }

  private static List<String> declaredParameters() {
    List<String> names = new ArrayList<>();
    Manifests.odmProcessTemplate().node().path("spec").path("arguments").path("parameters")
        .forEach(p -> names.add(p.path("name").asText()));
    return names;
  }
}
