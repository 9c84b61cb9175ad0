package org.odmwatcher.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generated and mutated inputs for the fuzz tests, all drawn from one seeded {@link
 * SplittableRandom} so that a failure replays with the seed it printed ({@code -Dfaults.seed=}).
 * Mutations start from real inputs (the golden events, a valid odm.json) and break them the ways
 * the fault suite found interesting: blank, dotted and slashed keys, wrong types, deep nesting,
 * truncated and corrupted bytes.
 */
final class Mutations {
  /** Writes the deep documents too (Jackson refuses to write more than 1,000 levels by default). */
  private static final ObjectMapper JSON = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
      .streamWriteConstraints(com.fasterxml.jackson.core.StreamWriteConstraints.builder().maxNestingDepth(100_000).build())
      .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder().maxNestingDepth(100_000).build())
      .build());
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Strings that have broken parsers and stores before, plus keys aimed at real folders. */
  private final List<String> nasty;
  final SplittableRandom random;

  Mutations(long seed, List<String> targetKeys) {
    this.random = new SplittableRandom(seed);
    List<String> strings = new ArrayList<>(List.of(
        "", " ", "\t", "\n", ".", "..", "/", "//", "./", "../", "%2F", "%", "%zz", "+", "a+b", "\u0000", "\u202e",
        "é", "\uD83D\uDE00", "null", "true", "0", "-1", "1e309", "odm.json", "status.json", "results/odm.json",
        "{{workflow.name}}", "$(id)", "`id`", "a\\b", "\"", "'", "<x>", "x".repeat(1100)));
    for (String key : targetKeys) {
      int slash = key.lastIndexOf('/');
      String folder = key.substring(0, slash + 1);
      String name = key.substring(slash + 1);
      strings.addAll(List.of(key, "/" + key, folder + "./" + name, folder + "../" + folder + name,
          folder.replace("/", "//") + name, key + " ", " " + key, folder + "status.json",
          folder.replace("/", "%2F") + name, folder + "results/" + name));
    }
    this.nasty = List.copyOf(strings);
  }

  int below(int bound) {
    return random.nextInt(bound);
  }

  boolean chance(int percent) {
    return random.nextInt(100) < percent;
  }

  <T> T pick(List<T> from) {
    return from.get(random.nextInt(from.size()));
  }

  String string() {
    if (chance(60)) {
      return pick(nasty);
    }
    int length = below(20);
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < length; i++) {
      text.appendCodePoint(chance(80) ? 0x20 + below(0x5f) : below(0x3000));
    }
    return text.toString();
  }

  JsonNode value(int depth) {
    switch (below(depth > 3 ? 5 : 8)) {
      case 0: return NODES.nullNode();
      case 1: return NODES.booleanNode(chance(50));
      case 2: return NODES.numberNode(chance(50) ? (long) below(2000) - 1000 : random.nextLong());
      case 3: return NODES.numberNode(random.nextDouble() * 1e6);
      case 4: return NODES.textNode(string());
      case 5: {
        ArrayNode array = NODES.arrayNode();
        for (int i = below(4); i > 0; i--) {
          array.add(value(depth + 1));
        }
        return array;
      }
      case 6: {
        ObjectNode object = NODES.objectNode();
        for (int i = below(4); i > 0; i--) {
          object.set(string(), value(depth + 1));
        }
        return object;
      }
      default: return deep(1 + below(chance(10) ? 3000 : 80));
    }
  }

  /** {@code levels} nested arrays or objects. */
  JsonNode deep(int levels) {
    JsonNode node = NODES.textNode("bottom");
    for (int i = 0; i < levels; i++) {
      if (chance(50)) {
        node = NODES.arrayNode().add(node);
      } else {
        node = NODES.objectNode().set("d", node);
      }
    }
    return node;
  }

  /** A copy of {@code golden} with 1-4 mutations at random places. */
  JsonNode mutate(JsonNode golden) {
    JsonNode root = golden.deepCopy();
    for (int n = 1 + below(4); n > 0; n--) {
      List<JsonNode> containers = new ArrayList<>();
      collect(root, containers);
      JsonNode target = pick(containers);
      if (target instanceof ObjectNode object && object.size() > 0) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        String name = pick(names);
        switch (below(5)) {
          case 0 -> object.remove(name);
          case 1 -> object.set(name, value(0));
          case 2 -> object.put(name, string());
          case 3 -> object.set(name, object.get(name).isTextual() ? NODES.textNode(string()) : value(2));
          default -> object.set(string(), value(1));
        }
      } else if (target instanceof ArrayNode array) {
        switch (below(3)) {
          case 0 -> array.removeAll();
          case 1 -> array.add(value(1));
          default -> {
            if (array.size() > 0) {
              array.add(array.get(0).deepCopy()); // a duplicated record
            }
          }
        }
      }
    }
    return root;
  }

  private static void collect(JsonNode node, List<JsonNode> into) {
    if (node.isContainerNode()) {
      into.add(node);
      for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
        collect(it.next(), into);
      }
    }
  }

  /** The text of {@code json}, sometimes corrupted at the byte level (truncated, a byte changed or inserted). */
  byte[] bytes(JsonNode json) {
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(json);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    if (!chance(15) || bytes.length == 0) {
      return bytes;
    }
    int at = below(bytes.length);
    switch (below(3)) {
      case 0: return java.util.Arrays.copyOf(bytes, at);
      case 1: bytes[at] = (byte) random.nextInt(256); return bytes;
      default: {
        byte[] longer = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, longer, 0, at);
        longer[at] = (byte) random.nextInt(256);
        System.arraycopy(bytes, at, longer, at + 1, bytes.length - at);
        return longer;
      }
    }
  }

  static JsonNode parse(String text) {
    try {
      return JSON.readTree(text);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
