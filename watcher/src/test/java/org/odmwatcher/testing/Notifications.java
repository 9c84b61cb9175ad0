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

  /** The same S3 body as SNS delivers it to SQS without raw delivery: inside the SNS envelope. */
  public static String snsWrapped(String s3Body) {
    ObjectNode envelope = golden("sns-notification.json");
    envelope.put("Message", s3Body);
    return envelope.toString();
  }

  /** An EventBridge "Object Created" event for {@code bucket}/{@code key}; the key is NOT encoded. */
  public static String eventBridgeCreated(String bucket, String key, long size, String eTag) {
    ObjectNode event = golden("eventbridge-object-created.json");
    ((ArrayNode) event.get("resources")).removeAll().add("arn:aws:s3:::" + bucket);
    ObjectNode detail = (ObjectNode) event.get("detail");
    ((ObjectNode) detail.get("bucket")).put("name", bucket);
    ObjectNode object = (ObjectNode) detail.get("object");
    object.put("key", key).put("size", size).put("etag", eTag);
    object.remove("version-id");
    return event.toString();
  }

  /** MinIO's webhook body for {@code bucket}/{@code key} (record key encoded as MinIO does: %2F too). */
  public static String minioCreated(String bucket, String key, long size, String eTag) {
    ObjectNode body = golden("minio-put.json");
    body.put("Key", bucket + "/" + key);
    ObjectNode s3 = (ObjectNode) ((ArrayNode) body.get("Records")).get(0).get("s3");
    ((ObjectNode) s3.get("bucket")).put("name", bucket).put("arn", "arn:aws:s3:::" + bucket);
    ((ObjectNode) s3.get("object"))
        .put("key", URLEncoder.encode(key, StandardCharsets.UTF_8))
        .put("size", size)
        .put("eTag", eTag);
    return body.toString();
  }

  /** S3's key encoding in notifications: form-encoding, but slashes are kept. */
  public static String s3Encode(String key) {
    return URLEncoder.encode(key, StandardCharsets.UTF_8).replace("%2F", "/");
  }
}
