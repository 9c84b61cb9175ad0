package org.odmwatcher.manifest;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the bytes of an {@code odm.json} into an {@link OdmManifest}, or into the complete list of
 * what is wrong with it (structure and every option, checked by {@link ManifestValidator}).
 */
public final class ManifestParser {
  private static final Logger LOG = LoggerFactory.getLogger(ManifestParser.class);
  private static final Set<String> TOP_LEVEL =
      Set.of("name", "options", "outputs", "images", "cancel", "schemaVersion", "resultPaths", "parentJob", "gpu", "capacityType", "engine",
          "notify", "resume", "rerun-from", "resources");

  /**
   * How deep an {@code odm.json} may nest. A real one is 4 levels deep ({@code options} → a list →
   * an object → a value); the limit is Jackson's own ({@link StreamReadConstraints}), so a deeper
   * document stops the parser early with a clear reason instead of reaching the validator.
   */
  public static final int MAX_DEPTH = 64;

  private final ObjectMapper json;
  private final ManifestValidator validator;

  public ManifestParser(ObjectMapper json, ManifestValidator validator) {
    this.json = json.copyWith(
        json.getFactory().copy().setStreamReadConstraints(
            StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build()));
    this.validator = validator;
  }

  /** The result: either a manifest (errors empty) or the errors (manifest null). */
  public record Result(OdmManifest manifest, List<String> errors) {
    public boolean valid() {
      return errors.isEmpty();
    }
  }

  /** Never throws: whatever the bytes, the answer is a manifest or reasons. */
  public Result parse(byte[] bytes) {
    try {
      return parseOrThrow(bytes);
    } catch (RuntimeException | StackOverflowError e) {
      // A bug, not the pilot's fault; still a verdict, so the folder does not stay without status.
      LOG.error("odm.json could not be checked", e);
      return invalid("odm.json could not be checked (" + e.getClass().getSimpleName() + "); please report this");
    }
  }

