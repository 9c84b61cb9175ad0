package org.odmwatcher.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.odmwatcher.api.dto.TaskInfo;
import org.odmwatcher.notify.WebhookDeliverer;
import org.odmwatcher.notify.WebhookSigner;
import org.odmwatcher.notify.WebhookTargets;
import org.odmwatcher.retry.BackoffCalculator;
import org.odmwatcher.retry.RetryPolicy;

/**
 * DNS rebinding (issue 22, row 9): the webhook's host is resolved once per attempt, every address
 * checked, and the connection goes to exactly the address that was checked — never to what a
 * second lookup (the HTTP client's own) answers. The name service here is a stand-in that answers
 * differently from the second question on, as a rebinding DNS server does (TTL 0).
 */
class WebhookRebindingTest {
  private static final TaskInfo INFO =
      new TaskInfo("task-1", "t", 0, 0, new TaskInfo.Status(TaskInfo.COMPLETED, null), null, 1, 100, null);

  private final List<String> hostsSeen = new CopyOnWriteArrayList<>();
  private HttpServer receiver;

  @BeforeEach
  void startReceiver() throws Exception {
    receiver = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
    receiver.createContext("/hook", exchange -> {
      exchange.getRequestBody().readAllBytes();
      hostsSeen.add(exchange.getRequestHeaders().getFirst("Host"));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    receiver.start();
  }

  @AfterEach
  void stopReceiver() {
    receiver.stop(0);
  }

  /** A lookup answering {@code first} once and {@code later} from then on, counting questions. */
  private static WebhookTargets.NameLookup rebinding(String first, String later, AtomicInteger asked) {
    return host -> {
      String answer = asked.incrementAndGet() == 1 ? first : later;
      return new InetAddress[] {InetAddress.getByAddress(host, InetAddress.getByName(answer).getAddress())};
    };
  }

  private static Webhooks webhooks(WebhookTargets targets) {
    RetryPolicy policy = new RetryPolicy(Duration.ofMillis(10), 2.0, Duration.ofMillis(100), 0.0);
    return new Webhooks(new ObjectMapper(), 1, new BackoffCalculator(policy, RandomGenerator.getDefault()),
        new WebhookDeliverer(targets, WebhookSigner.of(null), Duration.ofSeconds(10), Duration.ofSeconds(30), 2,
            java.time.Clock.systemUTC()));
  }

  @Test
  void aNameCheckedPublicIsNeverPostedToTheLoopbackItRebindsTo() throws Exception {
    AtomicInteger asked = new AtomicInteger();
    // "localhost": the JVM's own resolver says 127.0.0.1, where the receiver listens; the checked answer is public
    WebhookTargets targets = new WebhookTargets(List.of(), rebinding("192.0.2.10", "127.0.0.1", asked));
    try (Webhooks webhooks = webhooks(targets)) {
      boolean delivered = webhooks.deliver("http://localhost:" + receiver.getAddress().getPort() + "/hook", INFO, () -> {})
          .get(60, TimeUnit.SECONDS);
      assertThat(hostsSeen).as("requests the loopback receiver got (delivered=%s)", delivered).isEmpty();
      assertThat(delivered).isFalse();
      assertThat(asked.get()).as("lookups for one attempt").isEqualTo(1);
    }
  }

  @Test
  void theConnectionGoesToTheCheckedAddressWithTheNameAsHost() throws Exception {
    AtomicInteger asked = new AtomicInteger();
    // only the lookup knows this name: 127.0.0.1 (allowed here) first, then 127.0.0.2 (internal, refused)
    WebhookTargets targets = new WebhookTargets(List.of("127.0.0.1/32"), rebinding("127.0.0.1", "127.0.0.2", asked));
    String url = "http://hook.rebind.test:" + receiver.getAddress().getPort() + "/hook";
    try (Webhooks webhooks = webhooks(targets)) {
      boolean delivered = webhooks.deliver(url, INFO, () -> {}).get(60, TimeUnit.SECONDS);
      assertThat(delivered).as("delivered to the checked 127.0.0.1").isTrue();
      assertThat(hostsSeen).containsExactly("hook.rebind.test:" + receiver.getAddress().getPort());
      assertThat(asked.get()).as("lookups for one attempt").isEqualTo(1);
    }
  }

  @Test
  void unknownNamesStayRefused() {
    WebhookTargets targets = new WebhookTargets(List.of(), host -> {
      throw new UnknownHostException(host);
    });
    assertThat(targets.refusal("http://nowhere.test/hook")).contains("webhook host nowhere.test does not resolve");
  }
}
