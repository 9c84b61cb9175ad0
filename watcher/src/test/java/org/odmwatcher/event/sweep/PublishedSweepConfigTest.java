package org.odmwatcher.event.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.env.PropertySource;
import io.micronaut.context.env.yaml.YamlPropertySourceLoader;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.odmwatcher.config.S3Config;
import org.odmwatcher.config.SweepConfig;

/**
 * The configuration {@code event-sources/hetzner/watcher-sweep.yaml} tells users to run with binds
 * to the watcher's settings as written: a renamed key would silently do nothing otherwise.
 */
class PublishedSweepConfigTest {
  @Test
  void hetznerSweepConfigurationBindsAsDocumented() throws Exception {
    Map<String, Object> published;
    try (InputStream in = Files.newInputStream(Path.of("..", "event-sources", "hetzner", "watcher-sweep.yaml"))) {
      published = new YamlPropertySourceLoader().read("watcher-sweep.yaml", in);
    }
    try (ApplicationContext context =
        ApplicationContext.builder()
            .propertySources(PropertySource.of("published", published))
            .properties(Map.of("watcher.executor", "none", "watcher.argo.watch", "false"))
            .deduceEnvironment(false)
            .start()) {
      SweepConfig sweep = context.getBean(SweepConfig.class);
      assertThat(sweep.buckets()).containsExactly("drone-uploads");
      assertThat(sweep.interval()).isEqualTo(Duration.ofMinutes(2));
      S3Config s3 = context.getBean(S3Config.class);
      assertThat(s3.endpoint()).isEqualTo("https://fsn1.your-objectstorage.com");
      assertThat(s3.region()).isEqualTo("fsn1");
    }
  }
}
