package org.odmwatcher.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.MockResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The set-based requirements of a request's {@code labelSelector}, applied as kube-apiserver
 * applies them (kubernetes/apimachinery {@code pkg/labels/selector.go}, {@code
 * Requirement.Matches}): {@code in} matches an object that has the label with a value in the set;
 * {@code notin} one that lacks the label or has a value outside the set. Requirements are split at
 * commas outside parentheses, as {@code Parse}'s lexer reads them. The other kinds (equality,
 * inequality, existence) the fabric8 mock applies itself.
 */
record SetBasedSelector(List<Requirement> requirements) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SET = Pattern.compile("^\\s*([A-Za-z0-9./_-]+)\\s+(in|notin)\\s+\\(([^)]*)\\)\\s*$");

  record Requirement(String key, boolean in, Set<String> values) {
    boolean matches(JsonNode labels) {
      JsonNode value = labels.get(key);
      boolean inSet = value != null && values.contains(value.asText());
      return in ? inSet : !inSet;
    }
  }

  /** The set-based requirements of the request target's selector, or null when it has none. */
  static SetBasedSelector of(String target) {
    String query = URI.create("http://mock" + target).getRawQuery();
    if (query == null) {
      return null;
    }
    for (String pair : query.split("&")) {
      if (pair.startsWith("labelSelector=")) {
        List<Requirement> requirements = new ArrayList<>();
        for (String part : split(URLDecoder.decode(pair.substring("labelSelector=".length()), StandardCharsets.UTF_8))) {
          Matcher m = SET.matcher(part);
          if (m.matches()) {
            Set<String> values = Arrays.stream(m.group(3).split(",")).map(String::trim).filter(v -> !v.isEmpty())
                .collect(Collectors.toSet());
            requirements.add(new Requirement(m.group(1), m.group(2).equals("in"), values));
          }
        }
        return requirements.isEmpty() ? null : new SetBasedSelector(requirements);
      }
    }
    return null;
  }

  /** Splits a selector at the commas between requirements (not those inside a value set). */
  static List<String> split(String selector) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < selector.length(); i++) {
      char c = selector.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        parts.add(selector.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(selector.substring(start));
    return parts;
  }

  /** The list answer with only the items every requirement matches; other answers as they are. */
  MockResponse filter(MockResponse response) {
    if (response.code() != 200 || response.getBody() == null) {
      return response;
    }
    try {
      JsonNode list = JSON.readTree(response.getBody().getBytes());
      if (list == null || !list.path("items").isArray()) {
        return response;
      }
      ArrayNode kept = JSON.createArrayNode();
      for (JsonNode item : list.path("items")) {
        JsonNode labels = item.path("metadata").path("labels");
        if (requirements.stream().allMatch(r -> r.matches(labels))) {
          kept.add(item);
        }
      }
      ((ObjectNode) list).set("items", kept);
      return response.setBody(JSON.writeValueAsBytes(list));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
