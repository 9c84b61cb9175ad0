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
import java.util.Base64;
import java.util.Comparator;
import java.util.List;

/**
 * A list call's {@code limit} and {@code continue}, which the fabric8 mock ignores (it answers
 * every item at once), applied as kube-apiserver applies them: items in storage key order
 * ({@code <namespace>/<name>}), at most {@code limit} of them, and when more remain a {@code
 * metadata.continue} token that starts the next page immediately after the last key returned
 * (k8s.io/apiserver {@code pkg/storage/etcd3/store.go} GetList: "we want to start immediately
 * after the last key", {@code EncodeContinue(string(lastKey)+"\x00", ...)}; with a label selector
 * {@code remainingItemCount} stays unset, as there). The token here is the base64 of that key, not
 * the server's versioned JSON: clients treat it as opaque.
 */
final class ListPages {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final long limit;
  private final String after;

  private ListPages(long limit, String after) {
    this.limit = limit;
    this.after = after;
  }

  /** The paging a list request asks for; null when it asks for none (or is a watch). */
  static ListPages of(String path) {
    String query = URI.create(path).getRawQuery();
    if (query == null) {
      return null;
    }
    long limit = 0;
    String token = null;
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      if (name.equals("watch") && (value.equals("true") || value.equals("1"))) {
        return null;
      } else if (name.equals("limit") && !value.isEmpty()) {
        limit = Long.parseLong(value);
      } else if (name.equals("continue") && !value.isEmpty()) {
        token = new String(Base64.getUrlDecoder().decode(value), StandardCharsets.UTF_8);
      }
    }
    return limit > 0 ? new ListPages(limit, token) : null;
  }

  /** The page of a list answer; other answers as they are. */
  MockResponse page(MockResponse response) {
    if (response.code() != 200 || response.getBody() == null) {
      return response;
    }
    try {
      JsonNode list = JSON.readTree(response.getBody().getBytes());
      if (list == null || !list.path("items").isArray()) {
        return response;
      }
      List<JsonNode> items = new ArrayList<>();
      list.path("items").forEach(items::add);
      items.sort(Comparator.comparing(ListPages::key));
      ArrayNode page = JSON.createArrayNode();
      String last = null;
      boolean more = false;
      for (JsonNode item : items) {
        if (after != null && key(item).compareTo(after) <= 0) {
          continue;
        }
        if (page.size() == limit) {
          more = true;
          break;
        }
        page.add(item);
        last = key(item);
      }
      ((ObjectNode) list).set("items", page);
      ObjectNode metadata = list.path("metadata").isObject() ? (ObjectNode) list.path("metadata") : ((ObjectNode) list).putObject("metadata");
      if (more) {
        metadata.put("continue", Base64.getUrlEncoder().encodeToString(last.getBytes(StandardCharsets.UTF_8)));
      } else {
        metadata.remove("continue");
      }
      return response.setBody(JSON.writeValueAsBytes(list));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String key(JsonNode item) {
    return item.path("metadata").path("namespace").asText("") + "/" + item.path("metadata").path("name").asText("");
  }
}
