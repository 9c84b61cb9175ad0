package org.odmwatcher.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The RBAC contract: every request the watcher module's tests sent to the Kubernetes API (recorded
 * by its mock server, per principal) must be granted by the Role bound to that principal's service
 * account in each rendered overlay, resolved and matched as kube-apiserver does ({@link
 * KubernetesRequest}, {@link RbacRoles}). A missing verb fails the build naming the call, the verb,
 * the resource and the Role.
 */
class RbacContractTest {
  /** Principals of the tests whose calls run as our service accounts in the cluster. */
  static final Map<String, String> SERVICE_ACCOUNTS = Map.of("WATCHER", "odm-watcher", "WORKFLOW", "odm-workflow");
  /** The test harness (an administrator) and Argo's controller (its RBAC ships with Argo). */
  static final Set<String> NOT_OURS = Set.of("PILOT", "CONTROLLER");

  static List<KubernetesRequest> recorded() {
    List<KubernetesRequest> calls = new ArrayList<>();
    for (JsonNode c : RecordedCalls.read("kubernetes-calls.jsonl")) {
      calls.add(new KubernetesRequest(
          c.path("method").asText(), c.path("path").asText(), c.path("query").asText(""),
          c.path("principal").isNull() ? null : c.path("principal").asText(null)));
    }
    return calls;
  }

  /** Every call of ours that {@code documents} (one rendered overlay) does not grant. */
  static List<String> violations(String overlay, List<ManifestDocument> documents, List<KubernetesRequest> calls) {
    List<String> refused = new ArrayList<>();
    for (KubernetesRequest call : calls) {
      String account = call.principal() == null ? null : SERVICE_ACCOUNTS.get(call.principal());
      if (account == null) {
        continue;
      }
      RbacRoles roles = RbacRoles.of(overlay, documents, account);
      KubernetesRequest.Info info = call.resolve();
      if (roles.grantingRule(info).isEmpty()) {
        refused.add(roles.refusal(call, info));
      }
    }
    return refused;
  }

  @Test
  void theSuiteRecordedTheWatchersCalls() {
    List<KubernetesRequest> calls = recorded();
    List<String> watcherVerbs =
        calls.stream().filter(c -> "WATCHER".equals(c.principal())).map(c -> c.resolve().verb()).distinct().toList();
    assertThat(watcherVerbs)
        .as("the watcher's submit (create), informer (list, watch) and cancel (patch) must all have been recorded")
        .contains("create", "list", "watch", "patch");
    List<String> podCalls = calls.stream().filter(c -> "WORKFLOW".equals(c.principal()))
        .map(c -> c.resolve().verb() + " " + c.resolve().resource()).distinct().toList();
    assertThat(podCalls)
        .as("the Workflow pods' calls, made by the test Argo as Argo's executor and resource templates make them"
            + " (workspace apply, release delete, WorkflowTaskResult create and label patch), must all have been recorded")
        .contains("create persistentvolumeclaims", "delete persistentvolumeclaims",
            "create workflowtaskresults", "patch workflowtaskresults");
  }

