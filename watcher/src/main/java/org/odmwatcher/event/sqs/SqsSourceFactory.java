package org.odmwatcher.event.sqs;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;
import java.net.URI;
import java.util.Random;
import org.odmwatcher.config.S3Config;
import org.odmwatcher.config.SqsConfig;
import org.odmwatcher.event.ObjectCreatedHandler;
import org.odmwatcher.retry.BackoffCalculator;
import org.odmwatcher.retry.RetryPolicy;
import org.odmwatcher.storage.S3ClientFactory;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

/** The SQS event source, present when {@code watcher.sqs.enabled=true}. */
@Factory
@Requires(beans = SqsConfig.class)
public class SqsSourceFactory {

  /**
   * The client for the configured queue. Without {@code watcher.sqs.endpoint}, the queue URL decides:
   * a host outside AWS (ElasticMQ, LocalStack) becomes the endpoint, an AWS host keeps the SDK's
   * endpoint resolution; the region is {@code watcher.sqs.region}, else the one the queue URL's host
   * names, else {@code watcher.s3.region}.
   */
  @Singleton
  @Bean(preDestroy = "close")
  SqsClient sqsClient(SqsConfig config, S3Config s3) {
    QueueUrl queue = QueueUrl.parse(config.queueUrl());
    boolean endpointSet = config.endpoint() != null && !config.endpoint().isBlank();
    var builder =
        SqsClient.builder()
            .region(region(config, s3, queue, endpointSet))
            .credentialsProvider(S3ClientFactory.credentials(s3))
            .httpClient(ApacheHttpClient.builder()
                // a long poll lasts up to 20 s: the read timeout must outlast it
                .socketTimeout(config.waitTime().plusSeconds(10))
                .maxConnections(config.concurrency() + 2)
                .build());
    if (endpointSet) {
      builder.endpointOverride(URI.create(config.endpoint()));
    } else if (!queue.aws()) {
      builder.endpointOverride(queue.origin());
    }
    return builder.build();
  }

  private static Region region(SqsConfig config, S3Config s3, QueueUrl queue, boolean endpointSet) {
    if (config.region() != null && !config.region().isBlank()) {
      Region configured = Region.of(config.region().strip());
      // Requests would be signed for and sent to the configured region, while the queue is in another.
      if (!endpointSet && queue.aws() && queue.region().filter(r -> !r.equals(configured)).isPresent()) {
        throw new ConfigurationException(
            "watcher.sqs.region is " + configured.id() + " but watcher.sqs.queue-url is a queue in "
                + queue.region().get().id() + " (" + queue.uri().getHost() + "); leave watcher.sqs.region empty"
                + " or make them agree");
      }
      return configured;
    }
    return queue.region().orElse(Region.of(s3.region()));
  }

  /** One parser for every delivery path (S3 direct, SNS envelope or raw, EventBridge), by shape. */
  @Singleton
  SqsBodyParser sqsBodyParser(ObjectMapper json) {
    return new ShapeDetectingParser(json);
  }

  @Context
  @Bean(preDestroy = "close")
  @Requires(beans = ObjectCreatedHandler.class)
  SqsPoller sqsPoller(
      SqsClient sqs, SqsConfig config, SqsBodyParser parser, ObjectCreatedHandler handler, MeterRegistry metrics) {
    SqsConfig.BackoffConfig b = config.backoff();
    BackoffCalculator backoff =
        new BackoffCalculator(new RetryPolicy(b.initial(), b.multiplier(), b.max(), b.jitter()), new Random());
    SqsPoller poller = new SqsPoller(sqs, config, new SqsMessageHandler(parser, handler, backoff), metrics);
    poller.start();
    return poller;
  }
}
