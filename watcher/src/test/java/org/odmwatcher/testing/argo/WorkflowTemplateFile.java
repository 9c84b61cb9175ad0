package org.odmwatcher.testing.argo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The WorkflowTemplate we ship, read from {@code manifests/base} at test time (never a copy), and
 * the parameter substitution Argo applies to it.
 */
public final class WorkflowTemplateFile {
  /** The module's tests run with the module as working directory. */
  public static final Path PATH = Path.of("../manifests/base/workflowtemplate-odm-process.yaml");

  private static final Pattern EXPRESSION = Pattern.compile("\\{\\{\\s*([^}]+?)\\s*}}");

  private final Map<String, Object> spec;
  private final Map<String, Map<String, Object>> templates = new LinkedHashMap<>();

  @SuppressWarnings("unchecked")
  private WorkflowTemplateFile(Map<String, Object> document) {
    spec = (Map<String, Object>) document.get("spec");
    for (Map<String, Object> t : (List<Map<String, Object>>) spec.get("templates")) {
      templates.put((String) t.get("name"), t);
    }
  }

  public static WorkflowTemplateFile load() {
    try {
      return new WorkflowTemplateFile(
          new ObjectMapper(new YAMLFactory()).readValue(Files.readString(PATH), Map.class));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + PATH.toAbsolutePath(), e);
    }
  }

  public Map<String, Object> template(String name) {
    Map<String, Object> t = templates.get(name);
    if (t == null) {
      throw new IllegalArgumentException("the WorkflowTemplate has no template " + name);
    }
    return t;
  }

  public String entrypoint() {
    return (String) spec.get("entrypoint");
  }

  /** {@code spec.podGC.strategy}, when set. */
  @SuppressWarnings("unchecked")
  public Optional<String> podGcStrategy() {
    return Optional.ofNullable((Map<String, Object>) spec.get("podGC")).map(gc -> (String) gc.get("strategy"));
  }

  public Optional<String> onExit() {
    return Optional.ofNullable((String) spec.get("onExit"));
  }

  /**
   * The Workflow's parameters: the template's defaults overridden by the Workflow's
   * {@code spec.arguments.parameters} (Argo merges the two: workflow/util/merge.go JoinWorkflowSpec
   * with the Workflow's arguments winning). A parameter without a value anywhere is an error, as in
   * Argo's validation (workflow/validate/validate.go, "spec.arguments.<name>.value is required").
   */
  @SuppressWarnings("unchecked")
  public Map<String, String> parameters(Map<String, Object> workflowSpec) {
    Map<String, String> values = new LinkedHashMap<>();
    for (Map<String, Object> p : parameterList(spec)) {
      if (p.get("value") != null) {
        values.put((String) p.get("name"), String.valueOf(p.get("value")));
      } else {
        values.put((String) p.get("name"), null);
      }
    }
    for (Map<String, Object> p : parameterList(workflowSpec)) {
      values.put((String) p.get("name"), p.get("value") == null ? null : String.valueOf(p.get("value")));
    }
    List<String> missing = new ArrayList<>();
    values.forEach((k, v) -> {
      if (v == null) {
        missing.add(k);
      }
    });
    if (!missing.isEmpty()) {
      throw new IllegalStateException("spec.arguments." + missing.get(0) + ".value is required");
    }
    return values;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> parameterList(Map<String, Object> spec) {
    Object arguments = spec == null ? null : spec.get("arguments");
    if (!(arguments instanceof Map<?, ?> a) || !(a.get("parameters") instanceof List<?> list)) {
      return List.of();
    }
    return (List<Map<String, Object>>) list;
  }

  /**
   * Replaces {@code {{workflow.parameters.x}}}, {@code {{workflow.name}}} and the like, as Argo's
   * simple template substitution does (workflow/common/util.go SubstituteParams via
   * util/template Replace). An unknown variable is an error: Argo fails the Workflow with
   * "failed to resolve {{...}}" (util/template/simple_template.go).
   */
  public static String substitute(String text, Map<String, String> variables) {
    Matcher m = EXPRESSION.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = variables.get(m.group(1));
      if (value == null) {
        throw new IllegalStateException("failed to resolve {{" + m.group(1) + "}}");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }
}
