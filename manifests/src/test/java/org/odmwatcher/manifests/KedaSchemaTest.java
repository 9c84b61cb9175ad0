package org.odmwatcher.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** KEDA kinds against the strict openAPIV3Schema of KEDA's CRDs (metadata through fabric8). */
class KedaSchemaTest {

  static Stream<ManifestDocument> kedaDocuments() {
    return Manifests.everything().stream().filter(ManifestDocument::isKeda);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kedaDocuments")
  void kedaDocumentIsValidUnderStrictCrdSchema(ManifestDocument doc) {
    assertThat(KedaSchema.validate(doc.node())).as(doc.toString()).isEmpty();
    ObjectMeta metadata =
        new KubernetesSerialization().unmarshal(doc.node().path("metadata").toString(), ObjectMeta.class);
    assertThat(TypedModelCheck.unknownFields(metadata)).as(doc + " metadata").isEmpty();
  }

  @Test
  void onlyTheAwsOverlayScalesWithKeda() {
    assertThat(Manifests.rendered("aws"))
        .filteredOn(ManifestDocument::isKeda)
        .extracting(ManifestDocument::kind)
        .containsExactlyInAnyOrder("ScaledObject", "TriggerAuthentication");
    assertThat(Manifests.rendered("minio")).noneMatch(ManifestDocument::isKeda);
  }

  @Test
  void misspelledScaledObjectFieldIsRejected() {
    ObjectNode scaledObject = scaledObject();
    ObjectNode spec = (ObjectNode) scaledObject.path("spec");
    spec.set("minReplicaCont", spec.remove("minReplicaCount"));

    assertThat(KedaSchema.validate(scaledObject))
        .extracting(Object::toString)
        .anySatisfy(m -> assertThat(m).contains("minReplicaCont"));
  }

  @Test
  void misspelledNestedTriggerAuthenticationFieldIsRejected() {
    ObjectNode auth =
        Manifests.find(Manifests.rendered("aws"), "TriggerAuthentication", "odm-watcher-aws")
            .node()
            .deepCopy();
    ObjectNode podIdentity = (ObjectNode) auth.path("spec").path("podIdentity");
    podIdentity.set("rolearn", podIdentity.remove("roleArn"));

    assertThat(KedaSchema.validate(auth))
        .extracting(Object::toString)
        .anySatisfy(m -> assertThat(m).contains("rolearn"));
  }

  @Test
  void valueOutsideTheCrdEnumIsRejected() {
    ObjectNode auth =
        Manifests.find(Manifests.rendered("aws"), "TriggerAuthentication", "odm-watcher-aws")
            .node()
            .deepCopy();
    ((ObjectNode) auth.path("spec").path("podIdentity")).put("provider", "aws-irsa");

    assertThat(KedaSchema.validate(auth)).isNotEmpty();
  }

  private static ObjectNode scaledObject() {
    return Manifests.find(Manifests.rendered("aws"), "ScaledObject", "odm-watcher").node().deepCopy();
  }
}
