package org.odmwatcher.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The calls the watcher module's test suite recorded (its {@code testing/contract/CallLog}: one
 * JSON object a line in {@code watcher/target/contract-calls/}), read by the RBAC and IAM
 * contracts. The watcher module runs before this one in the reactor ({@code mvn verify}); when
 * its files are missing the contracts fail and say so instead of passing on nothing.
 */
final class RecordedCalls {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RecordedCalls() {}

  static Path directory() {
    String configured = System.getProperty("contract.calls.dir");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    return Manifests.root().getParent().resolve("watcher/target/contract-calls");
  }

  static List<JsonNode> read(String fileName) {
    Path file = directory().resolve(fileName);
    if (!Files.isRegularFile(file)) {
      throw new AssertionError(
          "no recorded calls at " + file + ": the watcher module's tests record them; run them first"
              + " (mvn -B verify runs watcher before manifests)");
    }
    List<JsonNode> calls = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(file)) {
        if (!line.isBlank()) {
          calls.add(JSON.readTree(line));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return calls;
  }
}
