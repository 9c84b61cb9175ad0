package org.odmwatcher.event.minio;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.testing.HttpAnswer;
import org.odmwatcher.testing.Notifications;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.workflow.WorkflowLabels;

/**
 * MinIO's webhook against the real HTTP server, S3Proxy and the Kubernetes mock: the watcher
 * answers as MinIO needs it to (2xx only when handled for good, 503 to keep the event queued).
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MinioWebhookEndToEndTest implements TestPropertyProvider {
  private static final String TOKEN = "s3cr3t-t0ken-for-minio";
  private static final String PATH = "/events/minio";

  private final PipelineFixture world = new PipelineFixture("minio");

  @Inject
  @Client("/")
  HttpClient http;

  @Inject io.micronaut.runtime.server.EmbeddedServer server;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> p = world.properties();
    p.put("watcher.sqs.enabled", "false");
    p.put("watcher.minio.enabled", "true");
    p.put("watcher.minio.token", TOKEN);
    p.put("watcher.minio.buckets", world.bucket);
    p.put("watcher.minio.max-body-size", "8192");
    p.put("micronaut.http.client.read-timeout", "60s");
    return p;
  }

  @AfterAll
  void close() {
    world.close();
  }

  private HttpAnswer exchange(MutableHttpRequest<?> request) {
    return HttpAnswer.exchange(http, request);
  }

  private HttpAnswer post(String body, String authorization) {
    MutableHttpRequest<String> request = HttpRequest.POST(PATH, body).contentType(MediaType.APPLICATION_JSON_TYPE);
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return exchange(request);
  }

  /** What MinIO would send once {@code folder}odm.json is uploaded. */
  private String manifestUploaded(String folder) {
    String key = folder + "odm.json";
    var head = world.s3.headObject(b -> b.bucket(world.bucket).key(key));
    return Notifications.minioCreated(world.bucket, key, head.contentLength(), head.eTag().replace("\"", ""));
  }

  private List<GenericKubernetesResource> workflowsIn(String folder) {
    return world.workflowsInBucket().stream()
        .filter(wf -> folder.equals(wf.getMetadata().getAnnotations().get(WorkflowLabels.PREFIX)))
        .toList();
  }

  @Test
  void goodEventMakesOneWorkflowBeforeAnswering200() {
    String folder = "site 1/flight é+2/";
    world.uploadImages(folder, 3);
    world.putManifest(folder, "{\"options\": {\"dsm\": true}}");

    HttpAnswer answer = post(manifestUploaded(folder), "Bearer " + TOKEN);

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body().path("status").asText()).isEqualTo("handled");
    assertThat(answer.body().path("outcomes").toString()).isEqualTo("[\"submitted\"]");
    // Already there when the answer came: no waiting needed.
    JsonNode status = world.status(folder).orElseThrow();
    assertThat(status.path("state").asText()).isEqualTo("submitted");
    assertThat(world.workflowsFor(status.path("jobId").asText())).hasSize(1);

    // MinIO resends (e.g. after a lost answer): still one Workflow.
    HttpAnswer again = post(manifestUploaded(folder), "Bearer " + TOKEN);
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.body().path("outcomes").toString()).isEqualTo("[\"already_submitted\"]");
    assertThat(world.workflowsFor(status.path("jobId").asText())).hasSize(1);
  }

  /** Review finding 8: the body (up to 10 MB each) was read before the token was checked. */
  @Test
  void wrongTokenOrOversizeContentLengthIsAnsweredBeforeTheBodyIsSent() throws Exception {
    assertThat(statusLineAfterHeadersOnly("Bearer wrong", 10L << 20)).contains(" 401 ");
    assertThat(statusLineAfterHeadersOnly(null, 10L << 20)).contains(" 401 ");
    assertThat(statusLineAfterHeadersOnly("Bearer " + TOKEN, 10L << 20)).contains(" 413 ");
  }

  /** Sends the headers and 1 KiB of a large body, then waits for the answer without sending the rest. */
  private String statusLineAfterHeadersOnly(String authorization, long contentLength) throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.getPort())) {
      socket.setSoTimeout(10_000);
      String head = "POST " + PATH + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
          + "Content-Length: " + contentLength + "\r\n\r\n";
      socket.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      socket.getOutputStream().write(new byte[1024]);
      socket.getOutputStream().flush();
      return new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
          java.nio.charset.StandardCharsets.US_ASCII)).readLine();
    }
  }

  /** Review finding 7: the webhook accepted events about any bucket. */
  @Test
  void eventsAboutBucketsOutsideTheAllowListAreIgnored() {
    String other = world.bucket + "-other";
    world.s3.createBucket(b -> b.bucket(other));
    world.s3.putObject(b -> b.bucket(other).key("f/DJI_0001.JPG"),
        software.amazon.awssdk.core.sync.RequestBody.fromBytes(new byte[] {(byte) 0xFF, (byte) 0xD8}));
    world.s3.putObject(b -> b.bucket(other).key("f/odm.json"), software.amazon.awssdk.core.sync.RequestBody.fromString("{}"));
    HttpAnswer answer = post(Notifications.minioCreated(other, "f/odm.json", 2, "e"), "Bearer " + TOKEN);
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body().path("outcomes").toString()).isEqualTo("[\"ignored\"]");
    assertThat(world.s3.listObjectsV2(b -> b.bucket(other).prefix("f/")).contents())
        .extracting(o -> o.key()).containsExactlyInAnyOrder("f/DJI_0001.JPG", "f/odm.json");
  }

  /** Review finding 7: with no token the webhook accepted anyone and only warned at the first event. */
  @Test
  void webhookRefusesToStartWithoutTokenOrBucketsUnlessAnonymousIsExplicit() {
    Map<String, Object> p = new java.util.HashMap<>(Map.of(
        "watcher.minio.enabled", "true", "watcher.argo.watch", "false", "watcher.executor", "none"));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> io.micronaut.context.ApplicationContext.run(p).close())
        .hasStackTraceContaining("watcher.minio.token must be set");
    p.put("watcher.minio.allow-anonymous", "true");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> io.micronaut.context.ApplicationContext.run(p).close())
        .hasStackTraceContaining("watcher.minio.buckets must list");
    p.put("watcher.minio.buckets", "drone-uploads");
    io.micronaut.context.ApplicationContext.run(p).close();
  }

  @Test
  void missingOrWrongTokenIs401AndNothingIsCreated() {
    String folder = "unauthorized/";
    world.uploadImages(folder, 2);
    world.putManifest(folder, "{}");
    String body = manifestUploaded(folder);

    for (String authorization :
        new String[] {null, "", "Bearer", "Bearer ", "Bearer wrong", "Bearer " + TOKEN + "x", "Basic " + TOKEN, TOKEN}) {
      HttpAnswer answer = post(body, authorization);
      assertThat(answer.status()).as("Authorization: %s", authorization).isEqualTo(401);
      assertThat(answer.body().path("status").asText()).isEqualTo("unauthorized");
    }
    assertThat(world.status(folder)).isEmpty();
    assertThat(workflowsIn(folder)).isEmpty();

    // The same body with the token goes through; the scheme is case-insensitive, as in HTTP.
    assertThat(post(body, "bearer " + TOKEN).status()).isEqualTo(200);
    assertThat(workflowsIn(folder)).hasSize(1);
  }

  @Test
  void kubernetesDownIs503AndNothingWrittenThenTheResentEventMakesOneWorkflow() {
    String folder = "outage/";
    world.uploadImages(folder, 2);
    world.putManifest(folder, "{}");
    String body = manifestUploaded(folder);

    world.servers.stopKubernetes();
    HttpAnswer during;
    try {
      during = post(body, "Bearer " + TOKEN);
    } finally {
      world.servers.startKubernetes();
    }
    assertThat(during.status()).isEqualTo(503);
    assertThat(during.body().path("status").asText()).isEqualTo("retry");
    assertThat(world.status(folder)).isEmpty();
    assertThat(workflowsIn(folder)).isEmpty();

    // MinIO resends the event from its queue_dir once the watcher answered non-2xx.
    HttpAnswer after = post(body, "Bearer " + TOKEN);
    assertThat(after.status()).isEqualTo(200);
    assertThat(world.status(folder).orElseThrow().path("state").asText()).isEqualTo("submitted");
    assertThat(workflowsIn(folder)).hasSize(1);
  }

  @Test
  void malformedBodiesAre400WithAJsonError() {
    for (String body : new String[] {"{\"EventName\":\"s3:ObjectCreated:Put\",", "not json", "[]", "{\"EventName\":\"x\"}"}) {
      HttpAnswer answer = post(body, "Bearer " + TOKEN);
      assertThat(answer.status()).as(body).isEqualTo(400);
      assertThat(answer.body().path("status").asText()).isEqualTo("malformed");
      assertThat(answer.body().path("message").asText()).isNotBlank();
    }
  }

  @Test
  void bodyOverTheLimitIs413WithAJsonError() {
    String folder = "big/";
    String body = Notifications.minioCreated(world.bucket, folder + "odm.json", 10, "e").replace(
        "\"userMetadata\":{", "\"userMetadata\":{\"x-amz-meta-padding\":\"" + "x".repeat(9000) + "\",");
    HttpAnswer answer = post(body, "Bearer " + TOKEN);
    assertThat(answer.status()).isEqualTo(413);
    assertThat(answer.body().path("status").asText()).isEqualTo("too-large");
    assertThat(world.status(folder)).isEmpty();
  }

  @Test
  void removalEventsAreAcknowledgedWithoutWork() {
    HttpAnswer answer =
        post(new String(Notifications.golden("minio-delete.json").toString()), "Bearer " + TOKEN);
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body().path("outcomes")).isEmpty();
  }

  @Test
  void headIsMinioLivenessProbeAndAnswers200() {
    HttpResponse<?> response = http.toBlocking().exchange(HttpRequest.HEAD(PATH));
    assertThat(response.code()).isEqualTo(200);
  }
}
