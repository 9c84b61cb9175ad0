package org.odmwatcher.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What {@code kubectl kustomize} makes of each overlay. */
class KustomizeRenderTest {
  private static final List<String> CLUSTER_SCOPED = List.of("Namespace");

  @ParameterizedTest
  @ValueSource(strings = {"aws", "minio"})
  void overlayRendersWithoutWarnings(String overlay) {
    Kustomize.Result result = Kustomize.render(Manifests.overlay(overlay));

    assertThat(result.stderr()).as("deprecations or other warnings").isBlank();
    assertThat(Manifests.rendered(overlay))
        .extracting(ManifestDocument::kind)
        .contains("Namespace", "ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Deployment",
            "Service", "PodDisruptionBudget", "NetworkPolicy", "WorkflowTemplate", "CronWorkflow");
  }

  @ParameterizedTest
  @ValueSource(strings = {"aws", "minio"})
  void everythingLandsInTheOdmNamespace(String overlay) {
    for (ManifestDocument doc : Manifests.rendered(overlay)) {
      if (CLUSTER_SCOPED.contains(doc.kind())) {
        assertThat(doc.name()).as(doc.toString()).isEqualTo("odm");
      } else {
        assertThat(doc.node().path("metadata").path("namespace").asText())
            .as(doc.toString())
            .isEqualTo("odm");
      }
    }
  }

