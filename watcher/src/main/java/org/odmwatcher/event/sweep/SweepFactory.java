package org.odmwatcher.event.sweep;

import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import org.odmwatcher.config.ManifestConfig;
import org.odmwatcher.config.SweepConfig;
import org.odmwatcher.event.ObjectCreatedHandler;
import org.odmwatcher.status.StatusWriter;
import org.odmwatcher.storage.BucketStore;

/** The sweep's beans, when {@code watcher.sweep.enabled=true}. */
@Factory
@Requires(property = SweepConfig.PREFIX + ".enabled", value = "true")
public class SweepFactory {

  @Singleton
  @Requires(beans = ObjectCreatedHandler.class)
  BucketSweep bucketSweep(
      SweepConfig sweep, ManifestConfig manifest, BucketStore store, StatusWriter statusWriter, ObjectCreatedHandler handler) {
    return new BucketSweep(
        store, statusWriter, handler, manifest.name(), manifest.statusName(), manifest.resultsFolder(),
        sweep.buckets(), sweep.prefixes(), sweep.cacheSize());
  }
}
