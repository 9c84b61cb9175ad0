package org.odmwatcher.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.odmwatcher.config.DashboardConfig;
import org.odmwatcher.config.S3Config;

/**
 * What the page may reach (its Content-Security-Policy): its own origin and the store the map reads
 * through presigned links; a tile server only when the operator sets a base map.
 */
class MapPolicyTest {

  private static DashboardConfig dashboard(String baseMapUrl) {
    return new DashboardConfig(true, List.of(), "index.json", Duration.ofSeconds(5), Duration.ofMinutes(10), "redirect",
        Duration.ofMinutes(15), null, false, "dashboard/", Duration.ofHours(12), "auto", List.of(), baseMapUrl, null, 2, 65536, 4);
  }

  @Test
  void withoutABaseMapThePageReachesOnlyItselfAndTheStore() {
    String csp = DashboardController.contentSecurityPolicy(
        new S3Config("http://127.0.0.1:9000", "us-east-1", true, null, null, "auto"), dashboard(null));
    assertThat(csp).contains("connect-src 'self' http://127.0.0.1:9000;")
        .contains("img-src 'self' data: blob:;")
        .contains("worker-src 'self' blob:")
        .doesNotContain("tile");
  }

  @Test
  void aBaseMapAddsOnlyItsTileServerToTheImages() {
    String csp = DashboardController.contentSecurityPolicy(
        new S3Config(null, "eu-central-1", false, null, null, "auto"), dashboard("https://tile.example.org/{z}/{x}/{y}.png"));
    assertThat(csp).contains("connect-src 'self' https://*.amazonaws.com;")
        .contains("img-src 'self' data: blob: https://tile.example.org;");
  }
}
