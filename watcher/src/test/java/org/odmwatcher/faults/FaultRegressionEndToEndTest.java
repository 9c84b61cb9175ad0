package org.odmwatcher.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.testing.HttpAnswer;
import org.odmwatcher.testing.Notifications;
import org.odmwatcher.testing.PipelineFixture;

/**
 * The three defects the fault suite found (issue 16), through the real entry points — SQS, the
 * MinIO webhook, the bucket sweep — against ElasticMQ, S3Proxy and the Kubernetes mock, plus
 * readiness during a Kubernetes API outage.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FaultRegressionEndToEndTest implements TestPropertyProvider {
  private static final String PATH = "/events/minio";
  private static final String DEEP = "[".repeat(5000) + "]".repeat(5000);

  private final PipelineFixture world = new PipelineFixture("regress", "odm-regress");
  private final List<Throwable> uncaught = new CopyOnWriteArrayList<>();
  private Thread.UncaughtExceptionHandler previous;

  @Inject
  @Client("/")
  HttpClient http;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> p = world.properties();
    p.put("watcher.minio.enabled", "true");
    p.put("watcher.minio.allow-anonymous", "true"); // the webhook's token is not what these tests are about
    p.put("watcher.minio.buckets", world.bucket);
    p.put("watcher.sweep.enabled", "true");
    p.put("watcher.sweep.buckets", world.bucket);
    p.put("watcher.sweep.prefixes", "swept/");
    p.put("watcher.sweep.interval", "1s");
    p.put("micronaut.http.client.read-timeout", "60s");
    return p;
  }

  @BeforeAll
  void catchEscapes() {
    previous = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((thread, e) -> uncaught.add(e));
  }

  @AfterAll
  void close() {
    Thread.setDefaultUncaughtExceptionHandler(previous);
    world.close();
  }

  private HttpAnswer webhook(String body) {
    return HttpAnswer.exchange(http, HttpRequest.POST(PATH, body).contentType(MediaType.APPLICATION_JSON_TYPE));
  }

  private String eventBridge(String bucket, String key) {
    return Notifications.eventBridgeCreated(bucket, key, 10, "0123456789abcdef0123456789abcdef");
  }

  private List<String> deadBodies() {
    return world.sqs.receiveMessage(b -> b.queueUrl(world.dlqUrl).maxNumberOfMessages(10).visibilityTimeout(0))
        .messages().stream().map(m -> m.body()).toList();
  }

  @Test
  void eventBridgeBodiesWithBlankBucketOrKeyGoToTheDeadLetterQueueWithoutKillingAWorker() {
    String good = "eb-good/";
    world.uploadImages(good, 1);
    world.putManifest(good, "{}");
    List<String> poison = List.of(eventBridge(world.bucket, " "), eventBridge(" ", "eb-good/odm.json"), eventBridge("\t", "\n"));
    poison.forEach(world::send);
    var head = world.s3.headObject(b -> b.bucket(world.bucket).key(good + "odm.json"));
    world.send(Notifications.eventBridgeCreated(world.bucket, good + "odm.json", head.contentLength(), head.eTag().replace("\"", "")));

    world.awaitState(good, "submitted");
    await().atMost(Duration.ofSeconds(40)).until(() -> world.depth(world.dlqUrl) == poison.size() && world.depth(world.queueUrl) == 0);
    assertThat(deadBodies()).containsExactlyInAnyOrderElementsOf(poison);
    assertThat(uncaught).isEmpty();
  }

  @Test
  void deeplyNestedManifestEndsInvalidWithItsReasonThroughSqsWebhookAndSweep() {
    String options = "{\"options\": " + DEEP + "}";
    world.uploadImages("deep-sqs/", 1);
    world.putManifest("deep-sqs/", options);
    world.uploadImages("deep-hook/", 1);
    world.putManifest("deep-hook/", DEEP);
    world.uploadImages("swept/deep/", 1);
    world.putManifest("swept/deep/", options);

    world.notifyCreated("deep-sqs/odm.json");
    var head = world.s3.headObject(b -> b.bucket(world.bucket).key("deep-hook/odm.json"));
    HttpAnswer answer = webhook(Notifications.minioCreated(world.bucket, "deep-hook/odm.json", head.contentLength(),
        head.eTag().replace("\"", "")));

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body().path("outcomes").toString()).isEqualTo("[\"invalid\"]");
    for (String folder : List.of("deep-sqs/", "deep-hook/", "swept/deep/")) {
      JsonNode status = world.awaitState(folder, "invalid");
      assertThat(status.path("errors").toString()).as(folder).contains("too deeply nested");
      assertThat(world.workflowsFor(status.path("jobId").asText())).isEmpty();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> world.depth(world.queueUrl) == 0);
  }

  @Test
  void keysThatAStoreResolvesToAnotherFolderAreRefusedBeforeAnyWrite() throws Exception {
    String folder = "fz/valid-0/";
    world.uploadImages(folder, 2);
    world.putManifest(folder, "{}");
    world.notifyCreated(folder + "odm.json");
    world.awaitState(folder, "submitted");
    byte[] before = world.s3.getObjectAsBytes(b -> b.bucket(world.bucket).key(folder + "status.json")).asByteArray();

    List<String> aliases = List.of("fz/valid-0/./odm.json", "/fz/valid-0/odm.json", "fz//valid-0/odm.json", "fz/x/../valid-0/odm.json",
        "fz/valid-0/" + "x".repeat(1100) + "/odm.json"); // over S3's 1,024-byte key limit
    for (String alias : aliases) {
      world.send(Notifications.objectCreated(world.bucket, alias, 2, "0123456789abcdef0123456789abcdef"));
      world.send(eventBridge(world.bucket, alias));
      HttpAnswer answer = webhook(Notifications.minioCreated(world.bucket, alias, 2, "0123456789abcdef0123456789abcdef"));
      assertThat(answer.status()).as(alias).isEqualTo(200);
      assertThat(answer.body().path("outcomes").toString()).as(alias).isEqualTo("[\"refused\"]");
    }

    // Refused events are final: acknowledged, not left for the DLQ.
    await().atMost(Duration.ofSeconds(20)).until(() -> world.depth(world.queueUrl) == 0);
    assertThat(deadBodies()).noneMatch(body -> body.contains("valid-0"));
    byte[] after = world.s3.getObjectAsBytes(b -> b.bucket(world.bucket).key(folder + "status.json")).asByteArray();
    assertThat(new String(after, java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo(new String(before, java.nio.charset.StandardCharsets.UTF_8));
    assertThat(world.s3.listObjectsV2(b -> b.bucket(world.bucket).prefix("fz/")).contents())
        .extracting(o -> o.key())
        .filteredOn(k -> k.endsWith("status.json"))
        .containsExactly(folder + "status.json");
  }

  @Test
  void readinessGoesDownWhileTheKubernetesApiIsAwayAndUpWhenItIsBack() {
    await().atMost(Duration.ofSeconds(30)).until(() -> readiness() == 200);
    world.servers.stopKubernetes();
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> readiness() == 503);
      assertThat(liveness()).isEqualTo(200);
    } finally {
      world.servers.startKubernetes();
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> readiness() == 200);
  }

  private int readiness() {
    return status("/health/readiness");
  }

  private int liveness() {
    return status("/health/liveness");
  }

  private int status(String path) {
    try {
      return http.toBlocking().exchange(HttpRequest.GET(path), String.class).code();
    } catch (HttpClientResponseException e) {
      return e.code();
    }
  }
}
