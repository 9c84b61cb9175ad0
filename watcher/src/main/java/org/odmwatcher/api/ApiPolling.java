package org.odmwatcher.api;

import io.micronaut.context.annotation.Requires;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.odmwatcher.config.ApiConfig;

/** Runs the {@link ApiTaskWatcher} every {@code watcher.api.poll-interval}. */
@Singleton
@Requires(property = ApiConfig.PREFIX + ".enabled", value = "true")
public class ApiPolling {
  private final ApiTaskWatcher watcher;

  public ApiPolling(ApiTaskWatcher watcher) {
    this.watcher = watcher;
  }

  @Scheduled(fixedDelay = "${watcher.api.poll-interval:10s}", initialDelay = "1s")
  void poll() {
    watcher.poll();
  }
}
