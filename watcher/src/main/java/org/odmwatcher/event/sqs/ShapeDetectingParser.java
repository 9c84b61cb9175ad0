package org.odmwatcher.event.sqs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The SQS body parser: reads each message's JSON once and routes it by its shape, so one queue may
 * carry a mix of deliveries.
 *
 * <ul>
 *   <li>{@code {"Records":[…]}} or {@code s3:TestEvent}: S3 directly, or SNS with raw message
 *       delivery → {@link S3NotificationParser} (form-encoded keys are decoded);
 *   <li>{@code {"Type":…,"TopicArn":…,"Message":"…"}}: the SNS envelope → unwrapped, then the
 *       inner message is routed again (S3 or EventBridge; never a second envelope);
 *   <li>{@code {"detail-type":…,"source":…,"detail":{…}}}: EventBridge → {@link EventBridgeParser}
 *       (keys taken literally).
 * </ul>
 */
public final class ShapeDetectingParser implements SqsBodyParser {
  private final ObjectMapper json;
  private final S3NotificationParser s3;
  private final SnsEnvelopeParser sns;
  private final EventBridgeParser eventBridge = new EventBridgeParser();

  public ShapeDetectingParser(ObjectMapper json) {
    this.json = json;
    this.s3 = new S3NotificationParser();
    this.sns = new SnsEnvelopeParser(json);
  }

  /**
   * Never throws: a body no parser foresaw (a bug in a parser included) is {@link
   * ParsedBody.Unparseable}, so the queue's dead-letter queue keeps it.
   */
  @Override
  public ParsedBody parse(String body) {
    try {
      return parseOrThrow(body);
    } catch (RuntimeException e) {
      return new ParsedBody.Unparseable("body not understood (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
    }
  }

  private ParsedBody parseOrThrow(String body) {
    JsonNode root;
    try {
      root = json.readTree(body);
    } catch (JsonProcessingException e) {
      return new ParsedBody.Unparseable("not JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      return new ParsedBody.Unparseable("not a JSON object");
    }
    if (SnsEnvelopeParser.matches(root)) {
      return sns.parse(root, this::parseUnwrapped);
    }
    return parseUnwrapped(root);
  }

  private ParsedBody parseUnwrapped(JsonNode root) {
    if (root.has("Records") || root.has("Event")) {
      return s3.parse(root);
    }
    if (EventBridgeParser.matches(root)) {
      return eventBridge.parse(root);
    }
    return new ParsedBody.Unparseable(
        "neither an S3 notification, an SNS envelope nor an EventBridge event (fields " + fieldNames(root) + ")");
  }

  private static List<String> fieldNames(JsonNode root) {
    List<String> names = new ArrayList<>();
    Iterator<String> it = root.fieldNames();
    while (it.hasNext() && names.size() < 8) {
      names.add(it.next());
    }
    return names;
  }
}
