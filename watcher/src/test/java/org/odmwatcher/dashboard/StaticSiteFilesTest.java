package org.odmwatcher.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The page works offline and from any static host: every file it loads is one of its own, by a
 * relative path, and the bucket's CORS rule in {@code event-sources/dashboard/} only lets the
 * dashboard's own origin read.
 */
class StaticSiteFilesTest {
  private static final Pattern REFERENCE = Pattern.compile(
      "(?:src|href)=\"([^\"#]+)\"|from '([^']+)'|import\\('([^']+)'\\)|(?:script|stylesheet)\\('([^']+)'\\)");

  @Test
  void thePageLoadsOnlyItsOwnFilesByRelativePaths() {
    List<String> loaded = new ArrayList<>();
    for (String file : SummaryPublisher.SITE_FILES) {
      if (file.startsWith("assets/vendor/")) {
        continue; // the WebJars' own files (OpenLayers, geotiff.js): checked below
      }
      String text = new String(SummaryPublisher.resource(file), StandardCharsets.UTF_8);
      assertThat(text).as(file).doesNotContain("http://").doesNotContain("https://").doesNotContain("//cdn");
      Matcher m = REFERENCE.matcher(text);
      while (m.find()) {
        for (int g = 1; g <= 4; g++) {
          if (m.group(g) != null) {
            // module imports are relative to the module (assets/), the rest to the page
            loaded.add(m.group(g).startsWith("./") ? "assets/" + m.group(g).substring(2) : m.group(g));
          }
        }
      }
    }
    assertThat(loaded).containsExactlyInAnyOrder("assets/style.css", "assets/app.js", "assets/map.js",
        "assets/vendor/ol.css", "assets/vendor/geotiff.js", "assets/vendor/ol.js");
    assertThat(loaded).allSatisfy(ref -> assertThat(SummaryPublisher.SITE_FILES).contains(ref));
  }

  @Test
  void theMapLibrariesComeFromTheirWebJarsAtThePomsVersions() {
    assertThat(SummaryPublisher.webjarVersion("ol")).isEqualTo("10.7.0");
    assertThat(SummaryPublisher.webjarVersion("geotiff")).isEqualTo("2.1.3");
    String ol = new String(SummaryPublisher.resource("assets/vendor/ol.js"), StandardCharsets.UTF_8);
    // the full build carries ol.source.GeoTIFF and reads the global of geotiff.js's browser build
    assertThat(ol).contains("GeoTIFF.fromUrl").contains("GeoTIFF.Pool");
    String geotiff = new String(SummaryPublisher.resource("assets/vendor/geotiff.js"), StandardCharsets.UTF_8);
    assertThat(geotiff.substring(0, 400)).contains(".GeoTIFF={}");
  }

  @Test
  void theBucketCorsRuleAllowsOnlyReadsFromNamedOrigins() throws Exception {
    JsonNode cors = new ObjectMapper().readTree(Path.of("..", "event-sources", "dashboard", "s3-cors.json").toFile());
    JsonNode rules = cors.path("CORSRules");
    assertThat(rules.size()).isPositive();
    for (JsonNode rule : rules) {
      List<String> methods = new ArrayList<>();
      rule.path("AllowedMethods").forEach(n -> methods.add(n.asText()));
      assertThat(methods).containsExactlyInAnyOrder("GET", "HEAD");
      rule.path("AllowedOrigins").forEach(o -> assertThat(o.asText()).isNotEqualTo("*").startsWith("https://"));
      List<String> exposed = new ArrayList<>();
      rule.path("ExposeHeaders").forEach(n -> exposed.add(n.asText()));
      assertThat(exposed).contains("ETag", "Content-Range", "Content-Length");
      List<String> headers = new ArrayList<>();
      rule.path("AllowedHeaders").forEach(n -> headers.add(n.asText()));
      assertThat(headers).as("the map reads COGs with range requests").contains("Range");
    }
  }
}
