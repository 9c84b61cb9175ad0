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
  private Clients() {}

  /** The user's S3 client ({@link Principal#PILOT}). */
  public static S3Client s3(RealServers servers) {
    return s3(servers, Principal.PILOT);
  }

  public static S3Client s3(RealServers servers, Principal principal) {
    return S3Client.builder()
        .endpointOverride(URI.create(servers.s3Endpoint()))
        .region(Region.US_EAST_1)
        .forcePathStyle(true)
        .credentialsProvider(credentials(principal))
        .httpClient(ApacheHttpClient.create())
        .build();
  }

  public static SqsClient sqs(RealServers servers) {
    return sqs(servers, Principal.PILOT);
  }

  public static SqsClient sqs(RealServers servers, Principal principal) {
    return SqsClient.builder()
        .endpointOverride(URI.create(servers.sqsEndpoint()))
        .region(Region.US_EAST_1)
        .credentialsProvider(credentials(principal))
        .httpClient(ApacheHttpClient.create())
        .build();
  }

  /** The user's (an administrator's) Kubernetes client ({@link Principal#PILOT}). */
  public static KubernetesClient kubernetes(RealServers servers) {
    return kubernetes(servers, Principal.PILOT);
  }

  public static KubernetesClient kubernetes(RealServers servers, Principal principal) {
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(servers.kubernetesUrl())
            .withNamespace("odm")
            .withOauthToken(principal.kubernetesToken())
            .withRequestRetryBackoffLimit(0)
            .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  public static StaticCredentialsProvider credentials(Principal principal) {
    return StaticCredentialsProvider.create(AwsBasicCredentials.create(principal.accessKey(), principal.secretKey()));
  }
}
