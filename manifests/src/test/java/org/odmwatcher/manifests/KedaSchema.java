package org.odmwatcher.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The openAPIV3Schema of KEDA's vendored CRDs, as the API server would apply it, made strict. The
 * CRD's {@code metadata} is just {@code type: object}, so callers check it separately.
 */
final class KedaSchema {
  private static final Map<String, String> CRD_BY_KIND =
      Map.of(
          "ScaledObject", "/schemas/keda.sh_scaledobjects.yaml",
          "TriggerAuthentication", "/schemas/keda.sh_triggerauthentications.yaml");
  private static final Map<String, JsonSchema> CACHE = new ConcurrentHashMap<>();

  private KedaSchema() {}

  static Set<ValidationMessage> validate(JsonNode doc) {
    String kind = doc.path("kind").asText();
    String version = doc.path("apiVersion").asText().replaceFirst("^keda\\.sh/", "");
    if (!CRD_BY_KIND.containsKey(kind)) {
      throw new IllegalArgumentException("no vendored CRD for " + kind);
    }
    return CACHE.computeIfAbsent(kind + "/" + version, k -> load(kind, version)).validate(doc);
  }

  private static JsonSchema load(String kind, String version) {
    JsonNode crd;
    try (InputStream in = KedaSchema.class.getResourceAsStream(CRD_BY_KIND.get(kind))) {
      crd = Manifests.YAML.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (JsonNode v : crd.path("spec").path("versions")) {
      if (v.path("name").asText().equals(version)) {
        ObjectNode schema = (ObjectNode) v.path("schema").path("openAPIV3Schema").deepCopy();
        StrictSchema.tighten(schema, true);
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(schema);
      }
    }
    throw new IllegalArgumentException("CRD for " + kind + " has no version " + version);
  }
}
