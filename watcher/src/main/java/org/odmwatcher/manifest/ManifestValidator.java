package org.odmwatcher.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;

/**
 * Checks ODM options against the {@link OptionCatalogue}: unknown names, wrong types and values
 * outside a domain. Reports every problem, not just the first. Values may be JSON-typed ({@code
 * true}, {@code 2}) or strings ({@code "true"}, {@code "2"}) as NodeODM clients send them.
 */
public final class ManifestValidator {
  /**
   * Options whose value ODM reads as "a path or a JSON string" ({@code boundary}, {@code cameras}):
   * only inline JSON is accepted, since a path makes ODM read (and log) a file of the machine it
   * runs on. The catalogue marks them with the domain {@code json}.
   */
  private static final String JSON_DOMAIN = "json";
  /** Options a job may not set, and why. */
  public static final Map<String, String> RESTRICTED =
      Map.of("sm-cluster", "it sends the images to the ClusterODM at that URL; the watcher sets it itself when it runs split-merge");
  /**
   * Options whose catalogue domain says "positive" (which for ODM includes 0: {@code crop},
   * {@code pc-filter}, {@code matcher-neighbors} use 0 to switch off) but for which 0 means
   * nothing: {@code split} is the average number of images per submodel (ODM's help).
   */
  private static final Map<String, String> AT_LEAST_ONE = Map.of("split", "the average number of images per submodel");

  /** The most characters of a value an error message repeats. */
  public static final int MAX_ECHO = 100;

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
  private static final Pattern RANGE = Pattern.compile("integer: (-?\\d+) <= x <= (-?\\d+)");
  private final Engines engines;

  public ManifestValidator(OptionCatalogue catalogue) {
    this(Engines.odmOnly(catalogue));
  }

  public ManifestValidator(Engines engines) {
    this.engines = engines;
  }

  public Engines engines() {
    return engines;
  }

  /** Checks options against the default engine's (ODM's) catalogue. */
  public List<String> validateOptions(Map<String, JsonNode> options) {
    return validateOptions(engines.defaultEngine(), options);
  }

  /** Checks options against an engine's catalogue. */
  public List<String> validateOptions(Engine engine, Map<String, JsonNode> options) {
    OptionCatalogue catalogue = engine.catalogue();
    List<String> errors = new ArrayList<>();
    options.forEach(
        (name, value) -> {
          Optional<OptionCatalogue.Option> option = catalogue.find(name);
          if (option.isEmpty()) {
            errors.add("unknown option '" + echo(name) + "'" + suggestion(catalogue, name) + otherEngines(engine, name));
          } else if (RESTRICTED.containsKey(option.get().name())) {
            errors.add("option '" + name + "' cannot be set by a job: " + RESTRICTED.get(option.get().name()));
          } else if (value != null && hasTemplateTag(inline(option.get(), value))) {
            errors.add("option '" + name + "' contains '{{' or '}}', which Argo would read as a template tag; remove them");
          } else {
            check(option.get(), value).ifPresent(errors::add);
          }
        });
    return errors;
  }

  /**
   * A value as an error message repeats it: whole up to {@link #MAX_ECHO} characters, else its
   * start and its size, so that a huge value does not fill {@code status.json} or a terminal.
   */
  public static String echo(Object value) {
    String text = String.valueOf(value);
    if (text.length() <= MAX_ECHO) {
      return text;
    }
    int end = Character.isHighSurrogate(text.charAt(MAX_ECHO - 1)) ? MAX_ECHO - 1 : MAX_ECHO;
    return text.substring(0, end) + "… (" + text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + " bytes)";
  }

  /** Whether a string holds Argo's template delimiters ({@code {{} or {@code }}}). */
  public static boolean hasTemplateTag(String text) {
    return text != null && (text.contains("{{") || text.contains("}}"));
  }

  /** Whether any string in the value (text, or a JSON value's field names and strings) holds a tag. */
  private static boolean hasTemplateTag(JsonNode value) {
    if (value.isTextual()) {
      return hasTemplateTag(value.asText());
    }
    for (java.util.Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (hasTemplateTag(field.getKey()) || hasTemplateTag(field.getValue())) {
        return true;
      }
    }
    if (value.isArray()) {
      for (JsonNode item : value) {
        if (hasTemplateTag(item)) {
          return true;
        }
      }
    }
    return false;
  }

  /** A JSON option's value as JSON (a string holding JSON is parsed); any other value as it is. */
  private static JsonNode inline(OptionCatalogue.Option option, JsonNode value) {
    if (JSON_DOMAIN.equals(option.domain().asText()) && value.isTextual()) {
      try {
        JsonNode parsed = JSON.readTree(value.asText());
        if (parsed != null && parsed.isContainerNode()) {
          return parsed;
        }
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        return value;
      }
    }
    return value;
  }