  @Test
  void everyCallCarriesTheTokenOfAKnownPrincipal() {
    assertThat(recorded())
        .as("a client in the tests that sends no principal's token cannot be checked: give it one"
            + " (Clients.kubernetes(servers, principal) or watcher.argo.kubeconfig)")
        .allMatch(c -> c.principal() != null && (SERVICE_ACCOUNTS.containsKey(c.principal()) || NOT_OURS.contains(c.principal())));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"aws", "minio"})
  void everyRecordedCallIsGrantedByTheRoleBoundToItsServiceAccount(String overlay) {
    assertThat(violations(overlay, Manifests.rendered(overlay), recorded())).isEmpty();
  }

  /** Least privilege: each verb the watcher's Role grants is needed by some call it makes. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"aws", "minio"})
  void theWatcherRoleGrantsNoVerbTheWatcherDoesNotUse(String overlay) {
    List<ManifestDocument> docs = Manifests.rendered(overlay);
    List<KubernetesRequest> calls = recorded();
    for (JsonNode rule : Manifests.find(docs, "Role", "odm-watcher").node().path("rules")) {
      for (JsonNode verb : rule.path("verbs")) {
        assertThat(violations(overlay, withoutVerb(docs, "odm-watcher", verb.asText()), calls))
            .as("Role odm-watcher grants '" + verb.asText() + "' on " + rule.path("resources")
                + " but no recorded call of the watcher needs it: remove it")
            .isNotEmpty();
      }
    }
  }

  @Test
  void withoutPatchTheWatchersCancelIsRefusedNamingTheCallAndTheRole() {
    List<String> refused = violations("aws", withoutVerb(Manifests.rendered("aws"), "odm-watcher", "patch"), recorded());
    System.out.println("RBAC contract with 'patch' removed from Role odm-watcher:\n  " + String.join("\n  ", refused));
    // patch also takes over a kept workspace's claim (issue 25, WorkspaceKeeper): those refusals
    // are the claims', the rest must be the cancel's
    List<String> workflows = refused.stream().filter(m -> !m.contains("resource=persistentvolumeclaims")).toList();
    assertThat(refused).anyMatch(m -> m.contains("no rule grants verb 'patch' on persistentvolumeclaims"));
    assertThat(workflows)
        .isNotEmpty()
        .allSatisfy(message -> assertThat(message)
            .matches("PATCH /apis/argoproj\\.io/v1alpha1/namespaces/[^/]+/workflows/odm-[0-9a-f]{16} by WATCHER -> .*")
            .contains("verb=patch group=argoproj.io resource=workflows")
            .contains("forbidden for ServiceAccount odm-watcher in overlay aws (Role odm/odm-watcher)")
            .endsWith("no rule grants verb 'patch' on argoproj.io/workflows"));
  }

  /**
   * What the Workflow pods send as {@code odm-workflow}, until the suite records it from the test
   * Argo: Argo's executor reports each step through a WorkflowTaskResult it creates and then patches
   * (Argo's {@code docs/workflow-rbac.md} and the executor Role of its quick-start manifests,
   * {@code manifests/quick-start/base/executor/emissary/executor-role.yaml}: create, patch); the
   * template's resource templates run {@code kubectl apply} (discovery, GET, then POST or PATCH) and
   * {@code kubectl delete} (DELETE) of the workspace PVC.
   */
  static final List<KubernetesRequest> WORKFLOW_POD_REQUESTS = List.of(
      new KubernetesRequest("POST", "/apis/argoproj.io/v1alpha1/namespaces/odm/workflowtaskresults", "", "WORKFLOW"),
      new KubernetesRequest("PATCH", "/apis/argoproj.io/v1alpha1/namespaces/odm/workflowtaskresults/odm-0123456789abcdef-1", "", "WORKFLOW"),
      new KubernetesRequest("GET", "/api", "", "WORKFLOW"),
      new KubernetesRequest("GET", "/apis", "", "WORKFLOW"),
      new KubernetesRequest("GET", "/openapi/v3/api/v1", "", "WORKFLOW"),
      new KubernetesRequest("GET", "/api/v1/namespaces/odm/persistentvolumeclaims/odm-0123456789abcdef-workspace", "", "WORKFLOW"),
      new KubernetesRequest("POST", "/api/v1/namespaces/odm/persistentvolumeclaims", "", "WORKFLOW"),
      new KubernetesRequest("PATCH", "/api/v1/namespaces/odm/persistentvolumeclaims/odm-0123456789abcdef-workspace", "", "WORKFLOW"),
      new KubernetesRequest("DELETE", "/api/v1/namespaces/odm/persistentvolumeclaims/odm-0123456789abcdef-workspace", "", "WORKFLOW"));

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"aws", "minio"})
  void theWorkflowPodsRoleGrantsWhatArgosExecutorAndTheResourceTemplatesSend(String overlay) {
    assertThat(violations(overlay, Manifests.rendered(overlay), WORKFLOW_POD_REQUESTS)).isEmpty();
  }

  @Test
  void withoutDeleteTheReleaseOfTheWorkspaceIsRefusedNamingTheCallAndTheRole() {
    List<String> refused = violations("minio", withoutVerb(Manifests.rendered("minio"), "odm-workflow", "delete"), WORKFLOW_POD_REQUESTS);
    System.out.println("RBAC contract with 'delete' removed from Role odm-workflow:\n  " + String.join("\n  ", refused));
    assertThat(refused).containsExactly(
        "DELETE /api/v1/namespaces/odm/persistentvolumeclaims/odm-0123456789abcdef-workspace by WORKFLOW -> verb=delete"
            + " group=\"\" resource=persistentvolumeclaims name=odm-0123456789abcdef-workspace namespace=odm: forbidden for"
            + " ServiceAccount odm-workflow in overlay minio (Role odm/odm-workflow): no rule grants verb 'delete' on"
            + " persistentvolumeclaims");
  }

  @Test
  void nonResourceUrlsBeyondDiscoveryAndClusterScopedCallsAreRefused() {
    List<KubernetesRequest> calls = List.of(
        new KubernetesRequest("GET", "/metrics", "", "WATCHER"),
        new KubernetesRequest("GET", "/apis/argoproj.io/v1alpha1/workflows", "watch=true", "WATCHER"));
    assertThat(violations("aws", Manifests.rendered("aws"), calls))
        .satisfiesExactly(
            m -> assertThat(m).startsWith("GET /metrics by WATCHER").endsWith("a non-resource URL outside system:discovery needs a ClusterRole"),
            m -> assertThat(m).contains("verb=watch").endsWith("cluster scope: a Role grants only within its namespace"));
  }

  @Test
  void requestsResolveAsTheApiServerResolvesThem() {
    assertThat(info("GET", "/apis/argoproj.io/v1alpha1/namespaces/odm/workflows/wf", ""))
        .isEqualTo("verb=get group=argoproj.io resource=workflows name=wf namespace=odm");
    assertThat(info("GET", "/apis/argoproj.io/v1alpha1/namespaces/odm/workflows", "labelSelector=a%3Db"))
        .isEqualTo("verb=list group=argoproj.io resource=workflows namespace=odm");
    assertThat(info("GET", "/apis/argoproj.io/v1alpha1/namespaces/odm/workflows", "watch=true"))
        .isEqualTo("verb=watch group=argoproj.io resource=workflows namespace=odm");
    assertThat(info("GET", "/apis/argoproj.io/v1alpha1/namespaces/odm/workflows", "watch=false"))
        .isEqualTo("verb=list group=argoproj.io resource=workflows namespace=odm");
    assertThat(info("GET", "/apis/argoproj.io/v1alpha1/watch/namespaces/odm/workflows", ""))
        .isEqualTo("verb=watch group=argoproj.io resource=workflows namespace=odm");
    assertThat(info("GET", "/apis/argoproj.io/v1alpha1/namespaces/odm/workflows", "fieldSelector=metadata.name%3Dwf&watch=1"))
        .isEqualTo("verb=watch group=argoproj.io resource=workflows name=wf namespace=odm");
    assertThat(info("POST", "/api/v1/namespaces/odm/persistentvolumeclaims", ""))
        .isEqualTo("verb=create group=\"\" resource=persistentvolumeclaims namespace=odm");
    assertThat(info("DELETE", "/api/v1/namespaces/odm/persistentvolumeclaims/ws", ""))
        .isEqualTo("verb=delete group=\"\" resource=persistentvolumeclaims name=ws namespace=odm");
    assertThat(info("DELETE", "/api/v1/namespaces/odm/persistentvolumeclaims", ""))
        .isEqualTo("verb=deletecollection group=\"\" resource=persistentvolumeclaims namespace=odm");
    assertThat(info("PUT", "/apis/argoproj.io/v1alpha1/namespaces/odm/workflows/wf/status", ""))
        .isEqualTo("verb=update group=argoproj.io resource=workflows/status name=wf namespace=odm");
    assertThat(info("GET", "/apis/argoproj.io/v1alpha1/workflows", ""))
        .isEqualTo("verb=list group=argoproj.io resource=workflows namespace=(cluster scope)");
    assertThat(info("GET", "/api/v1/namespaces/odm", "")).isEqualTo("verb=get group=\"\" resource=namespaces name=odm namespace=odm");
    assertThat(info("GET", "/version", "")).isEqualTo("get /version (non-resource URL)");
  }

  @Test
  void rulesMatchAsKubernetesMatchesThem() {
    ObjectNode rule = Manifests.YAML.createObjectNode();
    rule.putArray("apiGroups").add("argoproj.io");
    rule.putArray("resources").add("workflows");
    rule.putArray("verbs").add("get");
    KubernetesRequest.Info get = new KubernetesRequest("GET", "/apis/argoproj.io/v1alpha1/namespaces/odm/workflows/wf", "", "WATCHER").resolve();
    KubernetesRequest.Info status = new KubernetesRequest("GET", "/apis/argoproj.io/v1alpha1/namespaces/odm/workflows/wf/status", "", "WATCHER").resolve();
    KubernetesRequest.Info core = new KubernetesRequest("GET", "/api/v1/namespaces/odm/pods/p", "", "WATCHER").resolve();
    assertThat(RbacRoles.ruleAllows(rule, get)).isTrue();
    assertThat(RbacRoles.ruleAllows(rule, status)).as("a subresource needs resource/subresource").isFalse();
    assertThat(RbacRoles.ruleAllows(rule, core)).as("another API group").isFalse();
    ((ArrayNode) rule.path("resources")).add("*/status");
    assertThat(RbacRoles.ruleAllows(rule, status)).isTrue();
    rule.putArray("resourceNames").add("other");
    assertThat(RbacRoles.ruleAllows(rule, get)).as("resourceNames limit the objects").isFalse();
    rule.putArray("verbs").add("*");
    rule.putArray("resourceNames");
    rule.putArray("apiGroups").add("*");
    rule.putArray("resources").add("*");
    assertThat(RbacRoles.ruleAllows(rule, core)).isTrue();
  }

  private static String info(String method, String path, String query) {
    return new KubernetesRequest(method, path, query, null).resolve().toString();
  }

  /** The rendered documents with {@code verb} taken out of every rule of Role {@code role}. */
  static List<ManifestDocument> withoutVerb(List<ManifestDocument> docs, String role, String verb) {
    List<ManifestDocument> changed = new ArrayList<>();
    for (ManifestDocument d : docs) {
      if (!d.kind().equals("Role") || !d.name().equals(role)) {
        changed.add(d);
        continue;
      }
      ObjectNode copy = d.node().deepCopy();
      for (JsonNode rule : copy.path("rules")) {
        ArrayNode verbs = (ArrayNode) rule.path("verbs");
        for (int i = verbs.size() - 1; i >= 0; i--) {
          if (verbs.get(i).asText().equals(verb)) {
            verbs.remove(i);
          }
        }
      }
      changed.add(new ManifestDocument(d.origin() + " without " + verb, copy));
    }
    return changed;
  }
}
