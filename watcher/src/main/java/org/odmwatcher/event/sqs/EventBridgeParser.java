package org.odmwatcher.event.sqs;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.odmwatcher.event.ObjectCreated;

/**
 * Parses the events S3 sends through EventBridge: {@code {"detail-type":"Object Created",
 * "source":"aws.s3","time":…,"detail":{"bucket":{"name":…},"object":{"key":…,"size":…,"etag":…,
 * "version-id":…,"sequencer":…}}}}. Unlike S3's own notifications, the key here is NOT
 * form-encoded: it is the object's key as is, so a {@code +} stays a {@code +} and nothing is
 * decoded. Other S3 event types (Object Deleted, …) are counted as ignored.
 */
public final class EventBridgeParser {
  static final String S3_SOURCE = "aws.s3";
  static final String OBJECT_CREATED = "Object Created";

  /** True when {@code root} looks like an EventBridge event: {@code detail-type}, {@code source}, {@code detail}. */
  public static boolean matches(JsonNode root) {
    return root.path("detail-type").isTextual() && root.path("source").isTextual() && root.path("detail").isObject();
  }

  /** Parses an event {@link #matches matched} before. */
  public ParsedBody parse(JsonNode root) {
    String source = root.path("source").asText();
    String detailType = root.path("detail-type").asText();
    if (!S3_SOURCE.equals(source)) {
      return new ParsedBody.Unparseable(
          "EventBridge event from " + source + " (" + detailType + "), not from aws.s3: check the rule's event pattern");
    }
    if (!OBJECT_CREATED.equals(detailType)) {
      return new ParsedBody.Notification(List.of(), 1);
    }
    JsonNode detail = root.path("detail");
    String bucket = detail.path("bucket").path("name").asText("");
    JsonNode object = detail.path("object");
    String key = object.path("key").asText("");
    if (bucket.isBlank() || key.isBlank()) {
      // Blank, not only empty: ObjectCreated refuses a blank bucket or key (by throwing).
      return new ParsedBody.Unparseable("EventBridge Object Created without detail.bucket.name or detail.object.key");
    }
    Instant time;
    try {
      String text = textOrNull(root.get("time"));
      time = text == null ? null : Instant.parse(text);
    } catch (DateTimeParseException e) {
      return new ParsedBody.Unparseable("EventBridge Object Created with a bad time: " + e.getMessage());
    }
    return new ParsedBody.Notification(
        List.of(
            new ObjectCreated(
                bucket,
                key, // literal: EventBridge does not form-encode keys
                object.path("size").asLong(-1),
                textOrNull(object.get("etag")),
                textOrNull(object.get("version-id")),
                textOrNull(object.get("sequencer")),
                time)),
        0);
  }

  private static String textOrNull(JsonNode node) {
    return node == null || node.isNull() || node.asText().isEmpty() ? null : node.asText();
  }
}
