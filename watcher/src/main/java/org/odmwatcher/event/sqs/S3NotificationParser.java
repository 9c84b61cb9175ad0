package org.odmwatcher.event.sqs;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import org.odmwatcher.event.ObjectCreated;

/**
 * Parses S3 event notifications ({@code {"Records":[…]}}) as AWS S3 and MinIO send them. Keys
 * arrive URL-form-encoded ({@code +} is a space, {@code %2F} a slash) and come out decoded. Only
 * {@code ObjectCreated:*} records are kept (with or without MinIO's {@code s3:} prefix).
 */
public final class S3NotificationParser {
  private static final String TEST_EVENT = "s3:TestEvent";

  /**
   * Parses a notification already read as JSON (by {@link ShapeDetectingParser}, the entry point
   * for raw bodies, or by an envelope parser that unwrapped it).
   */
  public ParsedBody parse(JsonNode root) {
    if (TEST_EVENT.equals(root.path("Event").asText(null))) {
      return new ParsedBody.Control(
          "s3:TestEvent for bucket " + root.path("Bucket").asText("?") + " (notification set up)");
    }
    JsonNode records = root.get("Records");
    if (records == null || !records.isArray()) {
      return new ParsedBody.Unparseable("no Records array and not an s3:TestEvent");
    }
    List<ObjectCreated> created = new ArrayList<>(records.size());
    int ignored = 0;
    for (JsonNode record : records) {
      String eventName = record.path("eventName").asText("");
      if (!isObjectCreated(eventName)) {
        ignored++;
        continue;
      }
      try {
        created.add(toObjectCreated(record));
      } catch (IllegalArgumentException | DateTimeParseException e) {
        return new ParsedBody.Unparseable("bad record " + eventName + ": " + e.getMessage());
      }
    }
    return new ParsedBody.Notification(created, ignored);
  }

  static boolean isObjectCreated(String eventName) {
    return eventName.startsWith("ObjectCreated:") || eventName.startsWith("s3:ObjectCreated:");
  }

  private static ObjectCreated toObjectCreated(JsonNode record) {
    JsonNode s3 = record.path("s3");
    String bucket = s3.path("bucket").path("name").asText("");
    JsonNode object = s3.path("object");
    String rawKey = object.path("key").asText("");
    String key = rawKey.isBlank() ? rawKey : URLDecoder.decode(rawKey, StandardCharsets.UTF_8);
    if (bucket.isBlank() || key.isBlank()) {
      throw new IllegalArgumentException("missing or blank s3.bucket.name or s3.object.key");
    }
    String eventTime = textOrNull(record.get("eventTime"));
    return new ObjectCreated(
        bucket,
        key,
        object.path("size").asLong(-1),
        textOrNull(object.get("eTag")),
        textOrNull(object.get("versionId")),
        textOrNull(object.get("sequencer")),
        eventTime == null ? null : Instant.parse(eventTime));
  }

  private static String textOrNull(JsonNode node) {
    return node == null || node.isNull() || node.asText().isEmpty() ? null : node.asText();
  }
}
