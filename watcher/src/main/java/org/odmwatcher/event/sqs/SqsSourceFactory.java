package org.odmwatcher.event.sqs;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
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

  @Singleton
  @Bean(preDestroy = "close")
  SqsClient sqsClient(SqsConfig config, S3Config s3) {
    String region = config.region() == null || config.region().isBlank() ? s3.region() : config.region();
    var builder =
        SqsClient.builder()
            .region(Region.of(region))
            .credentialsProvider(S3ClientFactory.credentials(s3))
            .httpClient(ApacheHttpClient.builder()
                // a long poll lasts up to 20 s: the read timeout must outlast it
                .socketTimeout(config.waitTime().plusSeconds(10))
                .maxConnections(config.concurrency() + 2)
                .build());
    if (config.endpoint() != null && !config.endpoint().isBlank()) {
      builder.endpointOverride(URI.create(config.endpoint()));
    }
    return builder.build();
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
