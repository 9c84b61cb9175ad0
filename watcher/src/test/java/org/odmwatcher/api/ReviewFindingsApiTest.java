package org.odmwatcher.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.argo.TestArgo;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Findings 1, 2, 5 and 9 of the security review (issue 13) sent through the NodeODM API over HTTP,
 * as the review sent them. Only 127.0.0.1/32 is allowed for webhooks here (the receivers below
 * listen there); every other internal address must be refused.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReviewFindingsApiTest implements TestPropertyProvider {
  private static final String TOKEN = "review-token";
  private final PipelineFixture world = new PipelineFixture("api-review", "odm-api-review");
  private final List<HttpServer> receivers = new ArrayList<>();
  private final TestArgo argo = world.startArgo();

  @Inject EmbeddedServer server;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> p = new LinkedHashMap<>(world.apiProperties());
    p.remove("watcher.api.allow-anonymous");
    p.put("watcher.api.token", TOKEN);
    p.put("watcher.api.webhook-allowed-networks", "127.0.0.1/32");
    p.put("watcher.api.poll-interval", "200ms");
    p.put("watcher.api.webhook-backoff", "100ms");
    p.put("watcher.api.webhook-attempts", "2");
    p.put("watcher.api.upload-expiry", "4s");
    return p;
  }

  @AfterAll
  void close() {
    receivers.forEach(r -> r.stop(0));
    argo.close();
    world.close();
  }

  private NodeOdmClient node() {
    return new NodeOdmClient(server.getURI(), TOKEN);
  }

  /** Finding 1: any webhook URL was accepted (loopback, cluster, metadata addresses). */
  @Test
  void webhooksToInternalAddressesOrOtherSchemesAreRefused() throws Exception {
    for (String webhook : List.of("http://127.0.0.2:9/hook", "http://localhost.:1/x", "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/", "http://172.16.5.4/", "http://192.168.1.1/", "http://100.64.0.1/", "http://[::1]:9/",
        "http://[fd00:ec2::254]/", "http://[::ffff:169.254.169.254]/", "http://0.0.0.0:8080/", "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_INFO", "ftp://127.0.0.1/")) {
      JsonNode answer = node().postMultipart("/task/new/init", Map.of(), Map.of("name", "x", "webhook", webhook), List.of());
      assertThat(answer.path("error").asText()).as(webhook).startsWith("Invalid webhook");
      assertThat(answer.has("uuid")).as(webhook).isFalse();
    }
  }

  /** Finding 1: a 307 re-POSTed the task JSON to the redirect target; userinfo and query were logged. */
  @Test
  void webhookRedirectsAreNotFollowedAndLogsHideUserInfoAndQuery() throws Exception {
    AtomicInteger stolen = new AtomicInteger();
    HttpServer target = receiver(exchange -> {
      stolen.incrementAndGet();
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    String targetUrl = "http://127.0.0.1:" + target.getAddress().getPort() + "/steal";
    AtomicInteger asked = new AtomicInteger();
    HttpServer redirector = receiver(exchange -> {
      exchange.getRequestBody().readAllBytes();
      asked.incrementAndGet();
      exchange.getResponseHeaders().add("Location", targetUrl);
      exchange.sendResponseHeaders(307, -1);
      exchange.close();
    });
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    ((Logger) LoggerFactory.getLogger(org.odmwatcher.notify.WebhookDeliverer.class)).addAppender(logs);
    try {
      String webhook = "http://alice:pa55word@127.0.0.1:" + redirector.getAddress().getPort() + "/hook?secret=q-s3cret";
      String uuid = succeededTask(webhook, Map.of("results/odm.log", "done\n"));
      await().atMost(Duration.ofSeconds(20)).until(() -> asked.get() >= 1);
      await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> stolen.get() == 0);
      assertThat(uuid).isNotBlank();
      await().atMost(Duration.ofSeconds(5)).until(() -> logs.list.stream().anyMatch(e -> e.getFormattedMessage().contains("redirect")));
      assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage)
          .noneMatch(m -> m.contains("pa55word") || m.contains("q-s3cret") || m.contains("alice"));
    } finally {
      ((Logger) LoggerFactory.getLogger(org.odmwatcher.notify.WebhookDeliverer.class)).detachAppender(logs);
    }
  }

  /** Finding 2, through the API: a path for cameras/boundary, any URL for sm-cluster. */
  @Test
  void pathOrJsonOptionsAndSmClusterAreRefusedAtInit() throws Exception {
    for (String options : List.of(
        "[{\"name\":\"cameras\",\"value\":\"/root/.docker/config.json\"}]",
        "[{\"name\":\"boundary\",\"value\":\"/var/run/secrets/kubernetes.io/serviceaccount/token\"}]",
        "[{\"name\":\"sm-cluster\",\"value\":\"http://169.254.169.254\"}]")) {
      JsonNode answer = node().postMultipart("/task/new/init", Map.of(), Map.of("options", options), List.of());
      assertThat(answer.path("error").asText()).as(options).matches(e -> e.contains("inline JSON only") || e.contains("cannot be set by a job"));
      assertThat(answer.has("uuid")).isFalse();
    }
    JsonNode inline = node().postMultipart("/task/new/init", Map.of(),
        Map.of("options", "[{\"name\":\"cameras\",\"value\":\"{\\\"c\\\": {\\\"focal\\\": 0.8}}\"}]"), List.of());
    assertThat(inline.path("uuid").asText()).isNotBlank();
  }

  /** Finding 5, through the API: {@code {{…}}} in option values and the task name. */
  @Test
  void templateTagsAreRefusedAtInit() throws Exception {
    JsonNode option = node().postMultipart("/task/new/init", Map.of(),
        Map.of("options", "[{\"name\":\"primary-band\",\"value\":\"{{=sprig.env('AWS_SECRET_ACCESS_KEY')}}\"}]"), List.of());
    assertThat(option.path("error").asText()).contains("template tag");
    JsonNode name = node().postMultipart("/task/new/init", Map.of(), Map.of("name", "{{workflow.name}}"), List.of());
    assertThat(name.path("error").asText()).contains("'{{' and '}}' are not allowed");
  }

  /** Finding 9: all.zip entries took result keys as they were ({@code ..\..\x}, leading /). */
  @Test
  void allZipEntriesNeverLeaveTheFolderTheyAreUnpackedIn() throws Exception {
    Map<String, String> results = new LinkedHashMap<>();
    results.put("results/odm.log", "done\n");
    results.put("results/..\\..\\evil.bat", "x");
    results.put("results/\\abs\\passwd", "x");
    results.put("results/C:\\Windows\\win.ini", "x");
    results.put("results/a\\..\\..\\up.txt", "x");
    String uuid = succeededTask(null, results);
    await().atMost(Duration.ofSeconds(20))
        .until(() -> node().get("/task/" + uuid + "/info").path("status").path("code").asInt() == 40);
    HttpResponse<byte[]> zip = node().download("/task/" + uuid + "/download/all.zip", null);
    List<String> names = new ArrayList<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip.body()))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        names.add(e.getName());
      }
    }
    // the rooted key becomes relative; the ones climbing out or naming a drive are left out
    assertThat(names).contains("abs/passwd", "odm.log")
        .noneMatch(n -> n.contains("..") || n.contains("\\") || n.contains(":") || n.startsWith("/"))
        .noneMatch(n -> n.endsWith("evil.bat") || n.endsWith("win.ini") || n.endsWith("up.txt"));
  }

  /** Defence in depth: tasks never committed expire (NodeODM's cleanup-uploads-after) instead of staying for ever. */
  @Test
  void uncommittedTasksExpireAndCommittedOnesStay() throws Exception {
    String abandoned = node().postMultipart("/task/new/init", Map.of(), Map.of("name", "abandoned"), List.of()).path("uuid").asText();
    node().postMultipart("/task/new/upload/" + abandoned, Map.of(), Map.of(),
        List.of(new NodeOdmClient.Part("images", "DJI_0001.JPG", new byte[] {(byte) 0xFF, (byte) 0xD8, 1})));
    String kept = succeededTask(null, Map.of());
    await().atMost(Duration.ofSeconds(20))
        .until(() -> !node().get("/task/list").findValuesAsText("uuid").contains(abandoned));
    assertThat(world.s3.listObjectsV2(b -> b.bucket(world.bucket).prefix("api-tasks/" + abandoned + "/")).contents()).isEmpty();
    assertThat(node().get("/task/list").findValuesAsText("uuid")).contains(kept);
    assertThat(node().get("/task/" + kept + "/info").path("uuid").asText()).isEqualTo(kept);
  }

  /**
   * A task with one image, committed and run by the test Argo to Succeeded, with these objects put
   * under its folder while its upload step runs (as a compromised or buggy step could write them).
   */
  private String succeededTask(String webhook, Map<String, String> results) throws Exception {
    String uuid = UUID.randomUUID().toString();
    Map<String, String> fields = new LinkedHashMap<>(Map.of("name", "review"));
    if (webhook != null) {
      fields.put("webhook", webhook);
    }
    JsonNode init = node().postMultipart("/task/new/init", Map.of("set-uuid", uuid), fields, List.of());
    assertThat(init.path("uuid").asText()).as(init.toString()).isEqualTo(uuid);
    node().postMultipart("/task/new/upload/" + uuid, Map.of(), Map.of(),
        List.of(new NodeOdmClient.Part("images", "DJI_0001.JPG", new byte[] {(byte) 0xFF, (byte) 0xD8, 1})));
    String folder = "api-tasks/" + uuid + "/";
    argo.hold(folder, "upload");
    node().postMultipart("/task/new/commit/" + uuid, Map.of(), Map.of(), List.of());
    world.awaitState(folder, "running");
    await().atMost(Duration.ofSeconds(60)).until(() -> world.status(folder).map(s -> s.path("stage").asText()).orElse(""), "upload"::equals);
    results.forEach((key, text) ->
        world.s3.putObject(b -> b.bucket(world.bucket).key(folder + key), RequestBody.fromString(text)));
    argo.release(folder, "upload");
    world.awaitState(folder, "succeeded");
    return uuid;
  }

  private HttpServer receiver(com.sun.net.httpserver.HttpHandler handler) throws Exception {
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/", handler);
    receiver.start();
    receivers.add(receiver);
    return receiver;
  }
}
