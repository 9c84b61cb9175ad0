package org.odmwatcher.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.core.annotation.Nullable;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One entry of the manifest's {@code notify} list: who is told about which of the job's states.
 *
 * <pre>{@code
 * "notify": [
 *   {"kind": "webhook", "url": "https://example.org/odm-hook"},
 *   {"kind": "slack", "url": "https://hooks.slack.com/services/T000/B000/XXXX", "events": ["failed"]},
 *   {"kind": "email", "to": ["pilot@example.org"], "events": ["running", "succeeded", "failed"]}
 * ]
 * }</pre>
 *
 * @param kind {@link #WEBHOOK}, {@link #SLACK} or {@link #EMAIL}
 * @param url where a webhook or Slack message is POSTed (http or https), null for e-mail
 * @param to e-mail addresses, empty for the other kinds
 * @param events state names ({@link #EVENTS}); the final ones ({@link #DEFAULT_EVENTS}) when the
 *     entry names none
 */
public record NotifyTarget(String kind, @Nullable String url, List<String> to, List<String> events) {
  public static final String WEBHOOK = "webhook";
  public static final String SLACK = "slack";
  public static final String EMAIL = "email";
  public static final List<String> KINDS = List.of(WEBHOOK, SLACK, EMAIL);
  /** States a target may ask to hear about. */
  public static final List<String> EVENTS = List.of("running", "succeeded", "failed", "canceled", "invalid");
  /** The final states: what a target hears about unless it says otherwise. */
  public static final List<String> DEFAULT_EVENTS = List.of("succeeded", "failed", "canceled", "invalid");
  /** Most targets one manifest may name, and most addresses one e-mail target may hold. */
  public static final int MAX_TARGETS = 10;
  public static final int MAX_ADDRESSES = 20;
  private static final int MAX_URL = 2048;
  private static final Set<String> FIELDS = Set.of("kind", "url", "to", "events");

  public NotifyTarget {
    to = List.copyOf(to);
    events = List.copyOf(events);
  }

  /** Whether this target is told when the job reaches {@code state} (its wire name). */
  public boolean wants(String state) {
    return events.contains(state);
  }

  /**
   * A stable name of the target for {@code status.json} and logs, without the secret parts of a URL
   * (user info, query; a Slack hook's path is its secret, so only its host is shown).
   */
  public String label(int index) {
    String where;
    if (url == null) {
      where = String.join(",", to);
    } else {
      try {
        URI uri = new URI(url);
        String path = SLACK.equals(kind) ? "/…" : uri.getPath() == null ? "" : uri.getPath();
        where = uri.getScheme() + "://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "") + path;
      } catch (URISyntaxException e) {
        where = "(unparseable URL)";
      }
    }
    return index + ":" + kind + ":" + where;
  }

  /** Reads and checks the {@code notify} field; every problem is added to {@code errors}. */
  static List<NotifyTarget> readAll(@Nullable JsonNode node, List<String> errors) {
    List<NotifyTarget> targets = new ArrayList<>();
    if (node == null || node.isNull()) {
      return targets;
    }
    if (!node.isArray()) {
      errors.add("notify must be a list of targets like {\"kind\": \"email\", \"to\": [\"pilot@example.org\"]}");
      return targets;
    }
    if (node.size() > MAX_TARGETS) {
      errors.add("notify names " + node.size() + " targets; at most " + MAX_TARGETS + " are allowed");
      return targets;
    }
    for (int i = 0; i < node.size(); i++) {
      NotifyTarget target = read(node.get(i), "notify[" + i + "]", errors);
      if (target != null) {
        targets.add(target);
      }
    }
    return targets;
  }

  private static @Nullable NotifyTarget read(JsonNode item, String at, List<String> errors) {
    if (!item.isObject()) {
      errors.add(at + " must be an object with a 'kind' (" + String.join(", ", KINDS) + ")");
      return null;
    }
    int before = errors.size();
    for (Iterator<String> it = item.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!FIELDS.contains(field)) {
        errors.add(at + ": unknown field '" + ManifestValidator.echo(field) + "' (known: kind, url, to, events)");
      }
    }
    JsonNode kindNode = item.path("kind");
    String kind = kindNode.isTextual() ? kindNode.asText().toLowerCase(Locale.ROOT) : "";
    if (!KINDS.contains(kind)) {
      errors.add(at + ".kind must be one of " + String.join(", ", KINDS) + ", found " + ManifestValidator.echo(kindNode));
      return null;
    }
    String url = null;
    List<String> to = new ArrayList<>();
    if (EMAIL.equals(kind)) {
      if (item.has("url")) {
        errors.add(at + ": an email target has 'to', not 'url'");
      }
      readAddresses(item.get("to"), at, to, errors);
    } else {
      if (item.has("to")) {
        errors.add(at + ": a " + kind + " target has 'url', not 'to'");
      }
      JsonNode urlNode = item.get("url");
      String problem = urlNode == null || !urlNode.isTextual() ? "is missing (an http or https URL with a host)"
          : urlProblem(urlNode.asText());
      if (problem != null) {
        // The URL is not echoed: a Slack hook's URL is its secret.
        errors.add(at + ".url " + problem);
      } else {
        url = urlNode.asText();
      }
    }
    List<String> events = readEvents(item.get("events"), at, errors);
    return errors.size() == before ? new NotifyTarget(kind, url, to, events) : null;
  }

  private static @Nullable String urlProblem(String text) {
    if (text.length() > MAX_URL) {
      return "is longer than " + MAX_URL + " characters";
    }
    if (ManifestValidator.hasTemplateTag(text) || text.chars().anyMatch(Character::isISOControl)) {
      return "must not hold '{{', '}}' or control characters";
    }
    try {
      URI uri = new URI(text);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        return "must be an http or https URL";
      }
      if (uri.getHost() == null || uri.getHost().isEmpty()) {
        return "has no host";
      }
      return null;
    } catch (URISyntaxException e) {
      return "is not a URL";
    }
  }

  private static void readAddresses(@Nullable JsonNode node, String at, List<String> to, List<String> errors) {
    if (node == null || !node.isArray() || node.isEmpty()) {
      errors.add(at + ".to must be a non-empty list of e-mail addresses");
      return;
    }
    if (node.size() > MAX_ADDRESSES) {
      errors.add(at + ".to holds " + node.size() + " addresses; at most " + MAX_ADDRESSES + " are allowed");
      return;
    }
    for (JsonNode address : node) {
      String problem = address.isTextual() ? addressProblem(address.asText()) : "is not a string";
      if (problem != null) {
        errors.add(at + ".to: " + ManifestValidator.echo(address) + " " + problem);
      } else if (!to.contains(address.asText())) {
        to.add(address.asText());
      }
    }
  }

  /** RFC 822 syntax as Jakarta Mail checks it (strict), one bare address with a domain. */
  private static @Nullable String addressProblem(String text) {
    if (text.chars().anyMatch(Character::isISOControl) || text.contains(",") || text.contains("<")) {
      return "must be one bare address like pilot@example.org";
    }
    try {
      InternetAddress address = new InternetAddress(text, true);
      address.validate();
      String value = address.getAddress();
      int at = value.lastIndexOf('@');
      if (at < 1 || at == value.length() - 1 || !value.substring(at + 1).contains(".") || address.getPersonal() != null) {
        return "must be one bare address like pilot@example.org";
      }
      return null;
    } catch (AddressException e) {
      return "is not an e-mail address (" + e.getMessage() + ")";
    }
  }

  private static List<String> readEvents(@Nullable JsonNode node, String at, List<String> errors) {
    if (node == null || node.isNull()) {
      return DEFAULT_EVENTS;
    }
    if (!node.isArray() || node.isEmpty()) {
      errors.add(at + ".events must be a non-empty list of " + String.join(", ", EVENTS));
      return List.of();
    }
    Set<String> events = new LinkedHashSet<>();
    for (JsonNode event : node) {
      if (!event.isTextual() || !EVENTS.contains(event.asText())) {
        errors.add(at + ".events: unknown event " + ManifestValidator.echo(event) + " (known: " + String.join(", ", EVENTS) + ")");
      } else {
        events.add(event.asText());
      }
    }
    return List.copyOf(events);
  }
}
