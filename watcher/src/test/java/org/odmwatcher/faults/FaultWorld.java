package org.odmwatcher.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.odmwatcher.testing.Clients;
import org.odmwatcher.testing.Notifications;
import org.odmwatcher.testing.Principal;
import org.odmwatcher.testing.RealServers;
import org.odmwatcher.workflow.ArgoWorkflowSubmitter;
import org.odmwatcher.workflow.WorkflowLabels;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * One scenario's world for watchers running as separate processes: a bucket on a {@link
 * RestartableS3}, a queue with a dead-letter queue on ElasticMQ (redrive after {@value
 * #MAX_RECEIVES} receives, as event-sources/aws publishes), a namespace on the Kubernetes mock; the
 * properties that point a watcher at them; what a user does and sees.
 */
final class FaultWorld implements AutoCloseable {
  /** maxReceiveCount of event-sources/aws/sqs-queue-attributes.json. */
  static final int MAX_RECEIVES = 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  final RealServers servers = RealServers.get();
  final RestartableS3 store;
  final S3Client s3;
  final SqsClient sqs = Clients.sqs(RealServers.get());
  final KubernetesClient kubernetes = Clients.kubernetes(RealServers.get());
  final String bucket;
  final String namespace;
  final String queueUrl;
  final String dlqUrl;

  FaultWorld(String name, RestartableS3 store) {
    this(name, store, MAX_RECEIVES);
  }

  /** A world whose queue moves a message to the DLQ after {@code maxReceives} receives. */
  FaultWorld(String name, RestartableS3 store, int maxReceives) {
    this.store = store;
    this.s3 = S3Client.builder()
        .endpointOverride(URI.create(store.endpoint()))
        .region(Region.US_EAST_1)
        .forcePathStyle(true)
        .credentialsProvider(Clients.credentials(Principal.PILOT))
        .httpClient(ApacheHttpClient.create())
        .build();
    String id = name + "-" + UUID.randomUUID().toString().substring(0, 8);
    bucket = id;
    namespace = id;
    s3.createBucket(b -> b.bucket(bucket));
    dlqUrl = sqs.createQueue(b -> b.queueName(id + "-dlq")).queueUrl();
    String dlqArn = sqs.getQueueAttributes(b -> b.queueUrl(dlqUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
        .attributes().get(QueueAttributeName.QUEUE_ARN);
    queueUrl = sqs.createQueue(b -> b.queueName(id).attributes(Map.of(QueueAttributeName.REDRIVE_POLICY,
        "{\"maxReceiveCount\":\"" + maxReceives + "\",\"deadLetterTargetArn\":\"" + dlqArn + "\"}"))).queueUrl();
  }

  /**
   * What a watcher process is started with. Backoff shortened (1 s, x2, at most 10 s) and the
   * visibility timeout 10 s, so a killed replica's messages come back within a scenario's time.
   */
  Map<String, String> properties() {
    Map<String, String> p = new HashMap<>();
    p.put("watcher.sqs.enabled", "true");
    p.put("watcher.sqs.queue-url", queueUrl);
    p.put("watcher.sqs.endpoint", servers.sqsEndpoint());
    p.put("watcher.sqs.wait-time", "1s");
    p.put("watcher.sqs.visibility-timeout", "10s");
    p.put("watcher.sqs.shutdown-grace", "2s");
    p.put("watcher.sqs.backoff.initial", "1s");
    p.put("watcher.sqs.backoff.max", "10s");
    p.put("watcher.s3.endpoint", store.endpoint());
    p.put("watcher.s3.path-style", "true");
    p.put("watcher.s3.access-key", Principal.WATCHER.accessKey());
    p.put("watcher.s3.secret-key", Principal.WATCHER.secretKey());
    // The watcher's service account token, as in production: its calls join the RBAC contract.
    p.put("watcher.argo.kubeconfig", Clients.kubeconfig(servers, Principal.WATCHER).toString());
    p.put("watcher.argo.namespace", namespace);
    p.put("watcher.manifest.recheck-interval", "1s");
    p.put("aws.region", "us-east-1");
    return p;
  }

  /** {@link #properties()} for the NodeODM API instead of SQS. */
  Map<String, String> apiProperties() {
    Map<String, String> p = properties();
    p.put("watcher.sqs.enabled", "false");
    p.put("watcher.api.enabled", "true");
    p.put("watcher.api.allow-anonymous", "true"); // loopback only, like the suite's other API worlds
    p.put("watcher.api.bucket", bucket);
    p.put("watcher.api.poll-interval", "1s");
    return p;
  }

  static String folder(int i) {
    return String.format("batch/f-%04d/", i);
  }

  /** Uploads {@code n} folders (two images and an odm.json each); returns their notification bodies. */
  List<String> uploadFolders(int n) {
    List<String> bodies = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String folder = folder(i);
      for (int image = 1; image <= 2; image++) {
        String key = folder + "DJI_000" + image + ".JPG";
        s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(new byte[] {(byte) 0xFF, (byte) 0xD8}));
      }
      String eTag = s3.putObject(b -> b.bucket(bucket).key(folder + "odm.json"),
          RequestBody.fromString("{\"name\": \"f-" + i + "\", \"options\": {\"dsm\": true}}")).eTag().replace("\"", "");
      bodies.add(Notifications.objectCreated(bucket, folder + "odm.json", 40, eTag));
    }
    return bodies;
  }

  /** Uploads one folder (two images and the given odm.json); returns its notification body. */
  String uploadFolder(String folder, String manifest) {
    for (int image = 1; image <= 2; image++) {
      String key = folder + "DJI_000" + image + ".JPG";
      s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(new byte[] {(byte) 0xFF, (byte) 0xD8}));
    }
    String eTag = s3.putObject(b -> b.bucket(bucket).key(folder + "odm.json"), RequestBody.fromString(manifest))
        .eTag().replace("\"", "");
    return Notifications.objectCreated(bucket, folder + "odm.json", 40, eTag);
  }

  void send(List<String> bodies) {
    for (int from = 0; from < bodies.size(); from += 10) {
      List<SendMessageBatchRequestEntry> batch = new ArrayList<>();
      for (int i = from; i < Math.min(bodies.size(), from + 10); i++) {
        batch.add(SendMessageBatchRequestEntry.builder().id("m" + i).messageBody(bodies.get(i)).build());
      }
      sqs.sendMessageBatch(b -> b.queueUrl(queueUrl).entries(batch));
    }
  }

  /** Visible plus in-flight messages. */
  int depth(String url) {
    Map<QueueAttributeName, String> a = sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(
        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
        .attributes();
    return Integer.parseInt(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
        + Integer.parseInt(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
  }

  /** Every message body in a queue (received with a long visibility: call once, at the end). */
  List<String> drain(String url) {
    List<String> bodies = new ArrayList<>();
    while (true) {
      List<Message> got = sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10).visibilityTimeout(300))
          .messages();
      if (got.isEmpty()) {
        return bodies;
      }
      got.forEach(m -> bodies.add(m.body()));
    }
  }

  /** Folders under {@code prefix} that hold a status.json. */
  List<String> foldersWithStatus(String prefix) {
    return s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().stream()
        .map(S3Object::key)
        .filter(k -> k.endsWith("/status.json"))
        .map(k -> k.substring(0, k.length() - "status.json".length()))
        .toList();
  }

  Optional<JsonNode> status(String folder) {
    try {
      return Optional.of(JSON.readTree(s3.getObjectAsBytes(b -> b.bucket(bucket).key(folder + "status.json")).asByteArray()));
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new AssertionError("status.json of " + folder + " is not JSON", e);
    }
  }

  /** Workflows in this world's namespace, counted per folder. */
  Map<String, Long> workflowsPerFolder() {
    return workflows().stream().collect(Collectors.groupingBy(
        wf -> wf.getMetadata().getAnnotations().getOrDefault(WorkflowLabels.PREFIX, "?"), Collectors.counting()));
  }

  List<GenericKubernetesResource> workflows() {
    return kubernetes.genericKubernetesResources(ArgoWorkflowSubmitter.WORKFLOWS).inNamespace(namespace).list().getItems();
  }

  /** Plays Argo's controller for one step: sets a Workflow's phase (the mock runs nothing). */
  void setWorkflowPhase(String name, String phase, String progress) {
    kubernetes.genericKubernetesResources(ArgoWorkflowSubmitter.WORKFLOWS).inNamespace(namespace).withName(name)
        .edit(wf -> {
          wf.getAdditionalProperties().put("status", Map.of("phase", phase, "progress", progress));
          return wf;
        });
  }

  @Override
  public void close() {
    s3.close();
    sqs.close();
    kubernetes.close();
  }
}
