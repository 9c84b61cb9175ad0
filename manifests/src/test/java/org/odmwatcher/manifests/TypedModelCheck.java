package org.odmwatcher.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Deserializes a Kubernetes document into fabric8's typed model and reports every field the model
 * does not know: fabric8 parks those in {@code additionalProperties} maps instead of failing, so the
 * walk looks into every such map in the object tree.
 */
final class TypedModelCheck {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final String MODEL_PACKAGE = "io.fabric8.kubernetes.api.model";

  private TypedModelCheck() {}

  /** Problems found in {@code doc}; empty when every field is known to the typed model. */
  static List<String> problems(JsonNode doc) {
    Object typed;
    try {
      typed = SERIALIZATION.unmarshal(doc.toString(), KubernetesResource.class);
    } catch (RuntimeException e) {
      return List.of("does not deserialize: " + e.getMessage());
    }
    if (typed == null || typed instanceof GenericKubernetesResource) {
      return List.of(
          "fabric8 has no typed model for " + doc.path("apiVersion").asText() + " "
              + doc.path("kind").asText());
    }
    return unknownFields(typed);
  }

  /** Unknown fields anywhere under {@code typed} (a fabric8 model object), as JSON-ish paths. */
  static List<String> unknownFields(Object typed) {
    List<String> found = new ArrayList<>();
    walk(typed, "$", found, Collections.newSetFromMap(new IdentityHashMap<>()));
    return found;
  }

  private static void walk(Object value, String path, List<String> found, Set<Object> seen) {
    if (value == null || !seen.add(value)) {
      return;
    }
    if (value instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        walk(list.get(i), path + "[" + i + "]", found, seen);
      }
      return;
    }
    if (value instanceof Map<?, ?> map) {
      map.forEach((k, v) -> walk(v, path + "." + k, found, seen));
      return;
    }
    if (!value.getClass().getName().startsWith(MODEL_PACKAGE)) {
      return;
    }
    for (Method getter : value.getClass().getMethods()) {
      if (getter.getParameterCount() != 0
          || Modifier.isStatic(getter.getModifiers())
          || getter.getDeclaringClass() == Object.class
          || !(getter.getName().startsWith("get") || getter.getName().startsWith("is"))) {
        continue;
      }
      Object child;
      try {
        child = getter.invoke(value);
      } catch (IllegalAccessException | InvocationTargetException e) {
        continue;
      }
      if (getter.getName().equals("getAdditionalProperties")) {
        if (child instanceof Map<?, ?> extra && !extra.isEmpty()) {
          extra.keySet().forEach(k -> found.add(path + "." + k));
        }
        continue;
      }
      String property = getter.getName().replaceFirst("^(get|is)", "");
      walk(child, path + "." + Character.toLowerCase(property.charAt(0)) + property.substring(1),
          found, seen);
    }
  }
}
