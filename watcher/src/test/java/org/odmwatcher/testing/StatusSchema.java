package org.odmwatcher.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/** The published {@code samples/status.schema.json}: every status a test sees must satisfy it. */
public final class StatusSchema {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonSchema SCHEMA = load();

  private StatusSchema() {}

  private static JsonSchema load() {
    Path path = Path.of("..", "samples", "status.schema.json");
    try {
      return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
          .getSchema(JSON.readTree(Files.readAllBytes(path)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Fails the test unless {@code statusJson} is a valid status; returns it parsed. */
  public static JsonNode assertValid(byte[] statusJson) {
    try {
      JsonNode node = JSON.readTree(statusJson);
      Set<ValidationMessage> problems = SCHEMA.validate(node);
      assertThat(problems).as("status.json must satisfy samples/status.schema.json: %s", node).isEmpty();
      return node;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Problems of a document, for negative tests of the schema itself. */
  public static Set<ValidationMessage> problems(JsonNode node) {
    return SCHEMA.validate(node);
  }
}
