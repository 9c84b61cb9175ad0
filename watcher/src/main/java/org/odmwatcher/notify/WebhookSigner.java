package org.odmwatcher.notify;

import io.micronaut.core.annotation.Nullable;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs a webhook as Standard Webhooks 1.0 does (github.com/standard-webhooks/standard-webhooks,
 * spec/standard-webhooks.md), so a receiver can use that project's verifiers (Java, Python, JS,
 * Go…) or a few lines of its own: headers {@code webhook-id} (the idempotency key, the same at every
 * attempt), {@code webhook-timestamp} (Unix seconds of this attempt) and {@code webhook-signature:
 * v1,<base64 of HMAC-SHA256(key, id + "." + timestamp + "." + body)>}. The key is the setting's
 * value: {@code whsec_<base64>} as the spec writes secrets (the bytes after the prefix, decoded), or
 * any other string, whose UTF-8 bytes are the key. Without a key no signature header is sent (the
 * id and timestamp still are).
 */
public final class WebhookSigner {
  public static final String ID = "webhook-id";
  public static final String TIMESTAMP = "webhook-timestamp";
  public static final String SIGNATURE = "webhook-signature";
  private static final String SECRET_PREFIX = "whsec_";

  private final @Nullable byte[] key;

  private WebhookSigner(@Nullable byte[] key) {
    this.key = key;
  }

  /** A signer with the key {@code secret} (see the class comment), or one that signs nothing. */
  public static WebhookSigner of(@Nullable String secret) {
    if (secret == null || secret.isBlank()) {
      return new WebhookSigner(null);
    }
    if (secret.startsWith(SECRET_PREFIX)) {
      try {
        return new WebhookSigner(Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length())));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("watcher.notify.signing-key starts with whsec_ but the rest is not base64", e);
      }
    }
    return new WebhookSigner(secret.getBytes(StandardCharsets.UTF_8));
  }

  public boolean signs() {
    return key != null;
  }

  /** The headers of one attempt: id, timestamp and, with a key, the signature. */
  public Map<String, String> headers(String id, long unixSeconds, byte[] body) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(ID, id);
    headers.put(TIMESTAMP, Long.toString(unixSeconds));
    if (key != null) {
      headers.put(SIGNATURE, "v1," + sign(key, id, unixSeconds, body));
    }
    return headers;
  }

  /** Base64 of HMAC-SHA256 over {@code id.timestamp.body}. */
  static String sign(byte[] key, String id, long unixSeconds, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      mac.update((id + "." + unixSeconds + ".").getBytes(StandardCharsets.UTF_8));
      return Base64.getEncoder().encodeToString(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
