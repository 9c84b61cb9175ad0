package org.odmwatcher.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Argo Workflows' published JSON schema (vendored, v4.1.2), one validator per kind, strict or as
 * published.
 */
final class ArgoSchema {
  static final List<String> KINDS =
      List.of("Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow",
          "WorkflowEventBinding");

  private static final String RESOURCE = "/schemas/argo-workflows-4.1.2.schema.json";
  private static final Map<String, JsonSchema> CACHE = new ConcurrentHashMap<>();

  private ArgoSchema() {}

  /** Validation messages for {@code doc}; empty when valid. */
  static Set<ValidationMessage> validate(JsonNode doc, boolean strict) {
    String kind = doc.path("kind").asText();
    if (!KINDS.contains(kind)) {
      throw new IllegalArgumentException("not an Argo kind: " + kind);
    }
    return CACHE.computeIfAbsent(kind + "/" + strict, k -> load(kind, strict)).validate(doc);
  }

  private static JsonSchema load(String kind, boolean strict) {
    ObjectNode schema = (ObjectNode) read();
    // Validate against the one kind rather than the published oneOf (clearer messages), and
    // without $id so that no reference can ever be fetched from the network.
    schema.remove(List.of("$id", "oneOf", "type"));
    schema.put("$ref", "#/definitions/io.argoproj.workflow.v1alpha1." + kind);
    if (strict) {
      StrictSchema.tighten(schema, true);
    } else {
      StrictSchema.stripKubernetesExtensions(schema);
    }
    return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(schema);
  }

  static JsonNode read() {
    try (InputStream in = ArgoSchema.class.getResourceAsStream(RESOURCE)) {
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
