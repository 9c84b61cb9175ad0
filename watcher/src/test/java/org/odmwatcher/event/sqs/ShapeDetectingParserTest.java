package org.odmwatcher.event.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.odmwatcher.event.ObjectCreated;
import org.odmwatcher.testing.Notifications;

/** Every SQS delivery shape, from the golden payloads in {@code src/test/resources/events/}. */
class ShapeDetectingParserTest {
  private final ShapeDetectingParser parser = new ShapeDetectingParser(new ObjectMapper());

  private static String golden(String name) {
    try (InputStream in = ShapeDetectingParserTest.class.getResourceAsStream("/events/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private ParsedBody.Notification notification(String body) {
    ParsedBody parsed = parser.parse(body);
    assertThat(parsed).isInstanceOf(ParsedBody.Notification.class);
    return (ParsedBody.Notification) parsed;
  }

  private ObjectCreated single(String body) {
    ParsedBody.Notification n = notification(body);
    assertThat(n.created()).hasSize(1);
    return n.created().get(0);
  }

  // --- S3 directly (and SNS raw delivery, the same body) ---

  @Test
  void s3PutIsDecodedWithPlusAsSpaceAndPercentEscapes() {
    ObjectCreated o = single(golden("s3-put.json"));
    assertThat(o.bucket()).isEqualTo("drone-uploads");
    assertThat(o.key()).isEqualTo("farm a, flight 3/odm.json");
    assertThat(o.size()).isEqualTo(164);
    assertThat(o.eTag()).isEqualTo("0123456789abcdef0123456789abcdef");
    assertThat(o.versionId()).isEqualTo("096fKKXTRTtl3on89fVO.nfljtsv6qko");
    assertThat(o.sequencer()).isEqualTo("0055AED6DCD90281E5");
    assertThat(o.eventTime()).isEqualTo(Instant.parse("2026-11-20T19:37:27.192Z"));
  }

  @Test
  void multiRecordBodyKeepsEveryCreatedRecordAndCountsTheRemoval() {
    ParsedBody.Notification n = notification(golden("s3-multi-record.json"));
    assertThat(n.created()).extracting(ObjectCreated::key).containsExactly("site/DJI_0001.JPG", "été 2026/山/odm.json");
    assertThat(n.created().get(0).eTag()).isEqualTo("a1b2c3d4e5f60718293a4b5c6d7e8f90-2");
    assertThat(n.ignored()).isEqualTo(1);
  }

  @Test
  void removalOnlyBodyIsANotificationWithNothingToDo() {
    ParsedBody.Notification n = notification(golden("s3-removed-only.json"));
    assertThat(n.created()).isEmpty();
    assertThat(n.ignored()).isEqualTo(1);
  }

  @Test
  void s3TestEventIsAcknowledgedAsControl() {
    assertThat(parser.parse(golden("s3-test-event.json")))
        .isInstanceOfSatisfying(ParsedBody.Control.class, c -> assertThat(c.description()).contains("s3:TestEvent"));
  }

  @Test
  void snsRawDeliveryIsThePlainS3BodyWithUnicodeKey() {
    ObjectCreated o = single(golden("sns-raw.json"));
    assertThat(o.key()).isEqualTo("raw delivery/東京/odm.json");
    assertThat(o.size()).isEqualTo(95);
  }

  // --- SNS envelope ---

  @Test
  void snsEnvelopeIsUnwrappedAndTheInnerS3KeyDecoded() {
    ObjectCreated o = single(golden("sns-notification.json"));
    assertThat(o.bucket()).isEqualTo("drone-uploads");
    // "+" is a space, "%2B" a literal plus (S3 form-encodes inside the SNS Message too)
    assertThat(o.key()).isEqualTo("orchard north/2026-05 +wind/odm.json");
    assertThat(o.eTag()).isEqualTo("5f363e0e58a95f06cbe9bbc662c5dfb6");
    assertThat(o.eventTime()).isEqualTo(Instant.parse("2026-11-21T08:12:03.004Z"));
  }

  @Test
  void snsWrappedS3TestEventIsControl() {
    assertThat(parser.parse(golden("sns-s3-test-event.json"))).isInstanceOf(ParsedBody.Control.class);
  }

  @Test
  void snsSubscriptionConfirmationIsAcknowledgedWithAHintToConfirmOrUseTheTemplate() {
    ParsedBody parsed = parser.parse(golden("sns-subscription-confirmation.json"));
    assertThat(parsed).isInstanceOfSatisfying(ParsedBody.Control.class, c -> assertThat(c.description())
        .contains("NOT active")
        .contains("SubscribeURL")
        .contains("https://sns.eu-central-1.amazonaws.com/?Action=ConfirmSubscription")
        .contains("event-sources/aws/"));
  }

  @Test
  void snsEnvelopeWithAGarbageMessageIsUnparseable() {
    assertThat(parser.parse(golden("sns-garbage-message.json")))
        .isInstanceOfSatisfying(ParsedBody.Unparseable.class, u -> assertThat(u.reason())
            .contains("SNS notification from arn:aws:sns:eu-central-1:111122223333:odm-uploads")
            .contains("not JSON"));
  }

  @Test
  void snsEnvelopeWhoseMessageIsJsonButNotS3IsUnparseable() {
    ObjectNode envelope = Notifications.golden("sns-notification.json");
    envelope.put("Message", "[1,2,3]");
    assertThat(parser.parse(envelope.toString())).isInstanceOf(ParsedBody.Unparseable.class);
    envelope.put("Message", "{\"hello\":\"world\"}");
    assertThat(parser.parse(envelope.toString())).isInstanceOf(ParsedBody.Unparseable.class);
    envelope.remove("Message");
    assertThat(parser.parse(envelope.toString())).isInstanceOf(ParsedBody.Unparseable.class);
  }

  @Test
  void anSnsEnvelopeInsideAnSnsEnvelopeIsNotUnwrappedTwice() {
    String twice = Notifications.snsWrapped(golden("sns-notification.json"));
    assertThat(parser.parse(twice)).isInstanceOf(ParsedBody.Unparseable.class);
  }

  @Test
  void eventBridgeEventPublishedThroughSnsIsUnwrappedToo() {
    ObjectCreated o = single(golden("sns-eventbridge.json"));
    assertThat(o.key()).isEqualTo("via sns/odm.json");
  }

  // --- EventBridge ---

  @Test
  void eventBridgeKeyIsTakenLiterallySoAPlusStaysAPlus() {
    ObjectCreated o = single(golden("eventbridge-object-created.json"));
    assertThat(o.bucket()).isEqualTo("drone-uploads");
    assertThat(o.key()).isEqualTo("field 7/a+b/odm.json");
    assertThat(o.size()).isEqualTo(187);
    assertThat(o.eTag()).isEqualTo("d41d8cd98f00b204e9800998ecf8427e");
    assertThat(o.versionId()).isEqualTo("3HL4kqtJlcpXroDTDmjVBH40Nrjfkd");
    assertThat(o.sequencer()).isEqualTo("0062E99A88DC407460");
    assertThat(o.eventTime()).isEqualTo(Instant.parse("2026-11-21T08:12:03Z"));
  }

  @Test
  void theSameKeyMeansDifferentObjectsInS3AndEventBridgeBodies() {
    // "a+b%2Bc" in an S3 notification is "a b+c"; in EventBridge it is exactly "a+b%2Bc".
    String s3 = Notifications.objectCreated("b", "x", 1, "e").replace("\"key\":\"x\"", "\"key\":\"a+b%2Bc/odm.json\"");
    String eventBridge = Notifications.eventBridgeCreated("b", "a+b%2Bc/odm.json", 1, "e");
    assertThat(single(s3).key()).isEqualTo("a b+c/odm.json");
    assertThat(single(eventBridge).key()).isEqualTo("a+b%2Bc/odm.json");
  }

  @Test
  void eventBridgeUnicodeKeyIsKept() {
    assertThat(single(Notifications.eventBridgeCreated("b", "été/山 1/odm.json", 5, "e")).key())
        .isEqualTo("été/山 1/odm.json");
  }

  @Test
  void eventBridgeObjectDeletedIsIgnored() {
    ParsedBody.Notification n = notification(golden("eventbridge-object-deleted.json"));
    assertThat(n.created()).isEmpty();
    assertThat(n.ignored()).isEqualTo(1);
  }

  @Test
  void eventBridgeEventFromAnotherServiceIsUnparseable() {
    ObjectNode event = Notifications.golden("eventbridge-object-created.json");
    event.put("source", "aws.ec2").put("detail-type", "EC2 Instance State-change Notification");
    assertThat(parser.parse(event.toString()))
        .isInstanceOfSatisfying(ParsedBody.Unparseable.class, u -> assertThat(u.reason()).contains("aws.ec2"));
  }

  @Test
  void eventBridgeObjectCreatedWithoutKeyIsUnparseable() {
    ObjectNode event = Notifications.golden("eventbridge-object-created.json");
    ((ObjectNode) event.get("detail").get("object")).remove("key");
    assertThat(parser.parse(event.toString())).isInstanceOf(ParsedBody.Unparseable.class);
  }

  // --- one queue, any mix: every body is detected on its own ---

  @Test
  void aMixOfShapesIsEachParsedByItsOwnRules() {
    List<String> bodies =
        List.of(golden("s3-put.json"), golden("sns-notification.json"), golden("eventbridge-object-created.json"),
            golden("sns-raw.json"), golden("sns-eventbridge.json"));
    assertThat(bodies.stream().map(this::single).map(ObjectCreated::key))
        .containsExactly("farm a, flight 3/odm.json", "orchard north/2026-05 +wind/odm.json", "field 7/a+b/odm.json",
            "raw delivery/東京/odm.json", "via sns/odm.json");
  }

  // --- garbage ---

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "   ",
        "this is not { an S3 notification",
        "{\"Records\":[{\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"b\"},\"object\":{\"key\":\"k",
        "[]",
        "42",
        "null",
        "\"Records\"",
        "{}",
        "{\"Records\":{}}",
        "{\"hello\":\"world\"}",
        "{\"Type\":\"Notification\",\"TopicArn\":\"arn:aws:sns:x:1:t\",\"Message\":42}",
        "{\"Records\":[{\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"b\"},\"object\":{}}}]}",
        "{\"Records\":[{\"eventName\":\"ObjectCreated:Put\",\"eventTime\":\"yesterday\",\"s3\":{\"bucket\":{\"name\":\"b\"},\"object\":{\"key\":\"k\"}}}]}",
      })
  void truncatedOrGarbageBodiesAreUnparseableAndNeverThrow(String body) {
    assertThat(parser.parse(body)).isInstanceOf(ParsedBody.Unparseable.class);
  }

  @Test
  void everyGoldenPayloadTruncatedAnywhereIsUnparseable() {
    for (String name :
        List.of("s3-put.json", "sns-notification.json", "eventbridge-object-created.json", "sns-raw.json")) {
      String body = golden(name).strip();
      for (int cut = 1; cut < body.length() - 1; cut += 7) {
        assertThat(parser.parse(body.substring(0, cut)))
            .as("%s cut at %d", name, cut)
            .isInstanceOf(ParsedBody.Unparseable.class);
      }
    }
  }
}
