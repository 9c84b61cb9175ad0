package org.odmwatcher.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;

/**
 * The MinIO webhook event source ({@code watcher.minio.*}): MinIO POSTs its bucket notifications
 * to the watcher. Enabled by {@code watcher.minio.enabled=true}.
 *
 * @param enabled serve the endpoint
 * @param path where the endpoint listens; MinIO's {@code endpoint=} must point here
 * @param token the bearer token MinIO sends ({@code auth_token=}); when empty, anyone who reaches
 *     the endpoint can announce objects (the watcher still reads the manifest from the bucket)
 * @param maxBodySize largest body accepted, in bytes (a MinIO event is a few KiB); bigger → 413
 */
@ConfigurationProperties(MinioWebhookConfig.PREFIX)
@Requires(property = MinioWebhookConfig.PREFIX + ".enabled", value = "true")
public record MinioWebhookConfig(
    @Bindable(defaultValue = "false") boolean enabled,
    @Bindable(defaultValue = "/events/minio")
        @NotBlank
        @Pattern(regexp = "/.*", message = "watcher.minio.path must start with /")
        String path,
    @Nullable String token,
    @Bindable(defaultValue = "1048576") @Min(1) long maxBodySize) {

  public static final String PREFIX = "watcher.minio";

  public boolean hasToken() {
    return token != null && !token.isBlank();
  }
}
