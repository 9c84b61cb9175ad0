package org.odmwatcher.manifests;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One HTTP request to the Kubernetes API and what the API server's authorizer makes of it.
 *
 * <p>{@link #resolve()} follows kube-apiserver's {@code RequestInfoFactory.NewRequestInfo}
 * (kubernetes/apiserver {@code pkg/endpoints/request/requestinfo.go}): prefixes {@code api}
 * (groupless) and {@code apis}; the special verb {@code watch} as a path segment; POST create, GET
 * and HEAD get, PUT update, PATCH patch, DELETE delete; {@code namespaces/{ns}/...} (except the
 * namespace's own {@code status} and {@code finalize}); parts {@code resource/name/subresource};
 * a GET without a name is {@code watch} when {@code watch} is set (not "false"/"0"), else {@code
 * list}, and a {@code fieldSelector=metadata.name=X} names the object; a DELETE without a name is
 * {@code deletecollection}.
 *
 * @param method HTTP method
 * @param path URL path without the query
 * @param query the query string (may be empty)
 * @param principal who sent it (from the bearer token), or null when it carried no known token
 */
record KubernetesRequest(String method, String path, String query, String principal) {
  private static final Set<String> API_PREFIXES = Set.of("api", "apis");
  private static final Set<String> GROUPLESS_API_PREFIXES = Set.of("api");
  private static final Set<String> SPECIAL_VERBS = Set.of("proxy", "watch");
  private static final Set<String> SPECIAL_VERBS_NO_SUBRESOURCES = Set.of("proxy");
  private static final Set<String> NAMESPACE_SUBRESOURCES = Set.of("status", "finalize");

  /** The authorizer's view of a request (RequestInfo's fields that RBAC reads). */
  record Info(
      boolean resourceRequest, String verb, String group, String resource, String subresource, String namespace,
      String name, String path) {
    @Override
    public String toString() {
      if (!resourceRequest) {
        return verb + " " + path + " (non-resource URL)";
      }
      return "verb=" + verb + " group=" + (group.isEmpty() ? "\"\"" : group) + " resource=" + resource
          + (subresource.isEmpty() ? "" : "/" + subresource)
          + (name.isEmpty() ? "" : " name=" + name)
          + " namespace=" + (namespace.isEmpty() ? "(cluster scope)" : namespace);
    }
  }

  Info resolve() {
    String verb = method.toLowerCase(Locale.ROOT);
    List<String> parts = splitPath(path);
    if (parts.size() < 3 || !API_PREFIXES.contains(parts.get(0))) {
      return new Info(false, verb, "", "", "", "", "", path);
    }
    String prefix = parts.get(0);
    parts = parts.subList(1, parts.size());
    String group = "";
    if (!GROUPLESS_API_PREFIXES.contains(prefix)) {
      if (parts.size() < 3) {
        return new Info(false, verb, "", "", "", "", "", path);
      }
      group = parts.get(0);
      parts = parts.subList(1, parts.size());
    }
    parts = parts.subList(1, parts.size()); // the version
    if (parts.isEmpty()) {
      return new Info(false, verb, "", "", "", "", "", path);
    }
    if (SPECIAL_VERBS.contains(parts.get(0))) {
      if (parts.size() < 2) {
        throw new IllegalArgumentException("unable to determine kind and namespace from " + path);
      }
      verb = parts.get(0);
      parts = parts.subList(1, parts.size());
    } else {
      verb = switch (method.toUpperCase(Locale.ROOT)) {
        case "POST" -> "create";
        case "GET", "HEAD" -> "get";
        case "PUT" -> "update";
        case "PATCH" -> "patch";
        case "DELETE" -> "delete";
        default -> "";
      };
    }
    String namespace = "";
    if (parts.get(0).equals("namespaces")) {
      if (parts.size() > 1) {
        namespace = parts.get(1);
        if (parts.size() > 2 && !NAMESPACE_SUBRESOURCES.contains(parts.get(2))) {
          parts = parts.subList(2, parts.size());
        }
      }
    }
    String resource = "";
    String name = "";
    String subresource = "";
    if (parts.size() >= 3 && !SPECIAL_VERBS_NO_SUBRESOURCES.contains(verb)) {
      subresource = parts.get(2);
    }
    if (parts.size() >= 2) {
      name = parts.get(1);
    }
    if (!parts.isEmpty()) {
      resource = parts.get(0);
    }
    if (name.isEmpty() && verb.equals("get")) {
      verb = watchRequested() ? "watch" : "list";
      String byName = fieldSelectorName();
      if (byName != null) {
        name = byName;
      }
    }
    if (name.isEmpty() && verb.equals("delete")) {
      verb = "deletecollection";
    }
    return new Info(true, verb, group, resource, subresource, namespace, name, path);
  }

  private boolean watchRequested() {
    for (String value : parameter("watch")) {
      String v = value.toLowerCase(Locale.ROOT);
      if (!v.equals("false") && !v.equals("0")) {
        return true;
      }
    }
    return false;
  }

  /** {@code fieldSelector} requiring an exact {@code metadata.name} ({@code RequiresExactMatch}). */
  private String fieldSelectorName() {
    for (String selector : parameter("fieldSelector")) {
      for (String term : selector.split(",")) {
        String t = term.trim();
        for (String op : List.of("==", "=")) {
          if (t.startsWith("metadata.name" + op)) {
            return t.substring(("metadata.name" + op).length());
          }
        }
      }
    }
    return null;
  }

  private List<String> parameter(String name) {
    List<String> values = new ArrayList<>();
    if (query == null || query.isEmpty()) {
      return values;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      if (key.equals(name)) {
        values.add(eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return values;
  }

  private static List<String> splitPath(String path) {
    String trimmed = path.replaceAll("^/+|/+$", "");
    return trimmed.isEmpty() ? List.of() : Arrays.asList(trimmed.split("/"));
  }

  @Override
  public String toString() {
    return method + " " + path + (query == null || query.isEmpty() ? "" : "?" + query)
        + " by " + (principal == null ? "(no known token)" : principal);
  }
}
