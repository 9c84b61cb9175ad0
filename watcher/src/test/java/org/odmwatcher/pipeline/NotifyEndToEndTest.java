package org.odmwatcher.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.WebhookReceiver;
import org.odmwatcher.testing.argo.TestArgo;

/**
 * The manifest's {@code notify} targets, end to end: jobs run by the test Argo, a webhook receiver
 * on loopback that verifies the Standard Webhooks signature ({@link WebhookReceiver}), a Slack
 * receiver (the same server: Slack's incoming webhook is a POST of JSON) whose payload is checked
 * against Slack's documented shape, and GreenMail, a real SMTP server in-process.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NotifyEndToEndTest implements TestPropertyProvider {
  /** Standard Webhooks' own example secret (spec/standard-webhooks.md). */
  static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  private static final Duration PATIENCE = Duration.ofSeconds(120);

  private final PipelineFixture world = new PipelineFixture("notify-e2e", "notify-e2e");
  private final WebhookReceiver receiver = new WebhookReceiver(SECRET);
  private final GreenMail smtp = started();

  private static GreenMail started() {
    GreenMail mail = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
    mail.start();
    return mail;
  }

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> p = world.properties();
    p.put("watcher.notify.signing-key", SECRET);
    p.put("watcher.notify.allowed-networks", "127.0.0.0/8"); // the receivers listen on loopback
    p.put("watcher.notify.backoff-initial", "200ms");
    p.put("watcher.notify.backoff-max", "1s");
    p.put("watcher.notify.dashboard-url", "https://odm.example.org/");
    p.put("watcher.notify.smtp-host", "127.0.0.1");
    p.put("watcher.notify.smtp-port", Integer.toString(smtp.getSmtp().getPort()));
    p.put("watcher.notify.smtp-security", "none");
    p.put("watcher.notify.smtp-from", "odm@example.org");
    return p;
  }

  @AfterAll
  void close() {
    receiver.close();
    smtp.stop();
    world.close();
  }

  private String notifyAll(String name, String events) {
    return "{\"name\": \"" + name + "\", \"options\": {\"dsm\": true}, \"notify\": ["
        + "{\"kind\": \"webhook\", \"url\": \"" + receiver.url("/hook/" + name) + "\"" + events + "},"
        + "{\"kind\": \"slack\", \"url\": \"" + receiver.url("/slack/" + name) + "\"" + events + "},"
        + "{\"kind\": \"email\", \"to\": [\"" + name + "@example.org\"]" + events + "}]}";
  }

  private void run(String folder, String manifest) {
    world.uploadImages(folder, 3);
    world.putManifest(folder, manifest);
    world.notifyCreated(folder + "odm.json");
  }

  private JsonNode awaitDelivered(String folder, int count) {
    return await().atMost(PATIENCE).until(() -> world.status(folder).orElse(null), s -> {
      if (s == null) {
        return false;
      }
      int delivered = 0;
      for (JsonNode n : s.path("notifications")) {
        delivered += n.path("outcome").asText().equals("delivered") ? 1 : 0;
      }
      return delivered == count;
    });
  }

  @Test
  void aSucceededJobIsToldToASignedWebhookToSlackAndByMail() throws Exception {
    String folder = "farm-a/flight-1/";
    try (TestArgo argo = world.startArgo()) {
      run(folder, notifyAll("flight1", ""));
      JsonNode status = awaitDelivered(folder, 3);
      assertThat(status.path("state").asText()).isEqualTo("succeeded");
      String jobId = status.path("jobId").asText();
      String id = "odmw_" + jobId + "_succeeded";

      // The webhook: signed, its id in the header and the body, the job in the body.
      List<WebhookReceiver.Received> hooks = receiver.received("/hook/flight1");
      assertThat(hooks).hasSize(1);
      WebhookReceiver.Received hook = hooks.get(0);
      assertThat(hook.signatureValid()).as("Standard Webhooks signature").isTrue();
      assertThat(hook.header("webhook-id")).isEqualTo(id);
      assertThat(hook.header("content-type")).startsWith("application/json");
      JsonNode body = hook.json();
      assertThat(body.path("id").asText()).isEqualTo(id);
      assertThat(body.path("type").asText()).isEqualTo("job.succeeded");
      JsonNode data = body.path("data");
      assertThat(data.path("bucket").asText()).isEqualTo(world.bucket);
      assertThat(data.path("folder").asText()).isEqualTo(folder);
      assertThat(data.path("jobId").asText()).isEqualTo(jobId);
      assertThat(data.path("state").asText()).isEqualTo("succeeded");
      assertThat(data.path("durationSeconds").asLong()).isGreaterThanOrEqualTo(0);
      assertThat(data.path("outputs").size()).isEqualTo(status.path("outputs").size()).isPositive();
      assertThat(data.path("mainOutputs")).extracting(JsonNode::asText).isNotEmpty()
          .allMatch(k -> k.startsWith(folder + "results/"));
      assertThat(data.path("links").path("dashboard").asText())
          .isEqualTo("https://odm.example.org/#job=" + java.net.URLEncoder.encode(world.bucket + "/" + folder,
              java.nio.charset.StandardCharsets.UTF_8));

      // Slack: the incoming-webhook message, text + blocks as api.slack.com/messaging/webhooks documents.
      List<WebhookReceiver.Received> slacks = receiver.received("/slack/flight1");
      assertThat(slacks).hasSize(1);
      assertSlackShape(slacks.get(0).json());
      assertThat(slacks.get(0).json().toString()).contains(folder).contains("succeeded");

      // E-mail: one multipart/alternative message, plain text then HTML, with the dashboard link.
      assertThat(smtp.waitForIncomingEmail(30_000, 1)).isTrue();
      MimeMessage mail = only(smtp.getReceivedMessages(), "flight1@example.org");
      assertThat(mail.getSubject()).contains("flight1").contains("succeeded");
      assertThat(mail.getHeader("X-ODM-Watcher-Id")[0]).isEqualTo(id);
      Multipart parts = (Multipart) mail.getContent();
      assertThat(parts.getContentType()).startsWith("multipart/alternative");
      assertThat(parts.getCount()).isEqualTo(2);
      assertThat(parts.getBodyPart(0).getContentType()).startsWith("text/plain");
      assertThat(parts.getBodyPart(1).getContentType()).startsWith("text/html");
      assertThat((String) parts.getBodyPart(0).getContent()).contains("https://odm.example.org/#job=")
          .contains("s3://" + world.bucket + "/" + folder + "results/");
      assertThat((String) parts.getBodyPart(1).getContent()).contains("<a href=\"https://odm.example.org/#job=");

      // status.json records each delivery once.
      assertThat(status.path("notifications")).hasSize(3).allSatisfy(n -> {
        assertThat(n.path("event").asText()).isEqualTo("succeeded");
        assertThat(n.path("id").asText()).isEqualTo(id);
        assertThat(n.path("attempts").asInt()).isEqualTo(1);
        assertThat(n.path("deliveredAt").isTextual()).isTrue();
      });
      // Nothing more is sent for this state later (progress writes, the informer's resyncs).
      await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
          .until(() -> receiver.received("/hook/flight1").size() == 1);
    }
  }

  /** Issue 24 row 4 with rows 1-3: a defaults file above the folder names the target; the manifest names none. */
  @Test
  void aTargetSetInADefaultsFileIsToldToo() {
    String folder = "farm-d/field-1/flight-1/";
    world.s3.putObject(b -> b.bucket(world.bucket).key("farm-d/odm.defaults.json"),
        software.amazon.awssdk.core.sync.RequestBody.fromString("{\"notify\": [{\"kind\": \"webhook\", \"url\": \""
            + receiver.url("/hook/farm-d") + "\"}]}"));
    try (TestArgo argo = world.startArgo()) {
      run(folder, "{\"name\": \"flight d1\"}");
      JsonNode status = awaitDelivered(folder, 1);
      assertThat(status.path("defaults").path("origins").path("/notify").path("key").asText()).isEqualTo("farm-d/odm.defaults.json");
      List<WebhookReceiver.Received> hooks = receiver.received("/hook/farm-d");
      assertThat(hooks).hasSize(1);
      assertThat(hooks.get(0).signatureValid()).isTrue();
      assertThat(hooks.get(0).json().path("data").path("folder").asText()).isEqualTo(folder);
    }
  }

  @Test
  void aFailingReceiverIsTriedAgainWithTheSameIdUntilItTakesIt() {
    String folder = "farm-a/flight-2/";
    receiver.failNext(3, 503);
    try (TestArgo argo = world.startArgo()) {
      run(folder, "{\"name\": \"flight2\", \"notify\": [{\"kind\": \"webhook\", \"url\": \""
          + receiver.url("/hook/flight2") + "\"}]}");
      JsonNode status = awaitDelivered(folder, 1);
      List<WebhookReceiver.Received> hooks = receiver.received("/hook/flight2");
      assertThat(hooks).extracting(WebhookReceiver.Received::answered).containsExactly(503, 503, 503, 200);
      assertThat(hooks).extracting(h -> h.header("webhook-id")).containsOnly(hooks.get(0).header("webhook-id"));
      assertThat(hooks).allMatch(WebhookReceiver.Received::signatureValid);
      JsonNode delivery = status.path("notifications").get(0);
      assertThat(delivery.path("attempts").asInt()).isEqualTo(4);
      assertThat(delivery.path("lastError").isMissingNode()).isTrue();
    }
  }

  @Test
  void runningIsToldWhenAskedAndAFailedJobSaysWhy() {
    String folder = "farm-a/flight-3/";
    try (TestArgo argo = world.startArgo()) {
      argo.failOdmNext(folder, 1);
      run(folder, "{\"name\": \"flight3\", \"notify\": [{\"kind\": \"webhook\", \"url\": \""
          + receiver.url("/hook/flight3") + "\", \"events\": [\"running\", \"failed\"]},"
          + "{\"kind\": \"slack\", \"url\": \"" + receiver.url("/slack/flight3") + "\"}]}");
      awaitDelivered(folder, 3);
      assertThat(receiver.received("/hook/flight3")).extracting(h -> h.json().path("type").asText())
          .containsExactly("job.running", "job.failed");
      JsonNode slack = receiver.received("/slack/flight3").get(0).json();
      assertSlackShape(slack);
      assertThat(slack.path("text").asText()).contains("failed");
      assertThat(slack.path("blocks").toString()).contains("*Why*");
    }
  }

  @Test
  void anInvalidManifestIsToldWithItsReasonsAndABadAddressMakesTheManifestInvalid() {
    String refused = "farm-b/refused/";
    world.uploadImages(refused, 1);
    world.putManifest(refused, "{\"options\": {\"no-such-option\": 1}, \"notify\": [{\"kind\": \"webhook\", \"url\": \""
        + receiver.url("/hook/refused") + "\"}]}");
    world.notifyCreated(refused + "odm.json");
    awaitDelivered(refused, 1);
    JsonNode body = receiver.received("/hook/refused").get(0).json();
    assertThat(body.path("type").asText()).isEqualTo("job.invalid");
    assertThat(body.path("data").path("errors").toString()).contains("no-such-option");

    String bad = "farm-b/bad-address/";
    world.uploadImages(bad, 1);
    world.putManifest(bad, "{\"notify\": [{\"kind\": \"email\", \"to\": [\"not an address\"]},"
        + " {\"kind\": \"slack\", \"url\": \"ftp://hooks.example.org/x\"}, {\"kind\": \"pager\"}]}");
    world.notifyCreated(bad + "odm.json");
    JsonNode status = world.awaitState(bad, "invalid");
    assertThat(status.path("errors")).extracting(JsonNode::asText).anyMatch(e -> e.startsWith("notify[0].to:"))
        .anyMatch(e -> e.startsWith("notify[1].url must be an http or https URL"))
        .anyMatch(e -> e.startsWith("notify[2].kind must be one of webhook, slack, email"));
    assertThat(status.path("notifications").isMissingNode()).isTrue();
  }

  /**
   * Slack's documented incoming-webhook payload (api.slack.com/messaging/webhooks, Block Kit
   * reference): {@code text} (the notification's fallback) and {@code blocks}, each block a known
   * type; a header's text plain_text of at most 150 characters; section text or fields mrkdwn,
   * at most 10 fields of at most 2000 characters; a context block's elements.
   */
  static void assertSlackShape(JsonNode message) {
    assertThat(message.path("text").isTextual()).isTrue();
    assertThat(message.path("text").asText()).isNotBlank();
    assertThat(message.path("blocks").isArray()).isTrue();
    List<String> types = new ArrayList<>();
    for (JsonNode block : message.path("blocks")) {
      String type = block.path("type").asText();
      types.add(type);
      switch (type) {
        case "header" -> {
          assertThat(block.path("text").path("type").asText()).isEqualTo("plain_text");
          assertThat(block.path("text").path("text").asText().length()).isBetween(1, 150);
        }
        case "section" -> {
          assertThat(block.has("text") || block.has("fields")).isTrue();
          if (block.has("text")) {
            assertThat(block.path("text").path("type").asText()).isEqualTo("mrkdwn");
            assertThat(block.path("text").path("text").asText().length()).isBetween(1, 3000);
          }
          if (block.has("fields")) {
            assertThat(block.path("fields").size()).isBetween(1, 10);
            block.path("fields").forEach(f -> {
              assertThat(f.path("type").asText()).isEqualTo("mrkdwn");
              assertThat(f.path("text").asText().length()).isBetween(1, 2000);
            });
          }
        }
        case "context" -> {
          assertThat(block.path("elements").size()).isBetween(1, 10);
          block.path("elements").forEach(e -> assertThat(e.path("type").asText()).isIn("mrkdwn", "plain_text", "image"));
        }
        default -> throw new AssertionError("block type " + type + " is not one this message should use");
      }
    }
    assertThat(types).startsWith("header").contains("section");
  }

  private static MimeMessage only(MimeMessage[] messages, String to) throws Exception {
    List<MimeMessage> matching = new ArrayList<>();
    for (MimeMessage m : messages) {
      if (m.getAllRecipients()[0].toString().equals(to)) {
        matching.add(m);
      }
    }
    assertThat(matching).hasSize(1);
    return matching.get(0);
  }
}
