package org.odmwatcher.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import java.util.List;

/**
 * Notifications of a job's states to the manifest's {@code notify} targets ({@code
 * watcher.notify.*}), and the signing of every webhook the watcher sends (the NodeODM API's task
 * webhooks too).
 *
 * @param enabled deliver the manifest's {@code notify} targets (a manifest naming some is still
 *     validated when off)
 * @param signingKey HMAC-SHA256 key of the {@code webhook-signature} header (Standard Webhooks):
 *     {@code whsec_<base64>}, or any string whose UTF-8 bytes are the key; unset: unsigned. From a
 *     Kubernetes Secret ({@code WATCHER_NOTIFY_SIGNING_KEY})
 * @param allowedNetworks CIDR ranges a notify webhook, Slack hook or SMTP-less target may reach
 *     although they are internal (loopback, private, link-local…); none by default
 * @param giveUpAfter how long a delivery is tried again, counted from its first attempt (a restart
 *     does not extend it)
 * @param backoffInitial delay before the second attempt
 * @param backoffMax longest delay between attempts (the delay doubles up to it)
 * @param connectTimeout connect timeout of one attempt (HTTP and SMTP)
 * @param readTimeout read timeout of one attempt (HTTP and SMTP)
 * @param senders deliveries made at once; they run on their own threads, never the pipeline's
 * @param maxPending deliveries waiting at most in memory; more are left to the next reconcile
 * @param dashboardUrl the dashboard's address as users reach it (e.g. {@code
 *     https://odm.example.org/}); when set, messages link a job's view there
 * @param smtpHost SMTP server for {@code email} targets; unset: e-mail targets fail with that reason
 * @param smtpPort its port
 * @param smtpSecurity {@code starttls} (required), {@code tls} (implicit TLS, e.g. port 465) or
 *     {@code none} (a relay on a trusted network only)
 * @param smtpUsername SMTP user, when the server wants authentication
 * @param smtpPassword its password (from a Kubernetes Secret: {@code WATCHER_NOTIFY_SMTP_PASSWORD})
 * @param smtpFrom the sender address
 */
@ConfigurationProperties(NotifyConfig.PREFIX)
public record NotifyConfig(
    @Bindable(defaultValue = "true") boolean enabled,
    @Nullable String signingKey,
    @Nullable List<String> allowedNetworks,
    @Bindable(defaultValue = "24h") @NotNull Duration giveUpAfter,
    @Bindable(defaultValue = "5s") @NotNull Duration backoffInitial,
    @Bindable(defaultValue = "10m") @NotNull Duration backoffMax,
    @Bindable(defaultValue = "10s") @NotNull Duration connectTimeout,
    @Bindable(defaultValue = "30s") @NotNull Duration readTimeout,
    @Bindable(defaultValue = "4") @Min(1) int senders,
    @Bindable(defaultValue = "10000") @Min(1) int maxPending,
    @Nullable String dashboardUrl,
    @Nullable String smtpHost,
    @Bindable(defaultValue = "587") @Min(1) int smtpPort,
    @Bindable(defaultValue = "starttls")
        @NotNull
        @Pattern(regexp = "starttls|tls|none", message = "watcher.notify.smtp-security must be starttls, tls or none")
        String smtpSecurity,
    @Nullable String smtpUsername,
    @Nullable String smtpPassword,
    @Bindable(defaultValue = "odm-watcher@localhost") @NotNull String smtpFrom) {

  public static final String PREFIX = "watcher.notify";

  public NotifyConfig {
    allowedNetworks = allowedNetworks == null ? List.of()
        : allowedNetworks.stream().map(String::trim).filter(n -> !n.isEmpty()).toList();
    if (giveUpAfter.isNegative() || backoffInitial.isNegative() || backoffInitial.isZero()) {
      throw new IllegalArgumentException("watcher.notify.give-up-after and backoff-initial must be positive");
    }
    if (backoffMax.compareTo(backoffInitial) < 0) {
      throw new IllegalArgumentException("watcher.notify.backoff-max must not be below backoff-initial");
    }
  }

  /** The settings as they are when nothing is configured (tests and tools that build beans by hand). */
  public static NotifyConfig defaults() {
    return new NotifyConfig(true, null, null, Duration.ofHours(24), Duration.ofSeconds(5), Duration.ofMinutes(10),
        Duration.ofSeconds(10), Duration.ofSeconds(30), 4, 10000, null, null, 587, "starttls", null, null,
        "odm-watcher@localhost");
  }
}
