package org.odmwatcher.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.testing.PipelineFixture;

/** NodeODM's token auth: every route wants {@code ?token=}; a wrong one is a 200 {@code {"error"}}. */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeOdmTokenTest implements TestPropertyProvider {
  private final PipelineFixture world = new PipelineFixture("api-token");

  @Inject EmbeddedServer server;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> p = new LinkedHashMap<>(world.apiProperties());
    p.put("watcher.api.token", "s3cret");
    return p;
  }

  @AfterAll
  void close() {
    world.close();
  }

  @Test
  void wrongOrMissingTokenIsAnErrorAndTheRightOneWorks() throws Exception {
    String expected = "Invalid authentication token: token does not match.";
    for (String token : List.of("", "s3creT", "s3cret-and-more")) {
      NodeOdmClient node = new NodeOdmClient(server.getURI(), token);
      assertThat(node.get("/info").path("error").asText()).isEqualTo(expected);
      assertThat(node.get("/task/list").path("error").asText()).isEqualTo(expected);
      assertThat(node.postMultipart("/task/new/init", Map.of(), Map.of("name", "x"), List.of()).path("error").asText())
          .isEqualTo(expected);
    }
    NodeOdmClient node = new NodeOdmClient(server.getURI(), "s3cret");
    assertThat(node.get("/info").path("version").asText()).isEqualTo("2.2.1");
    String uuid = node.postMultipart("/task/new/init", Map.of(), Map.of("name", "x"), List.of()).path("uuid").asText();
    assertThat(node.get("/task/list").findValuesAsText("uuid")).contains(uuid);
  }

  /** Review finding 6: {@code /info/} and {@code /options/} answered without a token. */
  @Test
  void everyRouteSpellingButHealthAndMetricsNeedsTheToken() throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String uuid = new NodeOdmClient(server.getURI(), "s3cret")
        .postMultipart("/task/new/init", Map.of(), Map.of("name", "x"), List.of()).path("uuid").asText();
    for (String path : List.of("/info", "/info/", "/options/", "/options//", "//info", "/%69nfo", "/info%2F",
        "/task/list/", "/task//list", "/task/" + uuid + "/info/", "/task/" + uuid + "/output/", "/task/%6Cist",
        "/info;x=1", "/nothing-here")) {
      HttpResponse<String> answer = http.send(
          HttpRequest.newBuilder(java.net.URI.create(server.getURI() + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(answer.body()).as(path).contains("Invalid authentication token").doesNotContain("\"version\"")
          .doesNotContain("\"name\":\"x\"").doesNotContain("\"help\"");
    }
    HttpResponse<String> health = http.send(
        HttpRequest.newBuilder(server.getURI().resolve("/health")).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).contains("UP");
  }

  /**
   * The dashboard shares the server and the token: its page and sign-in are public, its feed wants
   * the token as a Bearer header (or the sign-in cookie), whatever spelling of the path routes to it.
   */
  @Test
  void theDashboardPageIsPublicAndItsFeedWantsTheSameTokenUnderEverySpelling() throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> page = http.send(
        HttpRequest.newBuilder(server.getURI().resolve("/")).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("<html").doesNotContain("Invalid authentication token");
    for (String path : List.of("/jobs", "/jobs/", "/%6Aobs", "//jobs", "/job?bucket=b&folder=f", "/job/output?bucket=b&folder=f&key=k")) {
      HttpResponse<String> anonymous = http.send(
          HttpRequest.newBuilder(java.net.URI.create(server.getURI() + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(anonymous.body()).as(path).doesNotContain("\"jobs\"").doesNotContain("\"total\"");
      assertThat(anonymous.statusCode() == 401 || anonymous.body().contains("Invalid authentication token")).as(path).isTrue();
    }
    HttpResponse<String> signedIn = http.send(
        HttpRequest.newBuilder(server.getURI().resolve("/jobs")).header("Authorization", "Bearer s3cret").GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(signedIn.statusCode()).isEqualTo(200);
    assertThat(signedIn.body()).contains("\"jobs\"");
  }

  /** Review finding 3: every answer carried {@code Access-Control-Allow-Origin: *}. */
  @Test
  void noCrossOriginAccessByDefault() throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> answer = http.send(
        HttpRequest.newBuilder(server.getURI().resolve("/task/remove?token=s3cret"))
            .header("Origin", "https://evil.example")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString("uuid=00000000-0000-4000-8000-000000000000")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(answer.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    HttpResponse<String> info = http.send(
        HttpRequest.newBuilder(server.getURI().resolve("/info?token=s3cret")).header("Origin", "https://evil.example").build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(info.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    HttpResponse<String> plain = http.send(
        HttpRequest.newBuilder(server.getURI().resolve("/info?token=s3cret")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(plain.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    HttpResponse<String> wrong = http.send(
        HttpRequest.newBuilder(server.getURI().resolve("/info?token=wrong")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(wrong.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
  }

  /** Review finding 3: with no token every route was open. */
  @Test
  void apiWithoutTokenRefusesToStartUnlessAnonymousIsExplicit() {
    Map<String, Object> p = new LinkedHashMap<>(world.apiProperties());
    p.remove("watcher.api.allow-anonymous");
    p.put("watcher.argo.watch", "false");
    p.put("watcher.sqs.enabled", "false");
    assertThatThrownBy(() -> ApplicationContext.run(p).close())
        .hasStackTraceContaining("watcher.api.token must be set")
        .hasStackTraceContaining("watcher.api.allow-anonymous");
    p.put("watcher.api.allow-anonymous", "true");
    ApplicationContext.run(p).close();
  }
}
