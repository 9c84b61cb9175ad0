package org.odmwatcher.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;

/**
 * The bucket layout contract ({@code watcher.manifest.*}).
 *
 * @param name the manifest file that starts a job when it appears in a folder
 * @param statusName the status file the watcher writes beside it
 * @param resultsFolder folder (inside the job's folder) results are uploaded to, with a slash
 * @param maxSize largest manifest accepted, in bytes
 * @param recheckInterval how often folders waiting for images are listed again
 * @param maxImages most images one job may have; more → {@code invalid} (resources grow with the count)
 * @param maxTotalBytes most bytes of images one job may have; more → {@code invalid}
 * @param waitForImages how long a manifest with {@code images.expected} waits for that many
 *     images, counted from its upload; then {@code invalid}
 * @param waitForFirstImage how long a manifest without {@code images.expected} waits for a first
 *     image, counted from its upload; then {@code invalid}
 * @param defaultsName the defaults file inherited by every folder at and below the prefix it is in
 *     (merged under each folder's manifest); empty turns defaults off
 * @param defaultsClockMargin a job reuses a cached read of a defaults file when the read is at
 *     least this much later than its manifest's upload ({@code Last-Modified}, whole seconds),
 *     else reads it again: covers the header's rounding and clock skew between store and watcher
 */
@ConfigurationProperties(ManifestConfig.PREFIX)
public record ManifestConfig(
    @Bindable(defaultValue = "odm.json")
        @NotBlank
        @Pattern(regexp = "[^/]+", message = "watcher.manifest.name must be a file name, no slash")
        String name,
    @Bindable(defaultValue = "status.json")
        @NotBlank
        @Pattern(regexp = "[^/]+", message = "watcher.manifest.status-name must be a file name")
        String statusName,
    @Bindable(defaultValue = "results/")
        @NotBlank
        @Pattern(regexp = "[^/].*/", message = "watcher.manifest.results-folder must end with /")
        String resultsFolder,
    @Bindable(defaultValue = "1048576") @Min(1) long maxSize,
    @Bindable(defaultValue = "60s") @NotNull Duration recheckInterval,
    @Bindable(defaultValue = "5000") @Min(1) int maxImages,
    @Bindable(defaultValue = "214748364800") @Min(1) long maxTotalBytes,
    @Bindable(defaultValue = "24h") @NotNull Duration waitForImages,
    @Bindable(defaultValue = "10m") @NotNull Duration waitForFirstImage,
    @Bindable(defaultValue = "odm.defaults.json")
        @NotNull
        @Pattern(regexp = "[^/]*", message = "watcher.manifest.defaults-name must be a file name, no slash")
        String defaultsName,
    @Bindable(defaultValue = "2s") @NotNull Duration defaultsClockMargin) {

  public static final String PREFIX = "watcher.manifest";
}
