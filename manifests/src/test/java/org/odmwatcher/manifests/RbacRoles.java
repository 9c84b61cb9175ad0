package org.odmwatcher.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The Roles bound to a service account in one rendered overlay, and whether they grant a request.
 *
 * <p>Rule matching follows kubernetes {@code pkg/apis/rbac/v1/evaluation_helpers.go}
 * ({@code VerbMatches}, {@code APIGroupMatches}, {@code ResourceMatches} with the combined
 * {@code resource/subresource} and {@code *}{@code /subresource}, {@code ResourceNameMatches}) as
 * combined by {@code RuleAllows} in {@code pkg/registry/rbac/validation/rule.go}. A Role grants
 * nothing outside its namespace and nothing at cluster scope; non-resource URLs need a
 * ClusterRole, which we do not ship, beyond the discovery URLs every cluster grants
 * ({@link #DISCOVERY_URLS}). The tests run each fixture in a namespace of its own: each
 * stands for the overlay's namespace (where the Roles live).
 */
final class RbacRoles {
  /** One Role with the rules it grants, bound to the service account. */
  record BoundRole(String name, String namespace, List<JsonNode> rules) {}

  private final String overlay;
  private final String serviceAccount;
  private final List<BoundRole> roles;

  RbacRoles(String overlay, String serviceAccount, List<BoundRole> roles) {
    this.overlay = overlay;
    this.serviceAccount = serviceAccount;
    this.roles = roles;
  }

  /** The Roles bound to {@code serviceAccount} by the RoleBindings among {@code documents}. */
  static RbacRoles of(String overlay, List<ManifestDocument> documents, String serviceAccount) {
    List<BoundRole> bound = new ArrayList<>();
    for (ManifestDocument binding : documents) {
      if (!binding.kind().equals("RoleBinding")) {
        continue;
      }
      String bindingNamespace = binding.node().path("metadata").path("namespace").asText("");
      boolean subject = false;
      for (JsonNode s : binding.node().path("subjects")) {
        String ns = s.path("namespace").asText(bindingNamespace);
        subject |= s.path("kind").asText().equals("ServiceAccount")
            && s.path("name").asText().equals(serviceAccount)
            && ns.equals(bindingNamespace);
      }
      JsonNode ref = binding.node().path("roleRef");
      if (!subject || !ref.path("kind").asText().equals("Role")) {
        continue;
      }
      documents.stream()
          .filter(d -> d.kind().equals("Role") && d.name().equals(ref.path("name").asText()))
          .filter(d -> d.node().path("metadata").path("namespace").asText("").equals(bindingNamespace))
          .findFirst()
          .ifPresent(role -> {
            List<JsonNode> rules = new ArrayList<>();
            role.node().path("rules").forEach(rules::add);
            bound.add(new BoundRole(role.name(), bindingNamespace, rules));
          });
    }
    return new RbacRoles(overlay, serviceAccount, bound);
  }

  List<BoundRole> roles() {
    return roles;
  }

  /**
   * The non-resource URLs every authenticated caller may GET in any cluster: the default
   * ClusterRole {@code system:discovery} bound to {@code system:authenticated} (kubernetes {@code
   * plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go}, {@code ClusterRoles} and {@code
   * ClusterRoleBindings}); clients such as kubectl read them before their first request.
   */
  static final List<String> DISCOVERY_URLS = List.of(
      "/livez", "/readyz", "/healthz", "/version", "/version/", "/openapi", "/openapi/*", "/api", "/api/*", "/apis", "/apis/*");

  /** The rule that grants {@code request}, if any. */
  Optional<JsonNode> grantingRule(KubernetesRequest.Info request) {
    if (!request.resourceRequest()) {
      boolean discovery = request.verb().equals("get") && DISCOVERY_URLS.stream().anyMatch(u -> nonResourceUrlMatches(u, request.path()));
      return discovery ? Optional.of(Manifests.YAML.createObjectNode().put("clusterRole", "system:discovery")) : Optional.empty();
    }
    if (request.namespace().isEmpty()) {
      return Optional.empty();
    }
    for (BoundRole role : roles) {
      for (JsonNode rule : role.rules()) {
        if (ruleAllows(rule, request)) {
          return Optional.of(rule);
        }
      }
    }
    return Optional.empty();
  }

  /** Why {@code request} is refused, naming the Roles that were looked at. */
  String refusal(KubernetesRequest call, KubernetesRequest.Info request) {
    String why = !request.resourceRequest() ? "a non-resource URL outside system:discovery needs a ClusterRole"
        : request.namespace().isEmpty() ? "cluster scope: a Role grants only within its namespace"
        : "no rule grants verb '" + request.verb() + "' on "
            + (request.group().isEmpty() ? "" : request.group() + "/") + request.resource()
            + (request.subresource().isEmpty() ? "" : "/" + request.subresource());
    String roleNames = roles.isEmpty() ? "none bound"
        : String.join(", ", roles.stream().map(r -> "Role " + r.namespace() + "/" + r.name()).toList());
    return call + " -> " + request + ": forbidden for ServiceAccount " + serviceAccount + " in overlay "
        + overlay + " (" + roleNames + "): " + why;
  }

  /** {@code NonResourceURLMatches} of evaluation_helpers.go: exact, {@code *}, or a prefix ending in {@code *}. */
  static boolean nonResourceUrlMatches(String rule, String path) {
    return rule.equals("*") || rule.equals(path) || (rule.endsWith("*") && path.startsWith(rule.substring(0, rule.length() - 1)));
  }

  static boolean ruleAllows(JsonNode rule, KubernetesRequest.Info request) {
    String combined = request.subresource().isEmpty() ? request.resource() : request.resource() + "/" + request.subresource();
    return matches(rule.path("verbs"), request.verb())
        && matches(rule.path("apiGroups"), request.group())
        && resourceMatches(rule.path("resources"), combined, request.subresource())
        && resourceNameMatches(rule.path("resourceNames"), request.name());
  }

  private static boolean matches(JsonNode values, String wanted) {
    for (JsonNode v : values) {
      if (v.asText().equals("*") || v.asText().equals(wanted)) {
        return true;
      }
    }
    return false;
  }

  private static boolean resourceMatches(JsonNode resources, String combined, String subresource) {
    for (JsonNode r : resources) {
      String rule = r.asText();
      if (rule.equals("*") || rule.equals(combined)) {
        return true;
      }
      if (!subresource.isEmpty() && rule.equals("*/" + subresource)) {
        return true;
      }
    }
    return false;
  }

  private static boolean resourceNameMatches(JsonNode names, String name) {
    if (names.isMissingNode() || names.isEmpty()) {
      return true;
    }
    for (JsonNode n : names) {
      if (n.asText().equals(name)) {
        return true;
      }
    }
    return false;
  }
}
