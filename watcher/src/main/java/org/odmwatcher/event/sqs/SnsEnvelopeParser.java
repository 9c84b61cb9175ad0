package org.odmwatcher.event.sqs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Set;
import java.util.function.Function;

/**
 * Unwraps the envelope SNS puts around a message it delivers to SQS (when raw message delivery is
 * off): {@code {"Type":"Notification","TopicArn":…,"Message":"<the S3 notification as a JSON
 * string>",…}}. The inner message is handed to a parser of the caller's choosing. SNS's own
 * subscription messages are acknowledged with a hint: the SQS subscription needs no confirmation
 * when it is made by the queue's owner, so one arriving here means it was made from elsewhere.
 */
public final class SnsEnvelopeParser {
  static final String NOTIFICATION = "Notification";
  static final String SUBSCRIPTION_CONFIRMATION = "SubscriptionConfirmation";
  static final String UNSUBSCRIBE_CONFIRMATION = "UnsubscribeConfirmation";
  private static final Set<String> TYPES = Set.of(NOTIFICATION, SUBSCRIPTION_CONFIRMATION, UNSUBSCRIBE_CONFIRMATION);

  private final ObjectMapper json;

  public SnsEnvelopeParser(ObjectMapper json) {
    this.json = json;
  }

  /** True when {@code root} looks like an SNS envelope: a known {@code Type} and a {@code TopicArn}. */
  public static boolean matches(JsonNode root) {
    JsonNode type = root.get("Type");
    return type != null && type.isTextual() && TYPES.contains(type.asText()) && root.path("TopicArn").isTextual();
  }

  /**
   * Parses an envelope {@link #matches matched} before.
   *
   * @param inner parses the unwrapped message (an S3 notification, an EventBridge event)
   */
  public ParsedBody parse(JsonNode root, Function<JsonNode, ParsedBody> inner) {
    String type = root.path("Type").asText();
    String topic = root.path("TopicArn").asText();
    if (SUBSCRIPTION_CONFIRMATION.equals(type)) {
      return new ParsedBody.Control(
          "SNS subscription confirmation for topic " + topic + ": the subscription is NOT active yet."
              + " Confirm it by opening its SubscribeURL (" + root.path("SubscribeURL").asText("?") + "),"
              + " or subscribe the queue from the queue owner's account (the CloudFormation template in"
              + " event-sources/aws/ does), which needs no confirmation");
    }
    if (UNSUBSCRIBE_CONFIRMATION.equals(type)) {
      return new ParsedBody.Control("SNS unsubscribe confirmation for topic " + topic);
    }
    JsonNode message = root.get("Message");
    if (message == null || !message.isTextual()) {
      return new ParsedBody.Unparseable("SNS notification from " + topic + " without a Message string");
    }
    JsonNode unwrapped;
    try {
      unwrapped = json.readTree(message.asText());
    } catch (JsonProcessingException e) {
      return new ParsedBody.Unparseable(
          "SNS notification from " + topic + " whose Message is not JSON: " + e.getOriginalMessage());
    }
    if (unwrapped == null || !unwrapped.isObject()) {
      return new ParsedBody.Unparseable("SNS notification from " + topic + " whose Message is not a JSON object");
    }
    ParsedBody parsed = inner.apply(unwrapped);
    if (parsed instanceof ParsedBody.Unparseable bad) {
      return new ParsedBody.Unparseable("SNS notification from " + topic + ": " + bad.reason());
    }
    return parsed;
  }
}