  @Test
  void namespaceIsConfigurableFromAnOverlay(@TempDir Path dir) throws IOException {
    Files.writeString(
        dir.resolve("kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\n"
            + "kind: Kustomization\n"
            + "namespace: drones\n"
            + "resources:\n"
            // kustomize refuses absolute paths to other kustomizations.
            + "  - " + dir.toAbsolutePath().relativize(Manifests.overlay("minio")) + "\n");

    List<ManifestDocument> docs =
        Manifests.parse(Kustomize.render(dir).stdout(), "namespace override");

    assertThat(Manifests.find(docs, "Namespace", "drones")).isNotNull();
    for (ManifestDocument doc : docs) {
      if (!doc.kind().equals("Namespace")) {
        assertThat(doc.node().path("metadata").path("namespace").asText())
            .as(doc.toString())
            .isEqualTo("drones");
      }
      for (JsonNode subject : doc.node().path("subjects")) {
        assertThat(subject.path("namespace").asText()).as(doc.toString()).isEqualTo("drones");
      }
    }
  }

  @Test
  void awsOverlayUsesIrsaSqsAndLetsKedaOwnTheReplicas() {
    List<ManifestDocument> docs = Manifests.rendered("aws");
    for (String sa : List.of("odm-watcher", "odm-workflow")) {
      assertThat(
              Manifests.find(docs, "ServiceAccount", sa)
                  .node()
                  .path("metadata")
                  .path("annotations")
                  .path("eks.amazonaws.com/role-arn")
                  .asText())
          .as(sa)
          .startsWith("arn:aws:iam::");
    }
    JsonNode config = watcherConfig(docs);
    assertThat(config.path("WATCHER_SQS_ENABLED").asText()).isEqualTo("true");
    assertThat(config.path("WATCHER_SQS_QUEUE_URL").asText()).startsWith("https://sqs.");
    assertThat(config.path("WATCHER_S3_ENDPOINT").asText()).isEmpty();

    assertThat(Manifests.find(docs, "Deployment", "odm-watcher").node().path("spec").has("replicas"))
        .isFalse();
    JsonNode scaledObject = Manifests.find(docs, "ScaledObject", "odm-watcher").node().path("spec");
    // one replica stays for the dashboard and the NodeODM API (OverlaySettingsTest)
    assertThat(scaledObject.path("minReplicaCount").asInt(-1)).isEqualTo(1);
    JsonNode trigger = scaledObject.path("triggers").get(0);
    assertThat(trigger.path("type").asText()).isEqualTo("aws-sqs-queue");
    assertThat(trigger.path("metadata").path("activationQueueLength").asText()).isEqualTo("0");
    assertThat(trigger.path("metadata").path("queueURL").asText())
        .isEqualTo(config.path("WATCHER_SQS_QUEUE_URL").asText());
    assertThat(
            Manifests.find(docs, "TriggerAuthentication", "odm-watcher-aws")
                .node()
                .path("spec")
                .path("podIdentity")
                .path("provider")
                .asText())
        .isEqualTo("aws");
  }

  @Test
  void minioOverlayUsesTheInClusterEndpointPathStyleAndWebhook() {
    List<ManifestDocument> docs = Manifests.rendered("minio");
    JsonNode config = watcherConfig(docs);
    assertThat(config.path("WATCHER_S3_ENDPOINT").asText()).isEqualTo("http://minio.minio.svc:9000");
    assertThat(config.path("WATCHER_S3_PATH_STYLE").asText()).isEqualTo("true");
    assertThat(config.path("WATCHER_MINIO_ENABLED").asText()).isEqualTo("true");
    assertThat(config.path("WATCHER_SQS_ENABLED").asText()).isEqualTo("false");
    // the webhook is authenticated: the token comes from a Secret, merged into the watcher's env
    JsonNode watcher = Manifests.find(docs, "Deployment", "odm-watcher").node().path("spec").path("template")
        .path("spec").path("containers").get(0);
    assertThat(watcher.path("env").findValues("name").stream().map(JsonNode::asText))
        .contains("WATCHER_MINIO_TOKEN", "WATCHER_ARGO_NAMESPACE");
    assertThat(watcher.path("env").toString()).contains("\"name\":\"odm-minio-webhook\"");
    assertThat(watcher.path("image").asText()).isNotBlank();
    assertThat(
            Manifests.find(docs, "ConfigMap", "odm-workflow-settings")
                .node()
                .path("data")
                .path("rclone-s3-provider")
                .asText())
        .isEqualTo("Minio");
    assertThat(Manifests.find(docs, "Deployment", "odm-watcher").node().path("spec").path("replicas").asInt())
        .isEqualTo(1);
    List<Integer> egressPorts = new ArrayList<>();
    Manifests.find(docs, "NetworkPolicy", "odm-watcher").node().path("spec").path("egress")
        .forEach(rule -> rule.path("ports").forEach(p -> egressPorts.add(p.path("port").asInt())));
    assertThat(egressPorts).contains(9000, 443, 53);
    List<Integer> workflowPorts = new ArrayList<>();
    Manifests.find(docs, "NetworkPolicy", "odm-workflow-pods").node().path("spec").path("egress")
        .forEach(rule -> rule.path("ports").forEach(p -> workflowPorts.add(p.path("port").asInt())));
    assertThat(workflowPorts).as("every Workflow pod: the API server only").containsExactlyInAnyOrder(443, 6443);
    List<Integer> transferPorts = new ArrayList<>();
    Manifests.find(docs, "NetworkPolicy", "odm-workflow-s3").node().path("spec").path("egress")
        .forEach(rule -> rule.path("ports").forEach(p -> transferPorts.add(p.path("port").asInt())));
    assertThat(transferPorts).as("the steps that move data").containsExactlyInAnyOrder(53, 53, 443, 9000);
    // no credentials shipped: the only Secret is the executor's token, which Kubernetes fills in
    assertThat(docs).filteredOn(d -> d.kind().equals("Secret"))
        .allSatisfy(d -> assertThat(d.node().path("type").asText()).isEqualTo("kubernetes.io/service-account-token"))
        .allSatisfy(d -> assertThat(d.node().has("data")).isFalse());
  }

  /** Defence in depth (issue 13): Workflow pods take no connections and their steps hold no token. */
  @ParameterizedTest
  @ValueSource(strings = {"aws", "minio"})
  void workflowPodsAreIsolatedAndTheirStepsHoldNoServiceAccountToken(String overlay) {
    List<ManifestDocument> docs = Manifests.rendered(overlay);
    var policy = Manifests.find(docs, "NetworkPolicy", "odm-workflow-pods").node().path("spec");
    assertThat(policy.path("podSelector").path("matchLabels").path("app.kubernetes.io/component").asText()).isEqualTo("odm-job");
    assertThat(policy.path("policyTypes").toString()).contains("Ingress", "Egress");
    assertThat(policy.path("ingress").size()).isZero();
    var template = Manifests.find(docs, "WorkflowTemplate", "odm-process").node().path("spec");
    assertThat(template.path("podMetadata").path("labels").path("app.kubernetes.io/component").asText()).isEqualTo("odm-job");
    assertThat(template.path("automountServiceAccountToken").asBoolean(true)).isFalse();
    String executor = template.path("executor").path("serviceAccountName").asText();
    assertThat(executor).isEqualTo("odm-workflow");
    var podsAccount = Manifests.find(docs, "ServiceAccount", template.path("serviceAccountName").asText()).node();
    assertThat(podsAccount.path("automountServiceAccountToken").asBoolean(true)).isFalse();
    assertThat(podsAccount.path("metadata").path("annotations").isEmpty()).as("no cloud identity").isTrue();
    var token = Manifests.find(docs, "Secret", executor + ".service-account-token").node();
    assertThat(token.path("type").asText()).isEqualTo("kubernetes.io/service-account-token");
    assertThat(token.path("metadata").path("annotations").path("kubernetes.io/service-account.name").asText()).isEqualTo(executor);
  }

  @ParameterizedTest
  @ValueSource(strings = {"aws", "minio"})
  void deploymentReferencesTheGeneratedConfigMap(String overlay) {
    List<ManifestDocument> docs = Manifests.rendered(overlay);
    String referenced =
        Manifests.find(docs, "Deployment", "odm-watcher").node()
            .at("/spec/template/spec/containers/0/envFrom/0/configMapRef/name")
            .asText();
    assertThat(referenced).startsWith("odm-watcher-config-");
    assertThat(Manifests.find(docs, "ConfigMap", referenced)).isNotNull();
  }

  private static JsonNode watcherConfig(List<ManifestDocument> docs) {
    return docs.stream()
        .filter(d -> d.kind().equals("ConfigMap") && d.name().startsWith("odm-watcher-config-"))
        .findFirst()
        .orElseThrow()
        .node()
        .path("data");
  }
}
