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
 * JSON object a line), read by the RBAC and IAM contracts: the unit tests' in {@code
 * watcher/target/contract-calls/}, the integration tests' (failsafe: the step test with its real
 * rclone) in {@code contract-calls-it/} beside it. The watcher module runs before this one in the
 * reactor ({@code mvn verify}); when a file is missing the contracts fail and say so instead of
 * passing on less.
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

  /** Where failsafe's JVM records: beside {@link #directory()}, its name with {@code -it}. */
  static Path integrationDirectory() {
    Path dir = directory();
    return dir.resolveSibling(dir.getFileName() + "-it");
  }

  /** The calls of {@code fileName} from the unit and the integration tests. */
  static List<JsonNode> read(String fileName) {
    List<JsonNode> calls = new ArrayList<>();
    for (Path dir : List.of(directory(), integrationDirectory())) {
      calls.addAll(read(dir.resolve(fileName)));
    }
    return calls;
  }

  private static List<JsonNode> read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new AssertionError(
          "no recorded calls at " + file + ": the watcher module's tests record them; run them first"
              + " (mvn -B verify runs watcher's unit and integration tests before manifests)");
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
