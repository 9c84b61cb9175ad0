package org.odmwatcher.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * An identity policy from {@code event-sources/aws}, evaluated as IAM evaluates one: an explicit
 * Deny wins, else an Allow that matches, else denied by default ("Policy evaluation logic",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
 * {@code Action} and {@code Resource} (a string or a list) may hold the wildcards {@code *} (any
 * run of characters) and {@code ?} (one character); actions match case-insensitively, resource ARNs
 * case-sensitively, each of the first five ARN segments on its own ("IAM JSON policy elements:
 * Action / Resource", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html).
 * Elements this evaluator does not know ({@code NotAction}, {@code NotResource}, {@code
 * Condition}, {@code Principal}) are refused rather than ignored, so a policy cannot quietly
 * become more or less than what is checked.
 */
final class IamPolicy {
  static final String TEST_REGION = "us-east-1";
  /** The account ElasticMQ puts in its queue URLs. */
  static final String TEST_ACCOUNT = "000000000000";

  private static final ObjectMapper JSON = new ObjectMapper();

  record Statement(String sid, boolean allow, List<String> actions, List<String> resources) {}

  private final String name;
  private final List<Statement> statements;

  IamPolicy(String name, List<Statement> statements) {
    this.name = name;
    this.statements = statements;
  }

  /**
   * The shipped JSON file, its placeholders filled with {@code values} ({@code BUCKET} -> …). Filled
   * in the parsed strings, not in the file's text: a bucket named in a (fuzzed) event may hold any
   * character, JSON's own escapes included.
   */
  static IamPolicy load(Path file, Map<String, String> values) {
    try {
      JsonNode document = JSON.readTree(Files.readString(file));
      IamPolicy raw = parse(file.getFileName().toString(), document);
      List<Statement> filled = new ArrayList<>();
      for (Statement s : raw.statements) {
        List<String> resources = new ArrayList<>();
        for (String resource : s.resources()) {
          for (Map.Entry<String, String> v : values.entrySet()) {
            resource = resource.replace("${" + v.getKey() + "}", v.getValue());
          }
          if (resource.contains("${")) {
            throw new AssertionError(file + " has a placeholder the contract does not fill: " + resource);
          }
          resources.add(resource);
        }
        filled.add(new Statement(s.sid(), s.allow(), s.actions(), resources));
      }
      return new IamPolicy(raw.name, filled);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static IamPolicy parse(String name, JsonNode document) {
    List<Statement> statements = new ArrayList<>();
    for (JsonNode s : document.path("Statement")) {
      for (String unsupported : List.of("NotAction", "NotResource", "Condition", "Principal", "NotPrincipal")) {
        if (s.has(unsupported)) {
          throw new AssertionError(name + " statement " + s.path("Sid").asText() + " uses " + unsupported
              + ", which the IAM contract does not evaluate");
        }
      }
      statements.add(new Statement(
          s.path("Sid").asText(""), s.path("Effect").asText().equals("Allow"), strings(s.path("Action")), strings(s.path("Resource"))));
    }
    return new IamPolicy(name, statements);
  }

  static List<String> strings(JsonNode node) {
    List<String> out = new ArrayList<>();
    if (node.isTextual()) {
      out.add(node.asText());
    } else {
      node.forEach(n -> out.add(n.asText()));
    }
    return out;
  }

  String name() {
    return name;
  }

  List<Statement> statements() {
    return statements;
  }

  /** A copy without {@code action} in any statement (for the contract's negative tests). */
  IamPolicy without(String action) {
    List<Statement> kept = new ArrayList<>();
    for (Statement s : statements) {
      List<String> actions = s.actions().stream().filter(a -> !a.equalsIgnoreCase(action)).toList();
      if (!actions.isEmpty()) {
        kept.add(new Statement(s.sid(), s.allow(), actions, s.resources()));
      }
    }
    return new IamPolicy(name + " without " + action, kept);
  }

  boolean allows(AwsCall.Access access) {
    boolean allowed = false;
    for (Statement s : statements) {
      boolean matches = s.actions().stream().anyMatch(a -> actionMatches(a, access.action()))
          && s.resources().stream().anyMatch(r -> arnMatches(r, access.resource()));
      if (matches && !s.allow()) {
        return false; // an explicit deny wins
      }
      allowed |= matches;
    }
    return allowed;
  }

  static boolean actionMatches(String pattern, String action) {
    return glob(pattern.toLowerCase(Locale.ROOT)).matcher(action.toLowerCase(Locale.ROOT)).matches();
  }

  static boolean arnMatches(String pattern, String arn) {
    if (pattern.equals("*")) {
      return true;
    }
    String[] p = pattern.split(":", 6);
    String[] a = arn.split(":", 6);
    if (p.length != 6 || a.length != 6) {
      return false;
    }
    for (int i = 0; i < 6; i++) {
      if (!glob(p[i]).matcher(a[i]).matches()) {
        return false;
      }
    }
    return true;
  }

  private static final Map<String, Pattern> GLOBS = new java.util.concurrent.ConcurrentHashMap<>();

  private static Pattern glob(String pattern) {
    return GLOBS.computeIfAbsent(pattern, IamPolicy::compile);
  }

  private static Pattern compile(String pattern) {
    StringBuilder regex = new StringBuilder();
    for (char c : pattern.toCharArray()) {
      regex.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
    }
    return Pattern.compile(regex.toString(), Pattern.DOTALL);
  }
}
