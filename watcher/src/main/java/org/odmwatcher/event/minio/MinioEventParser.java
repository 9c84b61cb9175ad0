package org.odmwatcher.event.minio;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.odmwatcher.event.sqs.ParsedBody;
import org.odmwatcher.event.sqs.S3NotificationParser;

/**
 * Parses the body MinIO POSTs to a webhook target: {@code {"EventName":"s3:ObjectCreated:Put",
 * "Key":"bucket/path/odm.json","Records":[…]}}. The {@code Records} are S3's notification records
 * (keys form-encoded, MinIO encodes {@code /} as {@code %2F} too), so {@link S3NotificationParser}
 * reads them; {@code EventName} and {@code Key} only repeat them.
 */
public final class MinioEventParser {
  private final ObjectMapper json;
  private final S3NotificationParser records;

  public MinioEventParser(ObjectMapper json) {
    this.json = json;
    this.records = new S3NotificationParser();
  }

  /** What a body turned out to be; {@link Malformed} when it is not JSON at all. */
  public sealed interface Result {
    /** The body is JSON; {@code parsed} says what it means. */
    record Parsed(ParsedBody parsed) implements Result {}

    /** The body is not a JSON object. */
    record Malformed(String reason) implements Result {}
  }

  /** Never throws: what no parser foresaw (a parser's bug included) is {@link Result.Malformed}. */
  public Result parse(byte[] body) {
    try {
      return parseOrThrow(body);
    } catch (RuntimeException e) {
      return new Result.Malformed("body not understood (" + e.getClass().getSimpleName() + ")");
    }
  }

  private Result parseOrThrow(byte[] body) {
    JsonNode root;
    try {
      root = json.readTree(body);
    } catch (JsonProcessingException e) {
      return new Result.Malformed("not JSON: " + e.getOriginalMessage());
    } catch (java.io.IOException e) {
      return new Result.Malformed("unreadable body: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      return new Result.Malformed("not a JSON object");
    }
    if (!root.path("Records").isArray()) {
      return new Result.Parsed(new ParsedBody.Unparseable(
          "no Records array (EventName " + root.path("EventName").asText("missing") + ")"));
    }
    return new Result.Parsed(records.parse(root));
  }
}
