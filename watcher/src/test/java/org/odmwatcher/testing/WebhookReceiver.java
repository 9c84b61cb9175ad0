package org.odmwatcher.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A webhook receiver on loopback (the JDK's HTTP server) that checks what a receiver in production
 * checks, as the Standard Webhooks specification tells receivers to (spec/standard-webhooks.md,
 * "Verifying webhook authenticity"): the {@code webhook-signature} is one of the space-separated
 * {@code v1,<base64 HMAC-SHA256(key, id.timestamp.body)>} with the key of the {@code whsec_}
 * secret, compared in constant time, and the timestamp is within five minutes. A request that
 * fails the check is answered 401 and recorded as such. It can answer errors for a while, and be
 * stopped (connections refused) and started again on the same port.
 */
public final class WebhookReceiver implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long TOLERANCE_SECONDS = 300;

  /** One request: its path, headers (lower-case names), body, and whether its signature held. */
  public record Received(String path, Map<String, String> headers, byte[] body, boolean signatureValid, int answered) {
    public JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final byte[] key;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger failures = new AtomicInteger();
  private volatile int failureCode = 503;
  private final int port;
  private HttpServer server;

  /** @param secret the {@code whsec_<base64>} secret the sender signs with */
  public WebhookReceiver(String secret) {
    this.key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
    this.server = listen(0);
    this.port = server.getAddress().getPort();
  }

  private HttpServer listen(int onPort) {
    try {
      HttpServer created = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort), 0);
      created.createContext("/", this::handle);
      created.start();
      return created;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    byte[] body = exchange.getRequestBody().readAllBytes();
    Map<String, String> headers = new TreeMap<>();
    exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
    boolean valid = verify(headers.get("webhook-id"), headers.get("webhook-timestamp"), headers.get("webhook-signature"), body);
    int code = !valid ? 401 : failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? failureCode : 200;
    received.add(new Received(exchange.getRequestURI().getPath(), headers, body, valid, code));
    exchange.sendResponseHeaders(code, -1);
    exchange.close();
  }

  /** Standard Webhooks verification, written from the specification (not the watcher's signer). */
  boolean verify(String id, String timestamp, String signatures, byte[] body) {
    if (id == null || timestamp == null || signatures == null) {
      return false;
    }
    long ts;
    try {
      ts = Long.parseLong(timestamp);
    } catch (NumberFormatException e) {
      return false;
    }
    if (Math.abs(Instant.now().getEpochSecond() - ts) > TOLERANCE_SECONDS) {
      return false;
    }
    byte[] expected;
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      expected = mac.doFinal((id + "." + timestamp + "." + new String(body, StandardCharsets.UTF_8))
          .getBytes(StandardCharsets.UTF_8));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    for (String entry : signatures.split(" ")) {
      int comma = entry.indexOf(',');
      if (comma > 0 && entry.substring(0, comma).equals("v1")) {
        byte[] given;
        try {
          given = Base64.getDecoder().decode(entry.substring(comma + 1));
        } catch (IllegalArgumentException e) {
          continue;
        }
        if (MessageDigest.isEqual(expected, given)) {
          return true;
        }
      }
    }
    return false;
  }

  public String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  /** The next {@code n} signed requests are answered {@code code}. */
  public void failNext(int n, int code) {
    failureCode = code;
    failures.set(n);
  }

  public List<Received> received() {
    return List.copyOf(received);
  }

  public List<Received> received(String path) {
    return received.stream().filter(r -> r.path().equals(path)).toList();
  }

  /** Stops listening: connections are refused until {@link #start()}. */
  public synchronized void stop() {
    server.stop(0);
  }

  /** Listens again on the same port. */
  public synchronized void start() {
    server = listen(port);
  }

  @Override
  public synchronized void close() {
    server.stop(0);
  }
}
