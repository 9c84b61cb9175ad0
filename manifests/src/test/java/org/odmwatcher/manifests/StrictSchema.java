package org.odmwatcher.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Makes a JSON schema reject unknown fields: every object schema that lists {@code properties} and
 * says nothing about others gets {@code additionalProperties: false}. The walk follows schema
 * keywords only, so a property that happens to be named {@code properties} is not mistaken for the
 * keyword. None of the vendored schemas compose objects with allOf, so additionalProperties is
 * enough (unevaluatedProperties would be needed otherwise).
 *
 * <p>It can also drop Kubernetes' OpenAPI extensions ({@code x-kubernetes-*}, {@code nullable}) so
 * a CRD's openAPIV3Schema reads as plain JSON schema.
 */
final class StrictSchema {
  private static final List<String> SINGLE =
      List.of("items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else",
          "unevaluatedProperties", "unevaluatedItems");
  private static final List<String> ARRAYS = List.of("allOf", "anyOf", "oneOf", "prefixItems");
  private static final List<String> MAPS =
      List.of("properties", "definitions", "$defs", "patternProperties", "dependentSchemas");

  private StrictSchema() {}

  /** Tightens {@code schema} in place and returns how many object schemas were closed. */
  static int tighten(JsonNode schema, boolean stripKubernetesExtensions) {
    return walk(schema, true, stripKubernetesExtensions);
  }

  /** Only drops the Kubernetes extensions (the schema stays as lenient as published). */
  static void stripKubernetesExtensions(JsonNode schema) {
    walk(schema, false, true);
  }

  private static int walk(JsonNode schema, boolean close, boolean stripKubernetesExtensions) {
    if (!(schema instanceof ObjectNode object)) {
      return 0;
    }
    int closed = 0;
    if (stripKubernetesExtensions) {
      List<String> drop = new ArrayList<>();
      object.fieldNames().forEachRemaining(
          f -> {
            if (f.startsWith("x-kubernetes-") || f.equals("nullable")) {
              drop.add(f);
            }
          });
      object.remove(drop);
    }
    if (close
        && object.path("properties").isObject()
        && !object.has("additionalProperties")
        && !object.has("unevaluatedProperties")) {
      object.put("additionalProperties", false);
      closed++;
    }
    for (String keyword : SINGLE) {
      closed += walk(object.get(keyword), close, stripKubernetesExtensions);
    }
    for (String keyword : ARRAYS) {
      JsonNode array = object.get(keyword);
      if (array != null && array.isArray()) {
        for (JsonNode element : array) {
          closed += walk(element, close, stripKubernetesExtensions);
        }
      }
    }
    for (String keyword : MAPS) {
      JsonNode map = object.get(keyword);
      if (map != null && map.isObject()) {
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
          closed += walk(it.next().getValue(), close, stripKubernetesExtensions);
        }
      }
    }
    return closed;
  }
}
