package org.odmwatcher.event.sqs;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import software.amazon.awssdk.regions.EndpointTag;
import software.amazon.awssdk.regions.PartitionEndpointKey;
import software.amazon.awssdk.regions.PartitionMetadata;
import software.amazon.awssdk.regions.Region;

/**
 * What a queue URL alone says about where its requests go.
 *
 * <p>The AWS SDK for Java v2 sends every SQS call to the endpoint it resolves from the client's
 * region, whatever host the request's QueueUrl names: a queue URL of ElasticMQ or LocalStack
 * ({@code http://127.0.0.1:9324/000000000000/q}) would be sent to {@code sqs.<region>.amazonaws.com}.
 * The AWS SDK for JavaScript v3 uses the queue URL's origin when no endpoint is configured
 * (aws/aws-sdk-js-v3, packages/middleware-sdk-sqs/src/queue-url.ts, {@code queueUrlMiddleware}).
 * The watcher does the same for hosts outside AWS; for AWS hosts it keeps the SDK's own endpoint
 * resolution (FIPS, dual-stack, partitions) and takes the region from the host.
 *
 * @param uri the queue URL
 * @param aws whether the host is in one of the SDK's AWS partitions ({@code amazonaws.com},
 *     {@code amazonaws.com.cn}, {@code api.aws}, ...)
 * @param region the region the host names ({@code sqs.eu-central-1.amazonaws.com}, LocalStack's
 *     {@code sqs.us-west-2.localhost.localstack.cloud}), if any
 */
record QueueUrl(URI uri, boolean aws, Optional<Region> region) {

  /** DNS suffixes of every AWS partition the SDK knows, plain and dual-stack. */
  private static final Set<String> AWS_SUFFIXES = awsSuffixes();

  private static final Set<String> REGIONS =
      Region.regions().stream().map(Region::id).collect(Collectors.toUnmodifiableSet());

  /** SQS's legacy host for us-east-1 ("queue.amazonaws.com" in SQS's queue URL documentation). */
  private static final String LEGACY_US_EAST_1 = "queue.amazonaws.com";

  static QueueUrl parse(String queueUrl) {
    URI uri;
    try {
      uri = new URI(queueUrl.strip());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("watcher.sqs.queue-url is not a URL: " + queueUrl + " (" + e.getReason() + ")");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "watcher.sqs.queue-url must be an http(s) URL with a host, like"
              + " https://sqs.eu-central-1.amazonaws.com/123456789012/odm-events; got " + queueUrl);
    }
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    boolean aws = AWS_SUFFIXES.stream().anyMatch(suffix -> host.endsWith("." + suffix));
    Optional<Region> region =
        host.equals(LEGACY_US_EAST_1)
            ? Optional.of(Region.US_EAST_1)
            : Arrays.stream(host.split("\\.")).filter(REGIONS::contains).findFirst().map(Region::of);
    return new QueueUrl(uri, aws, region);
  }

  /** Scheme, host and port: the endpoint for a queue outside AWS. */
  URI origin() {
    try {
      return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), null, null, null);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Set<String> awsSuffixes() {
    PartitionEndpointKey dualStack = PartitionEndpointKey.builder().tags(EndpointTag.DUALSTACK).build();
    return Region.regions().stream()
        .map(PartitionMetadata::of)
        .flatMap(p -> Stream.of(p.dnsSuffix(), p.dnsSuffix(dualStack)))
        .collect(Collectors.toUnmodifiableSet());
  }
}
