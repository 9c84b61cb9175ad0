package org.odmwatcher.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import java.util.List;

/**
 * The NodeODM-compatible API ({@code watcher.api.*}), enabled by {@code watcher.api.enabled=true};
 * then a bucket is required and start-up fails without one. An API task is the folder
 * {@code <bucket>/<prefix><uuid>/}.
 *
 * @param token every call but health and metrics must carry {@code ?token=} with this value
 *     (NodeODM's simple token auth) or {@code Authorization: Bearer}; without it the API refuses to
 *     start unless {@code allowAnonymous}
 * @param allowAnonymous serve the API without a token (anyone who reaches the port may create,
 *     cancel and delete tasks); off by default, and a loud warning when on
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
 * @param webhookAllowedNetworks CIDR ranges a webhook may reach although they are loopback,
 *     link-local, private or otherwise internal (e.g. {@code 10.20.0.0/16}); none by default
 * @param uploadExpiry how long a task that was never committed is kept (NodeODM's {@code
 *     cleanup-uploads-after}, 2880 minutes by default there)
 * @param maxConcurrentUploads uploads streamed at once; more are refused at once ("try again")
 * @param viewExpiry how stale task info and the task list may be: they are answered from memory,
 *     and what is older than this is checked against the bucket first (conditional GETs), so a
 *     change another replica made is seen here within this time; {@code 0s} checks every call
 * @param maxTasks task folders the API holds at most (any state); {@code init} is refused above it,
 *     before anything is written
 * @param cleanupTasksAfter how long a finished task (completed, failed or canceled) is kept after
 *     its job ended before its folder is deleted (NodeODM's {@code cleanup_tasks_after}, 2880
 *     minutes there too); {@code 0s} keeps finished tasks until they are removed
 * @param engine the engine the API's tasks run on, and whose options {@code /options} lists and
 *     {@code /info} names: {@code odm} (a NodeODM) or {@code odx} (a NodeODX); one of
 *     {@code watcher.engines.enabled}
 */
@Context // bound at start-up: a missing token stops the watcher there, not at the first call
@ConfigurationProperties(ApiConfig.PREFIX)
@Requires(property = ApiConfig.PREFIX + ".enabled", value = "true")
public record ApiConfig(
    @Nullable String token,
    @Bindable(defaultValue = "false") boolean allowAnonymous,
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
    @Bindable(defaultValue = "5s") @NotNull Duration webhookBackoff,
    @Nullable List<String> webhookAllowedNetworks,
    @Bindable(defaultValue = "48h") @NotNull Duration uploadExpiry,
    @Bindable(defaultValue = "16") @Min(1) int maxConcurrentUploads,
    @Bindable(defaultValue = "3s") @NotNull Duration viewExpiry,
    @Bindable(defaultValue = "1000") @Min(1) int maxTasks,
    @Bindable(defaultValue = "2880m") @NotNull Duration cleanupTasksAfter,
    @Bindable(defaultValue = "odm") @NotBlank String engine) {

  public static final String PREFIX = "watcher.api";

  public ApiConfig {
    if (cleanupTasksAfter.isNegative()) {
      throw new IllegalArgumentException("watcher.api.cleanup-tasks-after must not be negative");
    }
    if (viewExpiry.isNegative()) {
      throw new IllegalArgumentException("watcher.api.view-expiry must not be negative");
    }
    webhookAllowedNetworks = webhookAllowedNetworks == null ? List.of() : List.copyOf(webhookAllowedNetworks);
    if ((token == null || token.isEmpty()) && !allowAnonymous) {
      throw new IllegalArgumentException(
          "watcher.api.token must be set when watcher.api.enabled=true (without it anyone who reaches the port can"
              + " create, cancel and delete tasks); set watcher.api.allow-anonymous=true to serve it open on purpose");
    }
  }

  public boolean hasToken() {
    return token != null && !token.isEmpty();
  }
}
