package org.odmwatcher.manifest;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.core.annotation.Nullable;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The merge rules of defaults files: layers are applied from the bucket root down to the folder,
 * the folder's own {@code odm.json} last, each as a JSON Merge Patch (RFC 7386, section 2): an
 * object merges key by key (recursively, so {@code options} and any other object), anything else
 * (a string, number, boolean, array) replaces what the layers above set, and {@code null} removes
 * it. So the nearest layer wins key by key and the manifest beats every defaults file.
 *
 * <p>One addition to RFC 7386: {@code options} in NodeODM's list form ({@code [{"name": "dsm",
 * "value": true}]}, which {@link ManifestParser} accepts) is read as the object form first, so both
 * forms merge option by option. A list that is not well formed is left as it is (it replaces, and
 * the parser names what is wrong with it).
 *
 * <p>Hand-written rather than a library's merge patch: it also records, for every value of the
 * result, which layer set it ({@link Merged#origins}), which no merge-patch library reports.
 */
public final class DefaultsMerge {
  private DefaultsMerge() {}

  /** Where a value came from: an object's key and the ETag of the version read. */
  public record Origin(String key, @Nullable String eTag) {}

  /** One layer: a JSON object and where it came from. */
  public record Layer(Origin origin, ObjectNode values) {}

  /**
   * The effective manifest and, for each of its values (a JSON Pointer, RFC 6901, to every value
   * that is not an object), the layer that set it; in the document's order.
   */
  public record Merged(ObjectNode manifest, Map<String, Origin> origins) {}

  /** The layers merged, first (the bucket root) to last (the manifest). */
  public static Merged merge(List<Layer> layers) {
    ObjectNode result = JsonNodeFactory.instance.objectNode();
    Map<String, Origin> setBy = new HashMap<>();
    for (Layer layer : layers) {
      apply(result, normalized(layer.values()), "", layer.origin(), setBy);
    }
    Map<String, Origin> origins = new LinkedHashMap<>();
    collect(result, "", setBy, origins);
    return new Merged(result, origins);
  }

  /** A layer without its {@code null}s (what it sets, to be checked on its own). */
  public static ObjectNode withoutNulls(ObjectNode values) {
    ObjectNode result = JsonNodeFactory.instance.objectNode();
    apply(result, normalized(values), "", new Origin("", null), new HashMap<>());
    return result;
  }

  private static void apply(ObjectNode target, JsonNode patch, String path, Origin origin, Map<String, Origin> setBy) {
    for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String name = field.getKey();
      JsonNode value = field.getValue();
      String at = path + "/" + escape(name);
      JsonNode current = target.get(name);
      if (value.isNull()) {
        target.remove(name);
        forget(setBy, at);
      } else if (value.isObject()) {
        if (current == null || !current.isObject()) {
          forget(setBy, at);
          current = target.putObject(name);
        }
        apply((ObjectNode) current, value, at, origin, setBy);
      } else {
        forget(setBy, at);
        target.set(name, value.deepCopy());
        setBy.put(at, origin);
      }
    }
  }

  /** Drops the origins of a value and of everything under it. */
  private static void forget(Map<String, Origin> setBy, String at) {
    setBy.keySet().removeIf(p -> p.equals(at) || p.startsWith(at + "/"));
  }

  private static void collect(JsonNode node, String path, Map<String, Origin> setBy, Map<String, Origin> into) {
    if (!node.isObject()) {
      Origin origin = setBy.get(path);
      if (origin != null) {
        into.put(path, origin);
      }
      return;
    }
    node.fields().forEachRemaining(f -> collect(f.getValue(), path + "/" + escape(f.getKey()), setBy, into));
  }

  /** RFC 6901's escaping of one reference token ({@code ~} → {@code ~0}, {@code /} → {@code ~1}). */
  private static String escape(String name) {
    return name.replace("~", "~0").replace("/", "~1");
  }

  /** Reads a pointer of {@link Merged#origins} back into the effective manifest (for tests and tools). */
  public static JsonNode at(ObjectNode manifest, String pointer) {
    return manifest.at(JsonPointer.compile(pointer));
  }

  /** The layer with {@code options} in object form when it is a well-formed NodeODM list. */
  private static JsonNode normalized(ObjectNode layer) {
    JsonNode options = layer.get("options");
    if (options == null || !options.isArray()) {
      return layer;
    }
    ObjectNode asObject = JsonNodeFactory.instance.objectNode();
    Set<String> seen = new HashSet<>();
    for (JsonNode item : options) {
      JsonNode name = item.get("name");
      if (!item.isObject() || name == null || !name.isTextual() || !item.has("value") || !seen.add(name.asText())) {
        return layer;
      }
      asObject.set(name.asText(), item.get("value"));
    }
    ObjectNode copy = layer.deepCopy();
    copy.set("options", asObject);
    return copy;
  }
}
