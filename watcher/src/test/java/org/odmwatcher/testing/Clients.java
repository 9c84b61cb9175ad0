package org.odmwatcher.testing;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Clients a test uses to act as the user would: upload, send notifications, look at Workflows. */
public final class Clients {
  private static final StaticCredentialsProvider CREDENTIALS =
      StaticCredentialsProvider.create(AwsBasicCredentials.create(RealServers.ACCESS_KEY, RealServers.SECRET_KEY));

  private Clients() {}

  public static S3Client s3(RealServers servers) {
    return S3Client.builder()
        .endpointOverride(URI.create(servers.s3Endpoint()))
        .region(Region.US_EAST_1)
        .forcePathStyle(true)
        .credentialsProvider(CREDENTIALS)
        .httpClient(ApacheHttpClient.create())
        .build();
  }

  public static SqsClient sqs(RealServers servers) {
    return SqsClient.builder()
        .endpointOverride(URI.create(servers.sqsEndpoint()))
        .region(Region.US_EAST_1)
        .credentialsProvider(CREDENTIALS)
        .httpClient(ApacheHttpClient.create())
        .build();
  }

  public static KubernetesClient kubernetes(RealServers servers) {
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(servers.kubernetesUrl())
            .withNamespace("odm")
            .withRequestRetryBackoffLimit(0)
            .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }
}
