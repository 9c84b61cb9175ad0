package org.odmwatcher.cli;

import java.net.URI;
import org.odmwatcher.config.S3Config;
import org.odmwatcher.storage.S3ClientFactory;
import picocli.CommandLine.Option;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** How the upload and status commands reach S3 (AWS, MinIO or the embedded server of {@code local}). */
public final class S3Options {
  @Option(names = "--endpoint", defaultValue = "${env:AWS_ENDPOINT_URL}",
      description = "S3 endpoint (MinIO, local mode, …); default: AWS_ENDPOINT_URL, else AWS")
  String endpoint;

  @Option(names = "--access-key", description = "Access key; default: the AWS default chain (AWS_ACCESS_KEY_ID, profile, …)")
  String accessKey;

  @Option(names = "--secret-key",
      description = "Secret key for --access-key (prefer AWS_SECRET_ACCESS_KEY: a key on the command line shows in the process list)")
  String secretKey;

  @Option(names = "--region", defaultValue = "us-east-1", description = "Region. Default: ${DEFAULT-VALUE}")
  String region;

  /** The access key the client signs with, once {@link #client()} found one. */
  private String accessKeyInUse;

  /**
   * A client with the SDK's standard retry policy (backoff with jitter), a few more attempts. The
   * keys are looked up here, once: without any, the SDK's failure (which {@link CommandFailures}
   * explains) comes before the first request instead of after its retries.
   */
  public S3Client client() {
    boolean custom = endpoint != null && !endpoint.isBlank();
    AwsCredentialsProvider credentials =
        S3ClientFactory.credentials(new S3Config(endpoint, region, custom, accessKey, secretKey, "auto"));
    accessKeyInUse = credentials.resolveCredentials().accessKeyId();
    var builder =
        S3Client.builder()
            .region(Region.of(region))
            .forcePathStyle(custom)
            .credentialsProvider(credentials)
            .httpClient(ApacheHttpClient.create())
            .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(6).build()));
    if (custom) {
      builder.endpointOverride(URI.create(endpoint));
    }
    return builder.build();
  }

  /** The endpoint given (option or AWS_ENDPOINT_URL), or null for AWS. */
  String endpoint() {
    return endpoint == null || endpoint.isBlank() ? null : endpoint;
  }

  /** The access key of the last {@link #client()}, or null before one was made. */
  String accessKeyInUse() {
    return accessKeyInUse;
  }

  /** {@code s3://bucket/prefix/} split into bucket and prefix (with a trailing slash, or empty). */
  public record Location(String bucket, String prefix) {
    public static Location parse(String url) {
      if (!url.startsWith("s3://") || url.length() <= 5) {
        throw new IllegalArgumentException("expected s3://bucket/prefix/, got " + url);
      }
      String rest = url.substring(5);
      int slash = rest.indexOf('/');
      String bucket = slash < 0 ? rest : rest.substring(0, slash);
      String prefix = slash < 0 ? "" : rest.substring(slash + 1);
      if (!prefix.isEmpty() && !prefix.endsWith("/")) {
        prefix = prefix + "/";
      }
      return new Location(bucket, prefix);
    }

    @Override
    public String toString() {
      return "s3://" + bucket + "/" + prefix;
    }
  }
}
