package org.odmwatcher.workflow;

import io.micronaut.context.annotation.Requires;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import io.micronaut.management.health.indicator.annotation.Readiness;
import jakarta.inject.Singleton;
import java.util.Map;
import org.reactivestreams.Publisher;
import io.micronaut.core.async.publisher.Publishers;

/**
 * Readiness reports DOWN while the Workflow informer is not synced with the API server, so an
 * operator sees at once that status updates are not flowing.
 */
@Singleton
@Readiness
@Requires(beans = WorkflowWatcher.class)
public class WorkflowWatchHealth implements HealthIndicator {
  private final WorkflowWatcher watcher;

  public WorkflowWatchHealth(WorkflowWatcher watcher) {
    this.watcher = watcher;
  }

  @Override
  public Publisher<HealthResult> getResult() {
    boolean up = watcher.isWatching();
    return Publishers.just(
        HealthResult.builder("argoWorkflows", up ? HealthStatus.UP : HealthStatus.DOWN)
            .details(Map.of("watching", up))
            .build());
  }
}