  private Result parseOrThrow(byte[] bytes) {
    JsonNode root;
    try {
      root = json.readTree(bytes);
    } catch (StreamConstraintsException e) {
      // No location: the constraint exceptions carry none (Jackson 2.15+).
      return invalid("odm.json is too deeply nested or too large: " + e.getOriginalMessage());
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      return invalid(
          "odm.json is not valid JSON: "
              + e.getOriginalMessage()
              + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
    } catch (java.io.IOException e) {
      return invalid("odm.json cannot be read: " + e.getMessage());
    }
    if (root == null || root.isMissingNode()) {
      return invalid("odm.json is empty");
    }
    if (!root.isObject()) {
      return invalid("odm.json must be a JSON object, found " + root.getNodeType());
    }
    List<String> errors = new ArrayList<>();
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!TOP_LEVEL.contains(field)) {
        errors.add("unknown field '" + ManifestValidator.echo(field) + "' (known: " + String.join(", ", sorted()) + ")");
      }
    }
    JsonNode schemaVersion = root.get("schemaVersion");
    if (schemaVersion != null && !(schemaVersion.isInt() && schemaVersion.asInt() == 1)) {
      errors.add("schemaVersion must be 1, found " + ManifestValidator.echo(schemaVersion));
    }
    String name = null;
    JsonNode nameNode = root.get("name");
    if (nameNode != null && !nameNode.isNull()) {
      if (nameNode.isTextual()) {
        name = nameNode.asText();
        if (ManifestValidator.hasTemplateTag(name)) {
          errors.add("name contains '{{' or '}}', which Argo would read as a template tag");
        }
      } else {
        errors.add("name must be a string");
      }
    }
    Map<String, JsonNode> options = readOptions(root.get("options"), errors);
    List<String> outputs = readOutputs(root.get("outputs"), errors);
    Integer expected = readExpected(root.get("images"), errors);
    boolean cancel = false;
    JsonNode cancelNode = root.get("cancel");
    if (cancelNode != null && !cancelNode.isNull()) {
      if (cancelNode.isBoolean()) {
        cancel = cancelNode.asBoolean();
      } else {
        errors.add("cancel must be true or false");
      }
    }
    List<String> resultPaths = readResultPaths(root.get("resultPaths"), errors);
    String parentJob = null;
    JsonNode parentNode = root.get("parentJob");
    if (parentNode != null && !parentNode.isNull()) {
      if (parentNode.isTextual() && parentNode.asText().matches("[0-9a-f]{32}")) {
        parentJob = parentNode.asText();
      } else {
        errors.add("parentJob must be a job id (32 lowercase hex characters)");
      }
    }
    List<NotifyTarget> notify = NotifyTarget.readAll(root.get("notify"), errors);
    boolean gpu = false;
    JsonNode gpuNode = root.get("gpu");
    if (gpuNode != null && !gpuNode.isNull()) {
      if (gpuNode.isBoolean()) {
        gpu = gpuNode.asBoolean();
      } else {
        errors.add("gpu must be true or false");
      }
    }
    if (gpu && options.containsKey("no-gpu") && options.get("no-gpu").asBoolean(false)) {
      errors.add("gpu: true asks for a GPU and the option no-gpu turns it off: keep one");
    }
    String capacityType = null;
    JsonNode capacityNode = root.get("capacityType");
    if (capacityNode != null && !capacityNode.isNull()) {
      if (capacityNode.isTextual() && OdmManifest.CAPACITY_TYPES.contains(capacityNode.asText())) {
        capacityType = capacityNode.asText();
      } else {
        errors.add("capacityType must be one of " + String.join(", ", OdmManifest.CAPACITY_TYPES) + ", found "
            + ManifestValidator.echo(capacityNode));
      }
    }
    Engine engine = readEngine(root.get("engine"), errors);
    errors.addAll(validator.validateOptions(engine, options));
    OdmManifest.Resume resume = readResume(root.get("resume"), root.get("rerun-from"), errors);
    OdmManifest.Resources resources = readResources(root.get("resources"), errors);
    if (errors.isEmpty()) {
      errors.addAll(OutputRule.conflicts(options, outputs));
    }
    if (!errors.isEmpty()) {
      return new Result(null, List.copyOf(errors));
    }
    return new Result(new OdmManifest(name, options, outputs, expected, cancel, resultPaths, parentJob, gpu, capacityType,
        engine.name(), notify, resume, resources),
        List.of());
  }

  /**
   * {@code engine}: {@code odm} (the default) or another engine the operator offers. An engine that
   * is not offered is an error naming those that are; options are then checked against ODM's.
   */
  private Engine readEngine(JsonNode node, List<String> errors) {
    Engines engines = validator.engines();
    if (node == null || node.isNull()) {
      return engines.defaultEngine();
    }
    String offered = String.join(", ", engines.enabledNames());
    if (!node.isTextual()) {
      errors.add("engine must be a string, one of: " + offered);
      return engines.defaultEngine();
    }
    String name = node.asText();
    Optional<Engine> engine = engines.enabled(name);
    if (engine.isPresent()) {
      return engine.get();
    }
    errors.add(engines.knows(name)
        ? "engine '" + name + "' is not offered here (offered: " + offered + "; the operator enables it with watcher.engines.enabled)"
        : "unknown engine '" + ManifestValidator.echo(name) + "' (offered: " + offered + ")");
    return engines.defaultEngine();
  }

  /**
   * The {@code notify} targets of a manifest's bytes, read as {@link #parse} reads them but alone:
   * a manifest refused for another reason still names whom to tell. Empty when the bytes are not
   * JSON or the {@code notify} field itself is wrong.
   */
  public List<NotifyTarget> notifyTargets(byte[] bytes) {
    try {
      JsonNode root = json.readTree(bytes);
      if (root == null || !root.isObject()) {
        return List.of();
      }
      List<String> errors = new ArrayList<>();
      List<NotifyTarget> targets = NotifyTarget.readAll(root.get("notify"), errors);
      return errors.isEmpty() ? targets : List.of();
    } catch (java.io.IOException | RuntimeException e) {
      return List.of();
    }
  }

  /** ODM's stages a run may be resumed from (config.py processopts, ODM 3.6.0). */
  public static final List<String> STAGES = List.of("dataset", "split", "merge", "opensfm", "openmvs",
      "odm_filterpoints", "odm_meshing", "mvs_texturing", "odm_georeferencing", "odm_dem", "odm_orthophoto",
      "odm_report", "odm_postprocess");

  private static final java.util.regex.Pattern QUANTITY =
      java.util.regex.Pattern.compile("(\\d+(\\.\\d+)?)(m|Ki|Mi|Gi|Ti|k|M|G|T)?");

  private static OdmManifest.Resume readResume(JsonNode resume, JsonNode rerunFrom, List<String> errors) {
    boolean asked = false;
    if (resume != null && !resume.isNull()) {
      if (resume.isBoolean()) {
        asked = resume.asBoolean();
      } else {
        errors.add("resume must be true or false");
      }
    }
    String from = null;
    if (rerunFrom != null && !rerunFrom.isNull()) {
      if (rerunFrom.isTextual() && STAGES.contains(rerunFrom.asText())) {
        from = rerunFrom.asText();
      } else {
        errors.add("rerun-from must be one of ODM's stages: " + String.join(", ", STAGES) + "; found "
            + ManifestValidator.echo(rerunFrom));
      }
    }
    return asked || from != null ? new OdmManifest.Resume(from) : null;
  }

  private static OdmManifest.Resources readResources(JsonNode node, List<String> errors) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      errors.add("resources must be an object such as {\"memory\": \"32Gi\", \"cpu\": \"8\"}");
      return null;
    }
    String memory = null;
    String cpu = null;
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      JsonNode value = node.get(field);
      String text = value.isNumber() ? value.asText() : value.isTextual() ? value.asText() : null;
      if (!"memory".equals(field) && !"cpu".equals(field)) {
        errors.add("unknown field 'resources." + ManifestValidator.echo(field) + "' (known: cpu, memory)");
      } else if (text == null || !QUANTITY.matcher(text).matches() || text.matches("0*(\\.0*)?[a-zA-Z]*")) {
        errors.add("resources." + field + " must be a positive Kubernetes quantity such as "
            + ("memory".equals(field) ? "\"32Gi\"" : "\"8\" or \"3500m\"") + "; found " + ManifestValidator.echo(value));
      } else if ("memory".equals(field)) {
        memory = text;
      } else {
        cpu = text;
      }
    }
    return memory == null && cpu == null ? null : new OdmManifest.Resources(memory, cpu);
  }

  private static List<String> sorted() {
    return TOP_LEVEL.stream().sorted().toList();
  }

  private static Result invalid(String error) {
    return new Result(null, List.of(error));
  }

  private static Map<String, JsonNode> readOptions(JsonNode node, List<String> errors) {
    Map<String, JsonNode> options = new LinkedHashMap<>();
    if (node == null || node.isNull()) {
      return options;
    }
    if (node.isObject()) {
      node.fields().forEachRemaining(e -> options.put(e.getKey(), e.getValue()));
    } else if (node.isArray()) {
      // NodeODM's list form: [{"name": "dsm", "value": true}, ...]
      int i = 0;
      for (JsonNode item : node) {
        JsonNode optionName = item.get("name");
        if (!item.isObject() || optionName == null || !optionName.isTextual()) {
          errors.add("options[" + i + "] must be an object with a string 'name' and a 'value'");
        } else if (options.containsKey(optionName.asText())) {
          errors.add("option '" + ManifestValidator.echo(optionName.asText()) + "' is given twice");
        } else {
          options.put(optionName.asText(), item.path("value"));
        }
        i++;
      }
    } else {
      errors.add("options must be an object {\"name\": value} or a list [{\"name\", \"value\"}]");
    }
    return options;
  }

  private static List<String> readOutputs(JsonNode node, List<String> errors) {
    List<String> outputs = new ArrayList<>();
    if (node == null || node.isNull()) {
      return outputs;
    }
    if (!node.isArray()) {
      errors.add("outputs must be a list of strings");
      return outputs;
    }
    for (JsonNode item : node) {
      String output = item.asText();
      if (!item.isTextual() || !OdmManifest.KNOWN_OUTPUTS.contains(output)) {
        errors.add(
            "unknown output "
                + ManifestValidator.echo(item)
                + " (known: "
                + String.join(", ", OdmManifest.KNOWN_OUTPUTS)
                + ")");
      } else if (!outputs.contains(output)) {
        outputs.add(output);
      }
    }
    return outputs;
  }

  /**
   * {@code resultPaths}: paths relative to ODM's project, each becoming two rclone filter rules in
   * the Workflow ({@code + /p} and {@code + /p/**}); so no {@code ..} segment, no leading
   * {@code /}, no backslash and none of rclone's glob characters ({@code *?[]{}}), which would widen
   * the rule beyond the path asked for.
   */
  public static List<String> readResultPaths(JsonNode node, List<String> errors) {
    List<String> paths = new ArrayList<>();
    if (node == null || node.isNull()) {
      return paths;
    }
    if (!node.isArray()) {
      errors.add("resultPaths must be a list of paths");
      return paths;
    }
    for (JsonNode item : node) {
      Optional<String> problem = resultPathProblem(item.isTextual() ? item.asText() : null);
      if (problem.isPresent()) {
        errors.add("resultPaths: " + ManifestValidator.echo(item) + " " + problem.get());
      } else if (!paths.contains(item.asText())) {
        paths.add(item.asText());
      }
    }
    return paths;
  }

  /** Why a result path is refused, or empty when it is a plain relative path. */
  public static Optional<String> resultPathProblem(String path) {
    if (path == null || path.isBlank()) {
      return Optional.of("is not a path");
    }
    if (path.startsWith("/") || path.contains("\\") || List.of(path.split("/")).contains("..")) {
      return Optional.of("must be relative to the project, without '..' or '\\'");
    }
    if (path.chars().anyMatch(c -> "*?[]{}".indexOf(c) >= 0 || Character.isISOControl(c))
        || ManifestValidator.hasTemplateTag(path)) {
      return Optional.of("must not hold *, ?, [, ], {, } or control characters");
    }
    return Optional.empty();
  }

  private static Integer readExpected(JsonNode images, List<String> errors) {
    if (images == null || images.isNull()) {
      return null;
    }
    if (!images.isObject()) {
      errors.add("images must be an object like {\"expected\": 245}");
      return null;
    }
    JsonNode expected = images.get("expected");
    if (expected == null || expected.isNull()) {
      return null;
    }
    if (!expected.canConvertToInt() || !expected.isIntegralNumber() || expected.asInt() < 1) {
      errors.add("images.expected must be a whole number >= 1, found " + ManifestValidator.echo(expected));
      return null;
    }
    return expected.asInt();
  }
}
