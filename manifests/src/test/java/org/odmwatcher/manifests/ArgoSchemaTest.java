package org.odmwatcher.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Argo kinds, sources and rendered overlays, against Argo's JSON schema made strict. */
class ArgoSchemaTest {

  static Stream<ManifestDocument> argoDocuments() {
    return Manifests.everything().stream().filter(ManifestDocument::isArgo);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("argoDocuments")
  void argoDocumentIsValidUnderStrictSchema(ManifestDocument doc) {
    assertThat(ArgoSchema.validate(doc.node(), true)).as(doc.toString()).isEmpty();
  }

  @Test
  void sourcesAndEveryOverlayContainTheArgoResources() {
    assertThat(Manifests.sourceDocuments())
        .filteredOn(ManifestDocument::isArgo)
        .extracting(ManifestDocument::kind)
        .containsExactlyInAnyOrder("WorkflowTemplate", "CronWorkflow");
    for (String overlay : Manifests.OVERLAYS) {
      assertThat(Manifests.rendered(overlay))
          .as(overlay)
          .filteredOn(ManifestDocument::isArgo)
          .extracting(ManifestDocument::name)
          .containsExactlyInAnyOrder("odm-process", "odm-cleanup");
    }
  }

  @Test
  void misspelledTemplateFieldIsRejectedOnlyBecauseTheSchemaIsStrict() {
    ObjectNode template = typoInFirstTemplateWithRetries("retryStrategy", "retryStratgy");

    assertThat(ArgoSchema.validate(template, false))
        .as("the published schema lets the typo through; strictness is what catches it")
        .isEmpty();
    assertThat(ArgoSchema.validate(template, true))
        .extracting(Object::toString)
        .anySatisfy(m -> assertThat(m).contains("retryStratgy"));
  }

  @Test
  void misspelledFieldInsideAContainerIsRejected() {
    ObjectNode template = Manifests.odmProcessTemplate().node().deepCopy();
    ObjectNode container = (ObjectNode) findTemplate(template, "upload").path("container");
    container.set("volumeMount", container.remove("volumeMounts"));

    assertThat(ArgoSchema.validate(template, true))
        .extracting(Object::toString)
        .anySatisfy(m -> assertThat(m).contains("volumeMount"));
  }

  @Test
  void misspelledFieldInsideAnEnvVarSourceIsRejected() {
    ObjectNode template = Manifests.odmProcessTemplate().node().deepCopy();
    JsonNode env = findTemplate(template, "download").path("container").path("env");
    ObjectNode secretRef = null;
    for (JsonNode e : env) {
      if (e.path("valueFrom").has("secretKeyRef")) {
        secretRef = (ObjectNode) e.path("valueFrom").path("secretKeyRef");
        break;
      }
    }
    assertThat(secretRef).isNotNull();
    secretRef.set("optinal", secretRef.remove("optional"));

    assertThat(ArgoSchema.validate(template, true))
        .extracting(Object::toString)
        .anySatisfy(m -> assertThat(m).contains("optinal"));
  }

  @Test
  void wrongTypeIsRejected() {
    ObjectNode template = Manifests.odmProcessTemplate().node().deepCopy();
    ((ObjectNode) template.path("spec")).put("activeDeadlineSeconds", "two days");

    assertThat(ArgoSchema.validate(template, true)).isNotEmpty();
  }

  private static ObjectNode typoInFirstTemplateWithRetries(String field, String typo) {
    ObjectNode template = Manifests.odmProcessTemplate().node().deepCopy();
    for (JsonNode t : template.path("spec").path("templates")) {
      if (t.has(field)) {
        ((ObjectNode) t).set(typo, ((ObjectNode) t).remove(field));
        return template;
      }
    }
    throw new AssertionError("no template with " + field);
  }

  static JsonNode findTemplate(JsonNode workflowTemplate, String name) {
    List<JsonNode> matches =
        Stream.of(workflowTemplate.path("spec").path("templates"))
            .flatMap(ts -> java.util.stream.StreamSupport.stream(ts.spliterator(), false))
            .filter(t -> t.path("name").asText().equals(name))
            .toList();
    assertThat(matches).as("template " + name).hasSize(1);
    return matches.get(0);
  }
}
