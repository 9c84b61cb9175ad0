package org.odmwatcher.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;

/**
 * How the watcher reaches S3-compatible storage ({@code watcher.s3.*}). Credentials come from the
 * AWS default chain (env, profile, IRSA, instance role) unless an access key is set here.
 *
 * @param endpoint custom endpoint (MinIO, Hetzner, S3Proxy); empty for AWS
 * @param region signing region
 * @param pathStyle path-style addressing, needed by most non-AWS stores
 * @param accessKey optional static access key (local mode, MinIO); default chain when empty
 * @param secretKey secret for {@code accessKey}
 * @param conditionalWrites {@code auto}: use If-Match/If-None-Match and fall back when the store
 *     rejects them; {@code on}; {@code off}
 */
@ConfigurationProperties(S3Config.PREFIX)
public record S3Config(
    @Nullable String endpoint,
    @Bindable(defaultValue = "us-east-1") @NotBlank String region,
    @Bindable(defaultValue = "false") boolean pathStyle,
    @Nullable String accessKey,
    @Nullable String secretKey,
    @Bindable(defaultValue = "auto")
        @Pattern(regexp = "auto|on|off", message = "watcher.s3.conditional-writes must be auto, on or off")
        String conditionalWrites) {

  public static final String PREFIX = "watcher.s3";

  public boolean hasEndpoint() {
    return endpoint != null && !endpoint.isBlank();
  }

  public boolean hasStaticCredentials() {
    return accessKey != null && !accessKey.isBlank();
  }
}
