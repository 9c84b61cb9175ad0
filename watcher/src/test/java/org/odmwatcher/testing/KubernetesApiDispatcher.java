package org.odmwatcher.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.odmwatcher.testing.contract.CallLog;

/**
 * The fabric8 mock's CRUD dispatcher, made a little more like kube-apiserver:
 *
 * <ul>
 *   <li>every request is recorded for the RBAC contract (method, path, query and the principal
 *       whose bearer token it carries; see {@link CallLog});
 *   <li>an object whose annotations exceed 256 KiB in total is refused with 422 {@code Invalid},
 *       as the real server refuses it: kubernetes/apimachinery {@code
 *       pkg/api/validation/objectmeta.go}, {@code ValidateAnnotations} with {@code
 *       TotalAnnotationSizeLimitB = 256 * (1 << 10)} (sum of the keys' and values' byte lengths),
 *       reported through {@code errors.NewInvalid} ({@code staging/src/k8s.io/apimachinery/pkg/api/
 *       errors/errors.go}) as {@code <Kind>.<group> "<name>" is invalid: metadata.annotations: Too
 *       long: must have at most 262144 bytes}. Custom resources such as Workflows get the same
 *       ObjectMeta validation (apiextensions-apiserver {@code customResourceStrategy.Validate});
 *   <li>a list whose {@code labelSelector} has set-based requirements ({@code k in (a,b)}, {@code
 *       k notin (a,b)}), which the mock's {@code KubernetesAttributesExtractor} ignores (it logs
 *       "Ignoring unsupported label requirement" and answers as if they were absent), gets them
 *       applied to its items as kube-apiserver applies them ({@link SetBasedSelector}); a watch
 *       with one is refused with 400, so no test silently sees more events than a cluster sends;
 *   <li>a list with {@code limit} is answered a page at a time with a {@code continue} token, as
 *       kube-apiserver answers it ({@link ListPages}); the mock alone answers every item at once;
 *   <li>{@code GET .../pods/<pod>/log} serves the log of a pod the test Argo runs (registered in
 *       {@link #podLogs}: the container runtime's CRI log file) as the kubelet does, else answers
 *       404 {@code pods "<pod>" not found} (see {@link PodLogs}).
 * </ul>
 */
final class KubernetesApiDispatcher extends KubernetesCrudDispatcher {
  static final long TOTAL_ANNOTATION_SIZE_LIMIT_B = 256 * (1 << 10);
  private static final ObjectMapper JSON = new ObjectMapper();
  private final PodLogs podLogs;

  KubernetesApiDispatcher(PodLogs podLogs) {
    this.podLogs = podLogs;
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    record(request);
    MockResponse log = podLogs.serve(request);
    if (log != null) {
      return log;
    }
    String method = request.getMethod().toUpperCase(Locale.ROOT);
    if (method.equals("POST") || method.equals("PUT")) {
      MockResponse refused = validateAnnotations(request);
      if (refused != null) {
        return refused;
      }
    }
    SetBasedSelector selector = method.equals("GET") ? SetBasedSelector.of(request.getPath()) : null;
    ListPages pages = method.equals("GET") ? ListPages.of(request.getPath()) : null;
    if (selector != null) {
      if (request.getPath().matches(".*[?&]watch=(true|1)(&.*)?$")) {
        return new MockResponse().setResponseCode(400).setHeader("Content-Type", "application/json").setBody(
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":400,\"reason\":\"BadRequest\","
                + "\"message\":\"test mock: a watch with a set-based label selector is not emulated\"}");
      }
      MockResponse filtered = selector.filter(super.dispatch(request));
      return pages == null ? filtered : pages.page(filtered);
    }
    return pages == null ? super.dispatch(request) : pages.page(super.dispatch(request));
  }

  private static void record(RecordedRequest request) {
    String target = request.getPath();
    int q = target.indexOf('?');
    String authorization = request.getHeader("Authorization");
    String token =
        authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
            ? authorization.substring(7).trim()
            : null;
    Map<String, Object> call = new LinkedHashMap<>();
    call.put("method", request.getMethod().toUpperCase(Locale.ROOT));
    call.put("path", q < 0 ? target : target.substring(0, q));
    call.put("query", q < 0 ? "" : normalisedQuery(target.substring(q + 1)));
    call.put("principal", token == null ? null : Principal.byKubernetesToken(token).map(Enum::name).orElse(null));
    call.put("authenticated", token != null);
    CallLog.KUBERNETES.record(call);
  }

  /**
   * Keeps the query parameters that decide the RBAC verb or scope (watch, labelSelector's
   * presence, fieldSelector) and drops those that change on every call (resourceVersion,
   * timeouts), so identical calls are written once.
   */
  private static String normalisedQuery(String query) {
    StringBuilder kept = new StringBuilder();
    for (String pair : query.split("&")) {
      String name = pair.contains("=") ? pair.substring(0, pair.indexOf('=')) : pair;
      if (name.equals("watch") || name.equals("fieldSelector") || name.equals("labelSelector")) {
        String value = name.equals("labelSelector") ? "…" : pair.substring(Math.min(pair.length(), name.length() + 1));
        kept.append(kept.length() == 0 ? "" : "&").append(name).append('=').append(value);
      }
    }
    return kept.toString();
  }

  private static MockResponse validateAnnotations(RecordedRequest request) {
    JsonNode object;
    try {
      object = JSON.readTree(request.getBody().getBytes());
    } catch (Exception e) {
      return null; // not JSON: the CRUD dispatcher answers as it does
    }
    if (object == null || !object.path("metadata").path("annotations").isObject()) {
      return null;
    }
    long size = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = object.path("metadata").path("annotations").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> a = it.next();
      size += a.getKey().getBytes(StandardCharsets.UTF_8).length + a.getValue().asText().getBytes(StandardCharsets.UTF_8).length;
    }
    if (size <= TOTAL_ANNOTATION_SIZE_LIMIT_B) {
      return null;
    }
    String kind = object.path("kind").asText();
    String apiVersion = object.path("apiVersion").asText();
    String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
    String name = object.path("metadata").path("name").asText();
    String causeMessage = "Too long: must have at most " + TOTAL_ANNOTATION_SIZE_LIMIT_B + " bytes";
    ObjectNode status = JSON.createObjectNode();
    status.put("kind", "Status").put("apiVersion", "v1").put("status", "Failure");
    status.putObject("metadata");
    status.put("message", kind + (group.isEmpty() ? "" : "." + group) + " \"" + name + "\" is invalid: metadata.annotations: " + causeMessage);
    status.put("reason", "Invalid").put("code", 422);
    ObjectNode details = status.putObject("details").put("name", name).put("group", group).put("kind", kind);
    details.putArray("causes").addObject()
        .put("reason", "FieldValueTooLong").put("message", causeMessage).put("field", "metadata.annotations");
    return new MockResponse().setResponseCode(422).setHeader("Content-Type", "application/json").setBody(status.toString());
  }
}
