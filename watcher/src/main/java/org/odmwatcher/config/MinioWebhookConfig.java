package org.odmwatcher.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import java.util.List;

/**
 * The MinIO webhook event source ({@code watcher.minio.*}): MinIO POSTs its bucket notifications
 * to the watcher. Enabled by {@code watcher.minio.enabled=true}.
 *
 * @param enabled serve the endpoint
 * @param path where the endpoint listens; MinIO's {@code endpoint=} must point here
 * @param token the bearer token MinIO sends ({@code auth_token=}); required unless {@code
 *     allowAnonymous}
 * @param allowAnonymous accept events without a token (anyone who reaches the endpoint can announce
 *     objects); off by default, warned about loudly when on
 * @param buckets the buckets whose events are handled; events about any other bucket are ignored
 *     (required: a webhook must not make the watcher read folders of buckets nobody meant to watch)
 * @param maxBodySize largest body accepted, in bytes (a MinIO event is a few KiB); a bigger
 *     Content-Length → 413 before the body is read
 */
@Context // bound at start-up: a missing token stops the watcher there, not at the first call
@ConfigurationProperties(MinioWebhookConfig.PREFIX)
@Requires(property = MinioWebhookConfig.PREFIX + ".enabled", value = "true")
public record MinioWebhookConfig(
    @Bindable(defaultValue = "false") boolean enabled,
    @Bindable(defaultValue = "/events/minio")
        @NotBlank
        @Pattern(regexp = "/.*", message = "watcher.minio.path must start with /")
        String path,
    @Nullable String token,
    @Bindable(defaultValue = "false") boolean allowAnonymous,
    @Nullable List<String> buckets,
    @Bindable(defaultValue = "1048576") @Min(1) long maxBodySize) {

  public static final String PREFIX = "watcher.minio";

  public MinioWebhookConfig {
    buckets = buckets == null ? List.of() : List.copyOf(buckets);
    if ((token == null || token.isBlank()) && !allowAnonymous) {
      throw new IllegalArgumentException("watcher.minio.token must be set when watcher.minio.enabled=true (MinIO's"
          + " auth_token); set watcher.minio.allow-anonymous=true to accept events from anyone on purpose");
    }
    if (buckets.isEmpty()) {
      throw new IllegalArgumentException("watcher.minio.buckets must list the buckets whose events the webhook handles");
    }
  }

  public boolean hasToken() {
    return token != null && !token.isBlank();
  }
}
