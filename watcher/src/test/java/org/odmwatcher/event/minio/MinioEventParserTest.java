package org.odmwatcher.event.minio;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.odmwatcher.event.ObjectCreated;
import org.odmwatcher.event.sqs.ParsedBody;
import org.odmwatcher.testing.Notifications;

/** MinIO's webhook bodies, from the golden payloads. */
class MinioEventParserTest {
  private final MinioEventParser parser = new MinioEventParser(new ObjectMapper());

  private static byte[] golden(String name) {
    try (InputStream in = MinioEventParserTest.class.getResourceAsStream("/events/" + name)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private ParsedBody parsed(byte[] body) {
    MinioEventParser.Result result = parser.parse(body);
    assertThat(result).isInstanceOf(MinioEventParser.Result.Parsed.class);
    return ((MinioEventParser.Result.Parsed) result).parsed();
  }

  private ObjectCreated single(byte[] body) {
    ParsedBody p = parsed(body);
    assertThat(p).isInstanceOf(ParsedBody.Notification.class);
    assertThat(((ParsedBody.Notification) p).created()).hasSize(1);
    return ((ParsedBody.Notification) p).created().get(0);
  }

  @Test
  void putWithPercentEncodedSlashAndPlusSpaceIsDecoded() {
    ObjectCreated o = single(golden("minio-put.json"));
    assertThat(o.bucket()).isEqualTo("drone-uploads");
    assertThat(o.key()).isEqualTo("site 1/odm.json");
    assertThat(o.size()).isEqualTo(120);
    assertThat(o.eTag()).isEqualTo("9b2cf535f27731c974343645a3985328");
    assertThat(o.sequencer()).isEqualTo("17A6B5E7C2D4E5F6");
    assertThat(o.eventTime()).isEqualTo(Instant.parse("2026-11-20T10:15:30.123Z"));
  }

  @Test
  void unicodeKeyFromMultipartUploadIsDecoded() {
    ObjectCreated o = single(golden("minio-unicode.json"));
    assertThat(o.key()).isEqualTo("été 2026/山/odm.json");
    assertThat(o.eTag()).isEqualTo("ad0234829205b9033196ba818f7a872b-1");
  }

  @Test
  void keyWithALiteralPlusRoundTrips() {
    String body = Notifications.minioCreated("b", "a+b c/odm.json", 3, "e");
    assertThat(single(body.getBytes(StandardCharsets.UTF_8)).key()).isEqualTo("a+b c/odm.json");
  }

  @Test
  void removalIsIgnored() {
    ParsedBody p = parsed(golden("minio-delete.json"));
    assertThat(p).isInstanceOfSatisfying(ParsedBody.Notification.class, n -> {
      assertThat(n.created()).isEmpty();
      assertThat(n.ignored()).isEqualTo(1);
    });
  }

  @Test
  void jsonWithoutRecordsIsUnderstoodAsNotAMinioEvent() {
    assertThat(parsed("{\"EventName\":\"s3:ObjectCreated:Put\",\"Key\":\"b/k\"}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(ParsedBody.Unparseable.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "not json", "{\"EventName\":", "[1]", "null", "7"})
  void garbageIsMalformed(String body) {
    assertThat(parser.parse(body.getBytes(StandardCharsets.UTF_8))).isInstanceOf(MinioEventParser.Result.Malformed.class);
  }

  @Test
  void truncatedGoldenBodyIsMalformedAnywhere() {
    String body = new String(golden("minio-put.json"), StandardCharsets.UTF_8).strip();
    for (int cut = 1; cut < body.length() - 1; cut += 11) {
      assertThat(parser.parse(body.substring(0, cut).getBytes(StandardCharsets.UTF_8)))
          .as("cut at %d", cut)
          .isInstanceOf(MinioEventParser.Result.Malformed.class);
    }
  }
}
