package org.odmwatcher.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.RawHttp;

/**
 * Issue 22, row 10: the dashboard's cookie was a fixed HMAC of the API token (the same for every
 * sign-in, alive after sign-out, never expiring) and {@code Secure} only when the request itself
 * came over TLS, never behind a TLS-terminating Ingress.
 */
class DashboardSessionTest {
  private static final String TOKEN = "session-test-token";

  @Test
  void aSessionDiesAtSignOutAndAfterItsTimeToLive() throws Exception {
    try (PipelineFixture world = new PipelineFixture("session")) {
      try (Server server = Server.start(world, Map.of("watcher.dashboard.session-ttl", "3s"))) {
        String first = cookieOf(server.signIn(Map.of()));
        assertThat(first).doesNotContain(TOKEN);
        assertThat(server.jobs(first)).isEqualTo(200);
        RawHttp.Answer out = server.post("/logout", Map.of("Cookie", "odm_dashboard=" + first), "");
        assertThat(out.status()).isEqualTo(204);
        assertThat(server.jobs(first)).as("the cookie of a signed-out session").isEqualTo(401);

        String second = cookieOf(server.signIn(Map.of()));
        assertThat(second).as("every sign-in gets its own session").isNotEqualTo(first);
        String other = cookieOf(server.signIn(Map.of()));
        server.post("/logout", Map.of("Cookie", "odm_dashboard=" + other), "");
        assertThat(server.jobs(second)).as("another session is not signed out with it").isEqualTo(200);

        RawHttp.Answer third = server.signIn(Map.of());
        assertThat(third.header("Set-Cookie")).contains("Max-Age=3").containsIgnoringCase("HttpOnly").contains("SameSite=Strict");
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
            .until(() -> server.jobs(cookieOf(third)) == 401);
        assertThat(server.jobs("0".repeat(64))).as("a made-up session").isEqualTo(401);
      }
    }
  }

  /** Replicas share no memory: a session signed with the token's key is good on each, until the token changes. */
  @Test
  void anotherReplicaWithTheSameTokenAcceptsTheSessionAndANewTokenEndsIt() throws Exception {
    try (PipelineFixture world = new PipelineFixture("session-replicas");
        Server one = Server.start(world, Map.of());
        Server two = Server.start(world, Map.of());
        Server rotated = Server.start(world, Map.of("watcher.api.token", "a-new-token"))) {
      String cookie = cookieOf(one.signIn(Map.of()));
      assertThat(two.jobs(cookie)).isEqualTo(200);
      assertThat(rotated.jobs(cookie)).isEqualTo(401);
    }
  }

  @Test
  void theCookieIsSecureWhenSetSoOrWhenATrustedProxySaysHttps() throws Exception {
    try (PipelineFixture world = new PipelineFixture("session-secure")) {
      try (Server behindIngress = Server.start(world, Map.of("watcher.dashboard.trusted-proxies", "127.0.0.0/8"))) {
        assertThat(behindIngress.signIn(Map.of("X-Forwarded-Proto", "https")).header("Set-Cookie")).contains("Secure");
        assertThat(behindIngress.signIn(Map.of()).header("Set-Cookie")).doesNotContain("Secure");
      }
      try (Server untrusted = Server.start(world, Map.of("watcher.dashboard.trusted-proxies", "10.0.0.0/8"))) {
        assertThat(untrusted.signIn(Map.of("X-Forwarded-Proto", "https")).header("Set-Cookie"))
            .as("X-Forwarded-Proto from a client that is not a trusted proxy").doesNotContain("Secure");
      }
      try (Server always = Server.start(world, Map.of("watcher.dashboard.secure-cookie", "always"))) {
        assertThat(always.signIn(Map.of()).header("Set-Cookie")).contains("Secure");
      }
    }
  }

  private static String cookieOf(RawHttp.Answer answer) {
    String header = answer.header("Set-Cookie");
    assertThat(header).startsWith("odm_dashboard=");
    return header.substring("odm_dashboard=".length(), header.indexOf(';'));
  }

  /** The watcher with the dashboard and the API token, on a free port. */
  private record Server(ApplicationContext context, URI base) implements AutoCloseable {
    static Server start(PipelineFixture world, Map<String, String> extra) {
      Map<String, Object> props = new HashMap<>(world.properties());
      props.put("watcher.sqs.enabled", "false");
      props.put("watcher.argo.watch", "false");
      props.put("watcher.api.enabled", "true");
      props.put("watcher.api.bucket", world.bucket);
      props.put("watcher.api.token", TOKEN);
      props.putAll(extra);
      EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, props);
      return new Server(server.getApplicationContext(), URI.create("http://127.0.0.1:" + server.getPort()));
    }

    RawHttp.Answer signIn(Map<String, String> headers) throws Exception {
      RawHttp.Answer answer = post("/login", headers, "token=" + TOKEN);
      assertThat(answer.status()).as(answer.body()).isEqualTo(204);
      return answer;
    }

    RawHttp.Answer post(String path, Map<String, String> headers, String form) throws Exception {
      Map<String, String> all = new LinkedHashMap<>(headers);
      all.put("Host", base.getAuthority());
      all.put("Content-Type", "application/x-www-form-urlencoded");
      return RawHttp.send(base, "POST", path, all, form.getBytes(StandardCharsets.UTF_8));
    }

    int jobs(String cookie) throws Exception {
      return RawHttp.get(base, "/jobs", Map.of("Host", base.getAuthority(), "Cookie", "odm_dashboard=" + cookie)).status();
    }

    @Override
    public void close() {
      context.close();
    }
  }
}
