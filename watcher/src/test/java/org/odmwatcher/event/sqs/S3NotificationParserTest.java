package org.odmwatcher.event.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.odmwatcher.event.ObjectCreated;

class S3NotificationParserTest {
  /** Raw bodies enter through the production entry point, which hands S3 shapes to S3NotificationParser. */
  private final ShapeDetectingParser parser = new ShapeDetectingParser(new ObjectMapper());

  static String golden(String name) throws IOException {
    try (InputStream in = S3NotificationParserTest.class.getResourceAsStream("/events/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void removalOnlyBodyYieldsNothingToDo() throws IOException {
    ParsedBody.Notification n = (ParsedBody.Notification) parser.parse(golden("s3-removed-only.json"));
    assertThat(n.created()).isEmpty();
    assertThat(n.ignored()).isEqualTo(1);
  }

  @Test
  void testEventIsAControlMessage() throws IOException {
    assertThat(parser.parse(golden("s3-test-event.json")))
        .isInstanceOfSatisfying(ParsedBody.Control.class, c -> assertThat(c.description()).contains("s3:TestEvent"));
  }

  @Test
  void minioRecordsWithPrefixedEventNameAndEncodedSlashes() throws IOException {
    ParsedBody.Notification n = (ParsedBody.Notification) parser.parse(golden("minio-put.json"));
    assertThat(n.created()).singleElement().satisfies(o -> assertThat(o.key()).isEqualTo("site 1/odm.json"));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", "not json", "{\"Records\": [", "[]", "{\"Records\": {}}", "{\"hello\": 1}",
      "{\"Records\":[{\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"b\"},\"object\":{}}}]}",
      "{\"Records\":[{\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"b\"},\"object\":{\"key\":\"bad%ZZ\"}}}]}",
      "{\"Records\":[{\"eventName\":\"ObjectCreated:Put\",\"eventTime\":\"yesterday\",\"s3\":{\"bucket\":{\"name\":\"b\"},\"object\":{\"key\":\"k\"}}}]}"
  })
  void garbageAndTruncatedBodiesAreUnparseable(String body) {
    assertThat(parser.parse(body)).isInstanceOf(ParsedBody.Unparseable.class);
  }
}