  /** The option's value as the string ODM's command line wants, assuming it validated. */
  public static String commandLineValue(OptionCatalogue.Option option, JsonNode value) {
    JsonNode inline = inline(option, value);
    if (inline.isContainerNode()) {
      // GeoJSON / cameras JSON passed inline, indented so that no two braces touch: the value
      // becomes a Workflow parameter, and Argo reads "{{" and "}}" as template tags.
      try {
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(inline);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
    return value.asText();
  }

  /** Whether a (valid) bool option's value is true. */
  public static boolean isTrue(JsonNode value) {
    return value.isBoolean() ? value.asBoolean() : "true".equalsIgnoreCase(value.asText());
  }

  private Optional<String> check(OptionCatalogue.Option option, JsonNode value) {
    String name = option.name();
    if (value == null || value.isNull() || value.isMissingNode()) {
      return Optional.of("option '" + name + "' has no value");
    }
    return switch (option.type()) {
      case "bool" -> checkBool(name, value);
      case "int" -> checkNumber(option, value, true);
      case "float" -> checkNumber(option, value, false);
      case "enum" -> checkEnum(option, value);
      case "string" -> checkString(option, value);
      default -> Optional.of("option '" + name + "' has unsupported type " + option.type());
    };
  }

  private static Optional<String> checkBool(String name, JsonNode value) {
    if (value.isBoolean()
        || (value.isTextual() && value.asText().matches("(?i)true|false"))) {
      return Optional.empty();
    }
    return Optional.of("option '" + name + "' must be true or false, found " + echo(value));
  }

  private static Optional<String> checkNumber(
      OptionCatalogue.Option option, JsonNode value, boolean integer) {
    String name = option.name();
    String kind = integer ? "a whole number" : "a number";
    BigDecimal number;
    try {
      number = value.isNumber() ? value.decimalValue() : new BigDecimal(value.asText().trim());
    } catch (NumberFormatException e) {
      return Optional.of("option '" + name + "' must be " + kind + ", found " + echo(value));
    }
    if (!value.isNumber() && !value.isTextual()) {
      return Optional.of("option '" + name + "' must be " + kind + ", found " + echo(value));
    }
    if (integer && number.stripTrailingZeros().scale() > 0) {
      return Optional.of("option '" + name + "' must be " + kind + ", found " + echo(value));
    }
    String domain = option.domain().asText("");
    if (AT_LEAST_ONE.containsKey(name) && number.compareTo(BigDecimal.ONE) < 0) {
      return Optional.of("option '" + name + "' must be >= 1 (" + AT_LEAST_ONE.get(name) + "), found " + echo(value));
    }
    if (domain.startsWith("positive") && number.signum() < 0) {
      return Optional.of("option '" + name + "' must be >= 0, found " + echo(value));
    }
    if (domain.equals("float > 0.0") && number.signum() <= 0) {
      return Optional.of("option '" + name + "' must be > 0, found " + echo(value));
    }
    Matcher range = RANGE.matcher(domain);
    if (range.matches()) {
      BigDecimal low = new BigDecimal(range.group(1));
      BigDecimal high = new BigDecimal(range.group(2));
      if (number.compareTo(low) < 0 || number.compareTo(high) > 0) {
        return Optional.of(
            "option '" + name + "' must be between " + low + " and " + high + ", found " + echo(value));
      }
    }
    return Optional.empty();
  }

  private static Optional<String> checkEnum(OptionCatalogue.Option option, JsonNode value) {
    List<String> domain =
        StreamSupport.stream(option.domain().spliterator(), false).map(JsonNode::asText).toList();
    if (value.isTextual() && domain.contains(value.asText())) {
      return Optional.empty();
    }
    return Optional.of(
        "option '"
            + option.name()
            + "' must be one of "
            + String.join(", ", domain)
            + "; found "
            + echo(value));
  }

  private static Optional<String> checkString(OptionCatalogue.Option option, JsonNode value) {
    if (JSON_DOMAIN.equals(option.domain().asText()) && value.isTextual()) {
      if (inline(option, value).isContainerNode()) {
        return Optional.empty();
      }
      return Optional.of("option '" + option.name() + "' takes inline JSON only (an object, or a string holding one);"
          + " a file path is refused because ODM would read that file on the machine it runs on");
    }
    if (value.isTextual()) {
      return Optional.empty();
    }
    if ("json".equals(option.domain().asText()) && value.isContainerNode()) {
      return Optional.empty();
    }
    return Optional.of("option '" + option.name() + "' must be a string, found " + echo(value));
  }

  /** Where another engine has the option, says so: ODM's and ODX's catalogues differ. */
  private String otherEngines(Engine engine, String name) {
    List<String> others = engines.enabledNames().stream()
        .filter(other -> !other.equals(engine.name()))
        .filter(other -> engines.enabled(other).orElseThrow().catalogue().find(name).isPresent())
        .toList();
    return others.isEmpty() ? "" : " for engine " + engine.name() + " (engine " + String.join(", ", others) + " has it)";
  }

  private static String suggestion(OptionCatalogue catalogue, String name) {
    String normalized = name.replace('_', '-').toLowerCase(java.util.Locale.ROOT);
    if (normalized.startsWith("--")) {
      normalized = normalized.substring(2);
    }
    if (!normalized.equals(name) && catalogue.find(normalized).isPresent()) {
      return " (did you mean '" + normalized + "'?)";
    }
    return "";
  }
}
