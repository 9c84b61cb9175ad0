package org.odmwatcher.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.List;

/**
 * The bucket sweep ({@code watcher.sweep.*}): lists buckets periodically and hands every manifest
 * that has not been handled to the pipeline. For stores that send no notifications (Hetzner, many
 * on-prem servers, local mode's embedded store) and as a safety net behind any event source.
 *
 * @param buckets buckets to sweep
 * @param prefixes prefixes inside each bucket ({@code ""} = the whole bucket)
 * @param interval pause between two sweeps
 * @param cacheSize folders remembered as handled (spares a read of their status.json per round)
 */
@ConfigurationProperties(SweepConfig.PREFIX)
@Requires(property = SweepConfig.PREFIX + ".enabled", value = "true")
public record SweepConfig(
    @NotEmpty(message = "watcher.sweep.buckets must name at least one bucket when watcher.sweep.enabled=true")
        List<String> buckets,
    @Bindable(defaultValue = "") List<String> prefixes,
    @Bindable(defaultValue = "60s") @NotNull Duration interval,
    @Bindable(defaultValue = SweepConfig.DEFAULT_CACHE_SIZE) @Min(1) long cacheSize) {

  public static final String PREFIX = "watcher.sweep";
  /** The default {@code cache-size} (the scale bench sweeps with it). */
  public static final String DEFAULT_CACHE_SIZE = "100000";

  public SweepConfig {
    prefixes = prefixes == null || prefixes.isEmpty() ? List.of("") : List.copyOf(prefixes);
  }
}
