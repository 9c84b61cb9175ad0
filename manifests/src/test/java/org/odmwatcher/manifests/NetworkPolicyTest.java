package org.odmwatcher.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.odmwatcher.manifests.NetworkPolicies.Endpoint;

/**
 * Issue 22 row 5 and its "Also": who reaches what in each rendered overlay, asked of the
 * NetworkPolicies as Kubernetes defines them ({@link NetworkPolicies}). The watcher's API port
 * takes the split-merge pods (and, with the minio overlay, MinIO's webhook) only; its metrics and
 * health are on a management port that only the metrics scraper's namespace reaches; ODM's steps
 * reach neither DNS nor the store nor any service of the cluster, only the API server's ports that
 * Argo's executor beside them needs.
 */
class NetworkPolicyTest {
  private static final String API_SERVER = "10.100.0.1";
  private static final Endpoint S3 = Endpoint.external("52.216.8.1");
  private static final Endpoint METADATA = Endpoint.external("169.254.169.254");
  private static final Endpoint KUBE_DNS = Endpoint.pod("kube-dns", "kube-system", Map.of("k8s-app", "kube-dns"));
  private static final Endpoint MINIO = Endpoint.pod("minio", "minio", Map.of("app", "minio"));
  private static final Endpoint PROMETHEUS =
      Endpoint.pod("prometheus", "monitoring", Map.of("app.kubernetes.io/name", "prometheus"));
  private static final Endpoint NEIGHBOUR = Endpoint.pod("another app in odm", "odm", Map.of("app", "other"));
  private static final Endpoint ELSEWHERE = Endpoint.pod("a pod in default", "default", Map.of("app", "other"));

  private static NetworkPolicies policies(String overlay) {
    return new NetworkPolicies(Manifests.rendered(overlay));
  }

  private static JsonNode watcherContainer(String overlay) {
    return Manifests.find(Manifests.rendered(overlay), "Deployment", "odm-watcher").node()
        .at("/spec/template/spec/containers/0");
  }

