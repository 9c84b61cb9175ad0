package org.odmwatcher.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;

/**
 * The SQS event source ({@code watcher.sqs.*}). Enabled by {@code watcher.sqs.enabled=true}; then a
 * queue URL is required and start-up fails without one.
 *
 * @param queueUrl the queue S3 (or SNS/EventBridge) delivers notifications to
 * @param endpoint where SQS calls go; when empty, the queue URL's scheme, host and port for a queue
 *     outside AWS (ElasticMQ, LocalStack), the SDK's AWS endpoint for an AWS queue URL
 * @param region the queue's region; when empty, the region the queue URL's host names
 *     ({@code sqs.eu-central-1.amazonaws.com}), else {@code watcher.s3.region}
 * @param waitTime long-poll wait, at most 20 s (SQS's limit)
 * @param maxMessages messages per receive, 1..10 (SQS's limit)
 * @param visibilityTimeout how long a received message stays hidden while it is handled
 * @param concurrency messages handled at the same time
 * @param shutdownGrace how long shutdown waits for in-flight messages before releasing them
 * @param backoff redelivery delay after a transient failure, grown from the receive count
 * @param batchWindow how long to wait to fill a batch: a handled message waits at most this long to
 *     be deleted with others (ten per DeleteMessageBatch), and a receive while every worker is busy
 *     and none waits for one waits at most this long for more workers to come free (under a
 *     backlog, with a batch already waiting locally, the receive waits for a full batch instead)
 */
@ConfigurationProperties(SqsConfig.PREFIX)
@Requires(property = SqsConfig.PREFIX + ".enabled", value = "true")
public record SqsConfig(
    @io.micronaut.core.annotation.Nullable
        @NotBlank(message = "watcher.sqs.queue-url must be set when watcher.sqs.enabled=true")
        String queueUrl,
    @io.micronaut.core.annotation.Nullable String endpoint,
    @io.micronaut.core.annotation.Nullable String region,
    @Bindable(defaultValue = "20s") @NotNull Duration waitTime,
    @Bindable(defaultValue = "10") @Min(1) @Max(10) int maxMessages,
    @Bindable(defaultValue = "300s") @NotNull Duration visibilityTimeout,
    @Bindable(defaultValue = "10") @Min(1) @Max(256) int concurrency,
    @Bindable(defaultValue = "30s") @NotNull Duration shutdownGrace,
    @NotNull BackoffConfig backoff,
    @Bindable(defaultValue = "20ms") @NotNull Duration batchWindow) {

  public static final String PREFIX = "watcher.sqs";

  /**
   * Exponential backoff for redelivery: {@code initial * multiplier^(receiveCount-1)}, capped at
   * {@code max}, with up to {@code jitter} (0..1) of it randomised away.
   */
  @ConfigurationProperties("backoff")
  public record BackoffConfig(
      @Bindable(defaultValue = "10s") @NotNull Duration initial,
      @Bindable(defaultValue = "2.0") double multiplier,
      @Bindable(defaultValue = "15m") @NotNull Duration max,
      @Bindable(defaultValue = "0.2") double jitter) {}
}
