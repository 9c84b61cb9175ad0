package org.odmwatcher.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.core.annotation.Nullable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.odmwatcher.manifest.Engine;
import org.odmwatcher.manifest.ManifestValidator;
import org.odmwatcher.manifest.OutputRule;

/**
 * Reads the {@code options} form field as NodeODM clients send it — a JSON string of {@code
 * [{"name", "value"}]} (an object {@code {"name": value}} is accepted too) — and checks every
 * option against the catalogue. Unlike NodeODM, which silently drops options it does not know, an
 * unknown option is an error: a typo must not quietly change what is processed. Errors use
 * NodeODM's shape: a JSON list of {@code {"name", "error"}}.
 */
final class TaskOptions {
  private final ObjectMapper json;
  private final ManifestValidator validator;
  private final Engine engine;

  TaskOptions(ObjectMapper json, ManifestValidator validator, Engine engine) {
    this.json = json;
    this.validator = validator;
    this.engine = engine;
  }

  /** The engine the API's tasks run on: their options are checked against its catalogue. */
  Engine engine() {
    return engine;
  }

  /**
   * ODM's {@code rerun-from} among a restart's options (NodeODM passes it to ODM, which resumes in
   * the task's folder: NodeODM libs/Task.js restart), or null. It is not a processing option of the
   * catalogue: the task's manifest carries it as its top-level {@code "rerun-from"}.
   */
  @Nullable
  String rerunFrom(@Nullable String text) {
    try {
      JsonNode root = text == null || text.isBlank() ? null : json.readTree(text);
      if (root != null && root.isArray()) {
        for (JsonNode item : root) {
          if ("rerun-from".equals(item.path("name").asText())) {
            return item.path("value").asText();
          }
        }
      } else if (root != null && root.isObject() && root.has("rerun-from")) {
        return root.get("rerun-from").asText();
      }
    } catch (JsonProcessingException e) {
      return null; // parse() names the problem
    }
    return null;
  }

  /** The options without {@code rerun-from} (see {@link #rerunFrom}), as text. */
  @Nullable
  String withoutRerunFrom(@Nullable String text) {
    try {
      JsonNode root = text == null || text.isBlank() ? null : json.readTree(text);
      if (root != null && root.isArray()) {
        ArrayNode rest = json.createArrayNode();
        root.forEach(item -> {
          if (!"rerun-from".equals(item.path("name").asText())) {
            rest.add(item);
          }
        });
        return rest.toString();
      } else if (root != null && root.isObject()) {
        ((ObjectNode) root).remove("rerun-from");
        return root.toString();
      }
    } catch (JsonProcessingException e) {
      return text;
    }
    return text;
  }

  /** The options in list form, validated; an empty list when none were given. */
  ArrayNode parse(@Nullable String text) throws ApiException {
    ArrayNode list = json.createArrayNode();
    if (text == null || text.isBlank()) {
      return list;
    }
    JsonNode root;
    try {
      root = json.readTree(text);
    } catch (JsonProcessingException e) {
      throw new ApiException("Invalid options: not JSON (" + e.getOriginalMessage() + ")", true);
    }
    Map<String, JsonNode> options = new LinkedHashMap<>();
    if (root.isArray()) {
      for (JsonNode item : root) {
        if (!item.isObject() || !item.path("name").isTextual()) {
          throw new ApiException(
              "Invalid options: each option must be {\"name\": \"…\", \"value\": …}, found " + ManifestValidator.echo(item), true);
        }
        options.put(item.get("name").asText(), item.path("value"));
      }
    } else if (root.isObject()) {
      root.fields().forEachRemaining(e -> options.put(e.getKey(), e.getValue()));
    } else if (!root.isNull()) {
      throw new ApiException("Invalid options: expected a list of {\"name\", \"value\"}, found " + ManifestValidator.echo(root), true);
    }
    List<ObjectNode> errors = new ArrayList<>();
    options.forEach(
        (name, value) -> {
          for (String error : validator.validateOptions(engine, Map.of(name, value))) {
            errors.add(json.createObjectNode().put("name", ManifestValidator.echo(name)).put("error", error));
          }
          list.addObject().put("name", name).set("value", value);
        });
    if (!errors.isEmpty()) {
      throw new ApiException(json.createArrayNode().addAll(errors).toString(), true);
    }
    return list;
  }

  /**
   * The manifest {@code outputs} for a task's options (list form): what NodeODM puts in
   * {@code all.zip} for them, by the rule every job follows ({@link OutputRule#nodeOdmOutputs}).
   * Without this the manifest's default outputs would drop the textured model and the DEMs.
   */
  static List<String> manifestOutputs(JsonNode options) {
    Map<String, JsonNode> byName = new LinkedHashMap<>();
    options.forEach(option -> byName.put(option.path("name").asText(), option.path("value")));
    return OutputRule.nodeOdmOutputs(byName);
  }

  /** The {@code outputs} form field: a JSON list of paths relative to the results. */
  List<String> outputs(@Nullable String text) throws ApiException {
    if (text == null || text.isBlank()) {
      return List.of();
    }
    try {
      JsonNode root = json.readTree(text);
      List<String> paths = new ArrayList<>();
      if (!root.isArray()) {
        throw new ApiException("Invalid outputs: expected a JSON list of paths", true);
      }
      for (JsonNode item : root) {
        String path = item.asText("");
        java.util.Optional<String> problem =
            org.odmwatcher.manifest.ManifestParser.resultPathProblem(item.isTextual() ? path : null);
        if (problem.isPresent()) {
          throw new ApiException("Invalid outputs: " + ManifestValidator.echo(item) + " " + problem.get(), true);
        }
        paths.add(path);
      }
      return paths;
    } catch (JsonProcessingException e) {
      throw new ApiException("Invalid outputs: not JSON (" + e.getOriginalMessage() + ")", true);
    }
  }
}
