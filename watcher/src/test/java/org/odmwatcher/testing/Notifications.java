package org.odmwatcher.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * S3 event notification bodies as S3 sends them to SQS, made from the golden {@code
 * events/s3-put.json} with bucket, key (URL-form-encoded, as S3 does: spaces become {@code +}),
 * size and ETag replaced.
 */
public final class Notifications {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Notifications() {}

  public static ObjectNode golden(String name) {
    try (InputStream in = Notifications.class.getResourceAsStream("/events/" + name)) {
      return (ObjectNode) JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A one-record ObjectCreated:Put body for {@code bucket}/{@code key}. */
  public static String objectCreated(String bucket, String key, long size, String eTag) {
    ObjectNode body = golden("s3-put.json");
    ObjectNode s3 = (ObjectNode) ((ArrayNode) body.get("Records")).get(0).get("s3");
    ((ObjectNode) s3.get("bucket")).put("name", bucket).put("arn", "arn:aws:s3:::" + bucket);
    ObjectNode object = (ObjectNode) s3.get("object");
    object.put("key", s3Encode(key)).put("size", size).put("eTag", eTag);
    object.remove("versionId");
    return body.toString();
  }

  /** S3's key encoding in notifications: form-encoding, but slashes are kept. */
  public static String s3Encode(String key) {
    return URLEncoder.encode(key, StandardCharsets.UTF_8).replace("%2F", "/");
  }
}
