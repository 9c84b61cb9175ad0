package org.odmwatcher.event.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micronaut.context.exceptions.ConfigurationException;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.odmwatcher.config.S3Config;
import org.odmwatcher.config.SqsConfig;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.SqsServiceClientConfiguration;

/**
 * Where the SQS client sends its calls and which region it signs for, from the settings a user
 * gives: the queue URL alone, or with {@code watcher.sqs.endpoint} / {@code watcher.sqs.region}.
 * (Sending is covered by {@link QueueUrlOnlyEndToEndTest} for a local queue; AWS hosts cannot be
 * reached from here, so for them the client's configuration is what is checked.)
 */
class QueueUrlTest {
  private static final S3Config S3 = new S3Config(null, "eu-central-1", false, "key", "secret", "auto");

  private static SqsServiceClientConfiguration client(String queueUrl, String endpoint, String region) {
    SqsConfig config =
        new SqsConfig(queueUrl, endpoint, region, Duration.ofSeconds(20), 10, Duration.ofSeconds(300), 10,
            Duration.ofSeconds(30), new SqsConfig.BackoffConfig(Duration.ofSeconds(10), 2.0, Duration.ofMinutes(15), 0.2),
            Duration.ofMillis(20));
    try (SqsClient client = new SqsSourceFactory().sqsClient(config, S3)) {
      return client.serviceClientConfiguration();
    }
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "https://sqs.us-west-2.amazonaws.com/123456789012/odm-events, us-west-2",
    "https://sqs-fips.us-gov-west-1.amazonaws.com/123456789012/odm-events, us-gov-west-1",
    "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/odm-events, cn-north-1",
    "https://sqs.ap-southeast-2.api.aws/123456789012/odm-events, ap-southeast-2",
    "https://eu-west-1.queue.amazonaws.com/123456789012/odm-events, eu-west-1",
    "https://queue.amazonaws.com/123456789012/odm-events, us-east-1",
  })
  void awsQueueUrlKeepsTheSdksEndpointAndGivesTheRegion(String queueUrl, String region) {
    SqsServiceClientConfiguration client = client(queueUrl, null, null);

    assertThat(client.endpointOverride()).isEmpty();
    assertThat(client.region()).isEqualTo(Region.of(region));
  }

  @Test
  void localQueueUrlIsTheEndpointAndTheRegionFallsBackToS3s() {
    SqsServiceClientConfiguration client = client("http://127.0.0.1:9324/000000000000/odm-events", null, null);

    assertThat(client.endpointOverride()).contains(URI.create("http://127.0.0.1:9324"));
    assertThat(client.region()).isEqualTo(Region.EU_CENTRAL_1);
  }

  @Test
  void localStackQueueUrlIsTheEndpointAndNamesTheRegion() {
    SqsServiceClientConfiguration client =
        client("http://sqs.us-west-2.localhost.localstack.cloud:4566/000000000000/odm-events", "", "");

    assertThat(client.endpointOverride()).contains(URI.create("http://sqs.us-west-2.localhost.localstack.cloud:4566"));
    assertThat(client.region()).isEqualTo(Region.US_WEST_2);
  }

  @Test
  void configuredEndpointAndRegionWin() {
    SqsServiceClientConfiguration client =
        client("http://elasticmq:9324/000000000000/odm-events", "http://127.0.0.1:9324", "ap-northeast-1");

    assertThat(client.endpointOverride()).contains(URI.create("http://127.0.0.1:9324"));
    assertThat(client.region()).isEqualTo(Region.AP_NORTHEAST_1);
  }

  @Test
  void configuredRegionThatAgreesWithAnAwsQueueUrlIsAccepted() {
    assertThat(client("https://sqs.us-west-2.amazonaws.com/123456789012/q", null, "us-west-2").region())
        .isEqualTo(Region.US_WEST_2);
  }

  @Test
  void configuredRegionThatContradictsAnAwsQueueUrlStopsStartUpNamingBothSettings() {
    assertThatThrownBy(() -> client("https://sqs.us-west-2.amazonaws.com/123456789012/q", null, "eu-west-1"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("watcher.sqs.region is eu-west-1")
        .hasMessageContaining("watcher.sqs.queue-url is a queue in us-west-2");
  }

  @ParameterizedTest
  @CsvSource({"odm-events", "sqs.us-east-1.amazonaws.com/123456789012/q", "ftp://host/q", "http://bad host/q"})
  void queueUrlThatIsNoHttpUrlIsRefusedWithTheSettingsName(String queueUrl) {
    assertThatThrownBy(() -> client(queueUrl, null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("watcher.sqs.queue-url");
  }
}