  private static Endpoint watcher(String overlay) {
    JsonNode deployment = Manifests.find(Manifests.rendered(overlay), "Deployment", "odm-watcher").node();
    Map<String, String> labels = new HashMap<>();
    deployment.at("/spec/template/metadata/labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
    Map<String, Integer> ports = new LinkedHashMap<>();
    watcherContainer(overlay).path("ports").forEach(p -> ports.put(p.path("name").asText(), p.path("containerPort").asInt()));
    return Endpoint.pod("watcher", "odm", labels).withNamedPorts(ports);
  }

  /** The API's port: Micronaut's server port, the container port named http. */
  private static int apiPort(String overlay) {
    return watcher(overlay).namedPorts().get("http");
  }

  /**
   * Where {@code /prometheus} and {@code /health} are served: Micronaut's {@code endpoints.all.port}
   * (env {@code ENDPOINTS_ALL_PORT} of the container or its ConfigMap) when set, else the server's
   * port (Micronaut, "Management Endpoints": all on the application's port by default).
   */
  private static int metricsPort(String overlay) {
    for (JsonNode env : watcherContainer(overlay).path("env")) {
      if (env.path("name").asText().equals("ENDPOINTS_ALL_PORT")) {
        return env.path("value").asInt();
      }
    }
    for (ManifestDocument d : Manifests.rendered(overlay)) {
      if (d.kind().equals("ConfigMap") && d.name().startsWith("odm-watcher-config-") && d.node().at("/data/ENDPOINTS_ALL_PORT").isTextual()) {
        return d.node().at("/data/ENDPOINTS_ALL_PORT").asInt();
      }
    }
    return apiPort(overlay);
  }

  private static Endpoint step(String overlay, String template, boolean splitMerge) {
    WorkflowPods.Pod pod = WorkflowPods.of(overlay).stream().filter(p -> p.template().equals(template)).findFirst().orElseThrow();
    Map<String, String> labels = new HashMap<>(pod.labels());
    if (splitMerge) {
      labels.put("odmwatcher.org/split-merge", "true"); // the watcher's podMetadata for a split job
    }
    return Endpoint.pod(template + (splitMerge ? " (split-merge)" : ""), "odm", labels);
  }

  @ParameterizedTest
  @ValueSource(strings = {"aws", "minio"})
  void theApiPortTakesOnlyTheSplitMergePodsAndTheOverlaysWebhook(String overlay) {
    NetworkPolicies net = policies(overlay);
    Endpoint watcher = watcher(overlay);
    int api = apiPort(overlay);

    assertThat(net.allows(step(overlay, "process", true), watcher, api)).as("split-merge ODM calls the API").isTrue();
    for (Endpoint other : List.of(step(overlay, "process", false), step(overlay, "download", false), NEIGHBOUR, ELSEWHERE, PROMETHEUS)) {
      assertThat(net.allows(other, watcher, api)).as(other + " -> watcher:" + api + " in overlay " + overlay).isFalse();
    }
    assertThat(net.allows(MINIO, watcher, api)).as("MinIO's webhook in overlay " + overlay).isEqualTo(overlay.equals("minio"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"aws", "minio"})
  void metricsAndHealthAreOnTheirOwnPortWhichOnlyTheScraperReaches(String overlay) {
    NetworkPolicies net = policies(overlay);
    Endpoint watcher = watcher(overlay);
    int metrics = metricsPort(overlay);

    assertThat(metrics).as("/prometheus must not share the API's port (a NetworkPolicy admits per port)").isNotEqualTo(apiPort(overlay));
    assertThat(net.allows(PROMETHEUS, watcher, metrics)).as("the scraper in namespace monitoring").isTrue();
    for (Endpoint other : List.of(step(overlay, "process", true), step(overlay, "process", false), NEIGHBOUR, ELSEWHERE, MINIO)) {
      assertThat(net.allows(other, watcher, metrics)).as(other + " -> watcher:" + metrics + " in overlay " + overlay).isFalse();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"aws", "minio"})
  void odmsStepsReachOnlyTheApiServersPorts(String overlay) {
    NetworkPolicies net = policies(overlay);
    for (String template : List.of("seed", "process", "create-workspace", "release-workspace")) {
      Endpoint pod = step(overlay, template, false);
      assertThat(net.allows(pod, KUBE_DNS, 53, "UDP")).as(pod + " -> DNS in overlay " + overlay).isFalse();
      assertThat(net.allows(pod, KUBE_DNS, 53, "TCP")).as(pod + " -> DNS (TCP) in overlay " + overlay).isFalse();
      assertThat(net.allows(pod, MINIO, 9000)).as(pod + " -> MinIO in overlay " + overlay).isFalse();
      assertThat(net.allows(pod, METADATA, 80)).as(pod + " -> the cloud's metadata service").isFalse();
      assertThat(net.allows(pod, watcher(overlay), apiPort(overlay))).as(pod + " -> watcher").isFalse();
      // Argo's executor in the same pod reports to the API server (a pod has one network namespace).
      assertThat(net.allows(pod, Endpoint.external(API_SERVER), 443)).as(pod + " -> API server").isTrue();
      assertThat(net.allows(pod, Endpoint.external(API_SERVER), 6443)).as(pod + " -> API server").isTrue();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"aws", "minio"})
  void theTransferStepsReachDnsAndTheStore(String overlay) {
    NetworkPolicies net = policies(overlay);
    for (String template : List.of("download", "upload", "record-status")) {
      Endpoint pod = step(overlay, template, false);
      assertThat(net.allows(pod, KUBE_DNS, 53, "UDP")).as(pod + " -> DNS").isTrue();
      assertThat(net.allows(pod, S3, 443)).as(pod + " -> S3").isTrue();
      assertThat(net.allows(pod, MINIO, 9000)).as(pod + " -> MinIO in overlay " + overlay).isEqualTo(overlay.equals("minio"));
      assertThat(net.allows(pod, METADATA, 80)).as(pod + " -> the cloud's metadata service").isFalse();
    }
    Endpoint splitMerge = step(overlay, "process", true);
    assertThat(net.allows(splitMerge, KUBE_DNS, 53, "UDP")).as("split-merge ODM resolves the watcher's Service name").isTrue();
    assertThat(net.allows(splitMerge, MINIO, 9000)).as("split-merge ODM -> MinIO").isFalse();
  }

  /** Nothing connects to a Workflow pod. */
  @ParameterizedTest
  @ValueSource(strings = {"aws", "minio"})
  void nothingConnectsToWorkflowPods(String overlay) {
    NetworkPolicies net = policies(overlay);
    for (WorkflowPods.Pod pod : WorkflowPods.of(overlay)) {
      Endpoint target = step(overlay, pod.template(), false);
      for (Endpoint from : List.of(NEIGHBOUR, ELSEWHERE, PROMETHEUS, watcher(overlay))) {
        assertThat(net.allows(from, target, 8080)).as(from + " -> " + target).isFalse();
      }
    }
  }

  /** The evaluator itself: isolation, additivity, selectors, ipBlock with except, named ports. */
  @Test
  void policiesAreEvaluatedAsKubernetesDefinesThem() throws Exception {
    List<ManifestDocument> docs = Manifests.parse("""
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: a, namespace: n}
        spec:
          podSelector: {matchLabels: {role: db}}
          ingress:
            - from: [{podSelector: {matchLabels: {role: api}}}]
              ports: [{port: db}]
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: b, namespace: n}
        spec:
          podSelector: {matchExpressions: [{key: role, operator: In, values: [api]}]}
          policyTypes: [Egress]
          egress:
            - to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.9.0.0/16]}}]
              ports: [{port: 8000, endPort: 8010}]
        """, "inline");
    NetworkPolicies net = new NetworkPolicies(docs);
    Endpoint db = Endpoint.pod("db", "n", Map.of("role", "db")).withNamedPorts(Map.of("db", 5432));
    Endpoint api = Endpoint.pod("api", "n", Map.of("role", "api"));
    Endpoint free = Endpoint.pod("free", "n", Map.of("role", "other"));
    assertThat(net.allows(free, free, 1)).as("not selected: not isolated").isTrue();
    assertThat(net.allows(free, db, 5432)).as("isolated for ingress").isFalse();
    assertThat(net.allows(db, free, 1)).as("no Egress type: egress open").isTrue();
    assertThat(net.allows(api, db, 5432)).as("api is isolated for egress; a pod is no ipBlock").isFalse();
    assertThat(net.allows(api, Endpoint.external("10.1.2.3"), 8005)).isTrue();
    assertThat(net.allows(api, Endpoint.external("10.9.2.3"), 8005)).as("except").isFalse();
    assertThat(net.allows(api, Endpoint.external("10.1.2.3"), 8011)).as("endPort").isFalse();
    assertThat(net.allows(api, Endpoint.external("10.1.2.3"), 8005, "UDP")).as("protocol").isFalse();
    assertThat(NetworkPolicies.inCidr("0.0.0.0/0", "52.1.1.1")).isTrue();
  }
}
