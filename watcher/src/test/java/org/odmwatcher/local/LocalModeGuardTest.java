package org.odmwatcher.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/** Review finding 12 (issue 13): local mode's embedded S3 server against web pages and guessed keys. */
class LocalModeGuardTest {
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private static LocalMode start(Path data) throws Exception {
    return LocalMode.start(new LocalMode.Settings(data, "127.0.0.1", 0, null, null, LocalWorld.BUCKET, "test", "500ms",
        Map.of("watcher.local.test-pace", "10ms")));
  }

  @Test
  void keysAreRandomPerDataDirectoryKeptInItAndPrinted() throws Exception {
    Path first = Files.createTempDirectory("odm-keys-a");
    Path second = Files.createTempDirectory("odm-keys-b");
    LocalKeys keys;
    try (LocalMode mode = start(first)) {
      keys = mode.keys();
      assertThat(keys.accessKey()).isNotEqualTo("odm-local");
      assertThat(keys.secretKey()).isNotEqualTo("odm-local-secret").hasSizeGreaterThanOrEqualTo(40);
      assertThat(mode.banner()).contains(keys.secretKey()).contains(first.resolve("local.env").toString())
          .doesNotContain("--secret-key");
      Path env = first.resolve("local.env");
      assertThat(Files.readString(env)).contains("AWS_ACCESS_KEY_ID=" + keys.accessKey(),
          "AWS_SECRET_ACCESS_KEY=" + keys.secretKey(), "AWS_ENDPOINT_URL=" + mode.endpoint());
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(env))).isEqualTo("rw-------");
      try (S3Client s3 = LocalMode.client(mode.endpoint(), "odm-local", "odm-local-secret")) {
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> s3.listObjectsV2(b -> b.bucket(LocalWorld.BUCKET))))
            .as("the old published keys no longer work").isNotNull();
      }
    }
    try (LocalMode again = start(first)) {
      assertThat(again.keys()).isEqualTo(keys);
    }
    try (LocalMode other = start(second)) {
      assertThat(other.keys().secretKey()).isNotEqualTo(keys.secretKey());
    }
  }

  @Test
  void foreignHostHeadersAreRefused() throws Exception {
    try (LocalMode mode = start(Files.createTempDirectory("odm-host"))) {
      String refused = "does not name this machine";
      assertThat(getWithHost(mode, "attacker.example:8333").body()).contains(refused);
      assertThat(getWithHost(mode, "attacker.example").body()).contains(refused);
      assertThat(getWithHost(mode, "127.0.0.1:" + URI.create(mode.endpoint()).getPort()).body()).doesNotContain(refused);
      assertThat(getWithHost(mode, "localhost").body()).doesNotContain(refused);
    }
  }

  /** A page's form POST, signed with the keys (as the old published ones could be), is refused. */
  @Test
  void browserPostObjectUploadsAreRefusedEvenWhenSigned() throws Exception {
    try (LocalMode mode = start(Files.createTempDirectory("odm-post"))) {
      String key = "web/odm.json";
      String policy = Base64.getEncoder().encodeToString(("{\"expiration\":\"2099-01-01T00:00:00Z\",\"conditions\":["
          + "{\"bucket\":\"" + LocalWorld.BUCKET + "\"},[\"starts-with\",\"$key\",\"\"]]}").getBytes(StandardCharsets.UTF_8));
      Mac mac = Mac.getInstance("HmacSHA1");
      mac.init(new SecretKeySpec(mode.keys().secretKey().getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
      String signature = Base64.getEncoder().encodeToString(mac.doFinal(policy.getBytes(StandardCharsets.UTF_8)));
      String boundary = "----page";
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      for (Map.Entry<String, String> field : Map.of("key", key, "AWSAccessKeyId", mode.keys().accessKey(),
          "policy", policy, "signature", signature).entrySet()) {
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field.getKey() + "\"\r\n\r\n"
            + field.getValue() + "\r\n").getBytes(StandardCharsets.UTF_8));
      }
      body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"odm.json\"\r\n"
          + "Content-Type: application/json\r\n\r\n{\"options\": {\"dsm\": true}}\r\n--" + boundary + "--\r\n")
          .getBytes(StandardCharsets.UTF_8));
      HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(mode.endpoint() + "/" + LocalWorld.BUCKET))
              .header("Content-Type", "multipart/form-data; boundary=" + boundary)
              .header("Origin", "https://attacker.example")
              .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(answer.statusCode()).isEqualTo(403);
      assertThat(answer.body()).contains("POST Object uploads are not accepted");
      try (S3Client s3 = LocalMode.client(mode.endpoint(), mode.keys().accessKey(), mode.keys().secretKey())) {
        assertThat(s3.listObjectsV2(b -> b.bucket(LocalWorld.BUCKET).prefix("web/")).contents()).isEmpty();
      }
    }
  }

  private HttpResponse<String> getWithHost(LocalMode mode, String host) throws Exception {
    // java.net.http refuses to set Host; a raw request sends it as a browser on a rebinding page would
    URI endpoint = URI.create(mode.endpoint());
    try (java.net.Socket socket = new java.net.Socket(endpoint.getHost(), endpoint.getPort())) {
      socket.getOutputStream().write(("GET /" + LocalWorld.BUCKET + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      String text = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return new RawAnswer(text);
    }
  }

  /** Enough of an HttpResponse for the assertions above. */
  private record RawAnswer(String text) implements HttpResponse<String> {
    public int statusCode() { return Integer.parseInt(text.substring(9, 12)); }
    public HttpRequest request() { return null; }
    public java.util.Optional<HttpResponse<String>> previousResponse() { return java.util.Optional.empty(); }
    public java.net.http.HttpHeaders headers() { return java.net.http.HttpHeaders.of(Map.of(), (a, b) -> true); }
    public String body() { return text; }
    public java.util.Optional<javax.net.ssl.SSLSession> sslSession() { return java.util.Optional.empty(); }
    public URI uri() { return null; }
    public HttpClient.Version version() { return HttpClient.Version.HTTP_1_1; }
  }
}
