package org.odmwatcher.testing;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.URI;
import java.util.List;
import java.util.Map;
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

  /**
   * A kubeconfig file for {@code principal} (the test server, its bearer token), for applications
   * that find Kubernetes by a kubeconfig as in production ({@code watcher.argo.kubeconfig}).
   */
  public static java.nio.file.Path kubeconfig(RealServers servers, Principal principal) {
    Map<String, Object> config =
        Map.of(
            "apiVersion", "v1",
            "kind", "Config",
            "clusters", List.of(Map.of("name", "test", "cluster", Map.of("server", servers.kubernetesUrl()))),
            "users", List.of(Map.of("name", principal.name().toLowerCase(java.util.Locale.ROOT),
                "user", Map.of("token", principal.kubernetesToken()))),
            "contexts", List.of(Map.of("name", "test", "context",
                Map.of("cluster", "test", "user", principal.name().toLowerCase(java.util.Locale.ROOT), "namespace", "odm"))),
            "current-context", "test");
    try {
      java.nio.file.Path file = java.nio.file.Files.createTempFile("kubeconfig-" + principal.name().toLowerCase(java.util.Locale.ROOT), ".yaml");
      file.toFile().deleteOnExit();
      new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).writeValue(file.toFile(), config);
      return file;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public static StaticCredentialsProvider credentials(Principal principal) {
    return StaticCredentialsProvider.create(AwsBasicCredentials.create(principal.accessKey(), principal.secretKey()));
  }
}
