package org.odmwatcher.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Kubernetes' own kinds, sources and rendered overlays, through fabric8's typed model with no
 * unknown field anywhere; plus the PersistentVolumeClaim the WorkflowTemplate creates at run time
 * (a string inside the template, so neither kustomize nor the Argo schema looks into it).
 */
class KubernetesModelTest {

  static Stream<ManifestDocument> coreDocuments() {
    return Manifests.everything().stream().filter(ManifestDocument::isKubernetesCore);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("coreDocuments")
  void coreDocumentHasOnlyFieldsTheTypedModelKnows(ManifestDocument doc) {
    assertThat(TypedModelCheck.problems(doc.node())).as(doc.toString()).isEmpty();
  }

  @Test
  void resourceManifestsEmbeddedInTheWorkflowTemplateAreStrictlyValid() {
    List<JsonNode> embedded = new ArrayList<>();
    for (JsonNode t : Manifests.odmProcessTemplate().node().path("spec").path("templates")) {
      if (t.has("resource")) {
        embedded.addAll(
            Manifests.parse(t.path("resource").path("manifest").asText(), t.path("name").asText())
                .stream()
                .map(ManifestDocument::node)
                .toList());
      }
    }
    assertThat(embedded).hasSize(2);
    for (JsonNode doc : embedded) {
      assertThat(TypedModelCheck.problems(doc)).as(doc.toString()).isEmpty();
    }
  }

  @Test
  void misspelledFieldDeepInADeploymentIsRejected() {
    ObjectNode deployment = deployment();
    ObjectNode container =
        (ObjectNode) deployment.path("spec").path("template").path("spec").path("containers").get(0);
    container.set("readinesProbe", container.remove("readinessProbe"));

    assertThat(TypedModelCheck.problems(deployment))
        .containsExactly("$.spec.template.spec.containers[0].readinesProbe");
  }

  @Test
  void misspelledRbacFieldIsRejected() {
    ObjectNode role =
        Manifests.find(Manifests.sourceDocuments(), "Role", "odm-watcher").node().deepCopy();
    ObjectNode rule = (ObjectNode) role.path("rules").get(0);
    rule.set("verb", rule.remove("verbs"));

    assertThat(TypedModelCheck.problems(role)).containsExactly("$.rules[0].verb");
  }

  @Test
  void unknownKindIsRejectedRatherThanAcceptedAsGeneric() {
    ObjectNode deployment = deployment();
    deployment.put("kind", "Deploymnet");

    assertThat(TypedModelCheck.problems(deployment)).isNotEmpty();
  }

  private static ObjectNode deployment() {
    return Manifests.find(Manifests.sourceDocuments(), "Deployment", "odm-watcher").node().deepCopy();
  }
}
