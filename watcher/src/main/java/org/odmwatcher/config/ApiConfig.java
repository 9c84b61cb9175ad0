package org.odmwatcher.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;

/**
 * The NodeODM-compatible API ({@code watcher.api.*}), enabled by {@code watcher.api.enabled=true};
 * then a bucket is required and start-up fails without one. An API task is the folder
 * {@code <bucket>/<prefix><uuid>/}.
 *
 * @param token when set, every call must carry {@code ?token=} with this value (NodeODM's simple
 *     token auth)
 * @param bucket the bucket API tasks live in
 * @param prefix folder (with a trailing slash) that holds one sub-folder per task
 * @param maxImages most images a task may have; null for no limit (reported by {@code /info})
 * @param maxParallelTasks tasks the cluster runs at once (reported by {@code /info}; set it to the
 *     Argo parallelism of the namespace)
 * @param totalMemory bytes of memory {@code /info} reports; when unset, the watcher host's
 * @param cpuCores cores {@code /info} reports; when unset, the watcher host's
 * @param pollInterval how often unfinished API tasks are checked (all.zip, webhooks)
 * @param webhookAttempts webhook deliveries tried before giving up
 * @param webhookBackoff delay before the second delivery; doubled for each one after
 */
@ConfigurationProperties(ApiConfig.PREFIX)
@Requires(property = ApiConfig.PREFIX + ".enabled", value = "true")
public record ApiConfig(
    @Nullable String token,
    @NotBlank(message = "watcher.api.bucket must be set when watcher.api.enabled=true") String bucket,
    @Bindable(defaultValue = "api-tasks/")
        @NotNull
        @Pattern(regexp = "([^/].*/)?", message = "watcher.api.prefix must be empty or end with /")
        String prefix,
    @Nullable @Min(1) Integer maxImages,
    @Bindable(defaultValue = "1") @Min(1) int maxParallelTasks,
    @Nullable @Min(1) Long totalMemory,
    @Nullable @Min(1) Integer cpuCores,
    @Bindable(defaultValue = "10s") @NotNull Duration pollInterval,
    @Bindable(defaultValue = "5") @Min(1) int webhookAttempts,
    @Bindable(defaultValue = "5s") @NotNull Duration webhookBackoff) {

  public static final String PREFIX = "watcher.api";

  public boolean hasToken() {
    return token != null && !token.isEmpty();
  }
}
