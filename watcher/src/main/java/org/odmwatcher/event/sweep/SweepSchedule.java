package org.odmwatcher.event.sweep;

import io.micronaut.context.annotation.Requires;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.odmwatcher.config.SweepConfig;

/** Runs the {@link BucketSweep} every {@code watcher.sweep.interval}, the first one right away. */
@Singleton
@Requires(beans = BucketSweep.class)
@Requires(property = SweepConfig.PREFIX + ".enabled", value = "true")
public class SweepSchedule {
  private final BucketSweep sweep;

  public SweepSchedule(BucketSweep sweep) {
    this.sweep = sweep;
  }

  @Scheduled(fixedDelay = "${watcher.sweep.interval:60s}", initialDelay = "1s")
  void run() {
    sweep.sweep();
  }
}
