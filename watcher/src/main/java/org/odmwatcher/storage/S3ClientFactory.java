package org.odmwatcher.storage;

import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import java.net.URI;
import org.odmwatcher.config.S3Config;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** Builds the one S3 client of the application from {@code watcher.s3.*}. */
@Factory
public class S3ClientFactory {

  @Singleton
  @Bean(preDestroy = "close")
  S3Client s3Client(S3Config config) {
    var builder =
        S3Client.builder()
            .region(Region.of(config.region()))
            .forcePathStyle(config.pathStyle())
            .credentialsProvider(credentials(config))
            .httpClient(ApacheHttpClient.create());
    if (config.hasEndpoint()) {
      builder.endpointOverride(URI.create(config.endpoint()));
    }
    return builder.build();
  }

  @Singleton
  BucketStore bucketStore(S3Client s3) {
    return new BucketStore(s3);
  }

  /** Static keys when configured (local mode, MinIO), else AWS's default chain. */
  public static AwsCredentialsProvider credentials(S3Config config) {
    if (config.hasStaticCredentials()) {
      return StaticCredentialsProvider.create(
          AwsBasicCredentials.create(config.accessKey(), config.secretKey() == null ? "" : config.secretKey()));
    }
    return DefaultCredentialsProvider.builder().build();
  }
}
