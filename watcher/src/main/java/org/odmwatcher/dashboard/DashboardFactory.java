package org.odmwatcher.dashboard;

import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.time.Clock;
import org.odmwatcher.config.DashboardConfig;
import org.odmwatcher.config.ManifestConfig;
import org.odmwatcher.config.S3Config;
import org.odmwatcher.status.OutputKeyValidator;
import org.odmwatcher.status.StatusCodec;
import org.odmwatcher.status.StatusIndex;
import org.odmwatcher.storage.BucketStore;
import org.odmwatcher.storage.ObjectLinks;

/** Wires the dashboard's plain classes. */
@Factory
@Requires(property = DashboardConfig.PREFIX + ".enabled", notEquals = "false")
public class DashboardFactory {

  @Singleton
  OutputKeyValidator outputKeyValidator(ManifestConfig manifest) {
    return new OutputKeyValidator(manifest.resultsFolder());
  }

  @Singleton
  StatusIndex statusIndex(OutputKeyValidator outputKeys) {
    return new StatusIndex(outputKeys);
  }

  @Singleton
  IndexSeeder indexSeeder(BucketStore store, StatusIndex index, ManifestConfig manifest, DashboardConfig config) {
    return new IndexSeeder(store, new StatusCodec(), index, manifest.statusName(), config.summaryKey(),
        config.listParallelism());
  }

  @Singleton
  SummaryPublisher summaryPublisher(
      BucketStore store, StatusIndex index, DashboardConfig config, ManifestConfig manifest, Clock clock) {
    return new SummaryPublisher(store, index, config, manifest.statusName(), clock);
  }

  @Singleton
  @Bean(preDestroy = "close")
  ImagePositions imagePositions(BucketStore store, DashboardConfig config, Clock clock) {
    return new ImagePositions(store, config.positionsThreads(), config.positionsHeaderBytes(), clock);
  }

  @Singleton
  @Bean(preDestroy = "close")
  ObjectLinks objectLinks(S3Config s3, DashboardConfig config) {
    return new ObjectLinks(s3, config.presignTtl());
  }
}
