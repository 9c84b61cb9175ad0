package org.odmwatcher.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odmwatcher.api.TokenFilter;
import org.slf4j.LoggerFactory;

/**
 * Local mode serves HTTP on the address its banner prints: the dashboard (listing the job a
 * sample upload starts), the NodeODM API WebODM adds as a processing node, and health.
 */
class LocalModeHttpTest {
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void theBannerPrintsOneAddressServingTheDashboardTheNodeOdmApiAndHealth(@TempDir Path data) throws Exception {
    try (LocalWorld world = LocalWorld.start(data, "test", Map.of())) {
      String url = world.mode.httpUrl();
      assertThat(world.mode.banner()).contains("dashboard:   " + url).contains("NodeODM API: " + url);

      HttpResponse<String> page = get(url);
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("<title>ODM Watcher").contains("assets/app.js");
      assertThat(get(url + "health").statusCode()).isEqualTo(200);
      JsonNode info = json.readTree(get(url + "info").body());
      assertThat(info.path("version").asText()).isNotEmpty(); // what WebODM reads when adding a node
      assertThat(info.has("maxImages")).isTrue();

      world.uploadSample("flight/");
      await().atMost(Duration.ofSeconds(60)).until(() -> json.readTree(get(url + "jobs").body()).path("jobs").toString(),
          jobs -> jobs.contains("\"folder\":\"flight/\"") && jobs.contains("\"state\":\"succeeded\""));
    }
  }

  /**
   * Issue 21 row 8: local mode's warning about an API without a token told the user to set
   * {@code watcher.api.token}, a setting local mode's user never sees; it names {@code --api-token}.
   */
  @Test
  void theNoTokenWarningNamesLocalModesFlag(@TempDir Path data) throws Exception {
    Logger filter = (Logger) LoggerFactory.getLogger(TokenFilter.class);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    filter.addAppender(logs);
    try (LocalWorld world = LocalWorld.start(data, "test", Map.of())) {
      assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage)
          .anySatisfy(m -> assertThat(m).contains("WITHOUT authentication").contains("--api-token"))
          .noneSatisfy(m -> assertThat(m).contains("watcher.api."));
    } finally {
      filter.detachAppender(logs);
    }
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
