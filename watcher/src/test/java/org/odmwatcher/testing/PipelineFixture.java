package org.odmwatcher.testing;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.odmwatcher.testing.argo.TestArgo;
import org.odmwatcher.workflow.ArgoWorkflowSubmitter;
import org.odmwatcher.workflow.WorkflowLabels;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * One test class's world: its own bucket, queue (with a dead-letter queue and redrive policy) and
 * namespace on the shared real servers, the properties that point the application at them, and
 * the actions a user takes (upload, notify) and looks (status.json, Workflows, queue depth).
 */
public final class PipelineFixture implements AutoCloseable {
  public static final String NAMESPACE = "odm";
  public static final int MAX_RECEIVES = 3;

  public final RealServers servers = RealServers.get();
  public final S3Client s3;
  public final SqsClient sqs = Clients.sqs(servers);
  public final KubernetesClient kubernetes = Clients.kubernetes(servers);
  public final String bucket;
  private final String s3Endpoint;
  public final String queueUrl;
  public final String dlqUrl;

  /** Namespace the watcher under test submits to and watches. */
  public final String namespace;

  public PipelineFixture(String name) {
    this(name, NAMESPACE);
  }

  /** A fixture with its own namespace (keeps informer lists small when many fixtures run). */
  public PipelineFixture(String name, String namespace) {
    this(name, namespace, null, null, null);
  }

  /**
   * A fixture whose bucket is one that exists already on another S3 server (the scale bench's big
   * bucket on its own S3Proxy): {@code s3} is a client of that server (closed with the fixture),
   * {@code s3Endpoint} its address for the watcher. The queue and the cluster are the shared ones.
   */
  public PipelineFixture(String name, String namespace, S3Client s3, String s3Endpoint, String bucket) {
    this.namespace = namespace;
    String id = name + "-" + UUID.randomUUID().toString().substring(0, 8);
    this.s3 = s3 == null ? Clients.s3(servers) : s3;
    this.s3Endpoint = s3Endpoint == null ? servers.s3Endpoint() : s3Endpoint;
    if (bucket == null) {
      this.bucket = id.toLowerCase(java.util.Locale.ROOT);
      this.s3.createBucket(b -> b.bucket(this.bucket));
    } else {
      this.bucket = bucket;
    }
    dlqUrl = sqs.createQueue(b -> b.queueName(id + "-dlq")).queueUrl();
    String dlqArn =
        sqs.getQueueAttributes(b -> b.queueUrl(dlqUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
            .attributes()
            .get(QueueAttributeName.QUEUE_ARN);
    queueUrl =
        sqs.createQueue(
                b ->
                    b.queueName(id)
                        .attributes(
                            Map.of(
                                QueueAttributeName.REDRIVE_POLICY,
                                "{\"maxReceiveCount\":\"" + MAX_RECEIVES + "\",\"deadLetterTargetArn\":\"" + dlqArn + "\"}")))
            .queueUrl();
  }

  /** Application properties pointing the watcher at this fixture's servers. */
  public Map<String, String> properties() {
    Map<String, String> p = new HashMap<>();
    p.put("micronaut.server.port", "-1");
    p.put("watcher.sqs.enabled", "true");
    p.put("watcher.sqs.queue-url", queueUrl);
    p.put("watcher.sqs.endpoint", servers.sqsEndpoint());
    p.put("watcher.sqs.wait-time", "1s");
    p.put("watcher.sqs.visibility-timeout", "30s");
    p.put("watcher.sqs.shutdown-grace", "5s");
    p.put("watcher.sqs.backoff.initial", "1s");
    p.put("watcher.sqs.backoff.max", "2s");
    p.put("watcher.sqs.backoff.jitter", "0");
    p.put("watcher.s3.endpoint", s3Endpoint);
    p.put("watcher.s3.path-style", "true");
    p.put("watcher.s3.access-key", Principal.WATCHER.accessKey());
    p.put("watcher.s3.secret-key", Principal.WATCHER.secretKey());
    p.put("watcher.argo.master-url", servers.kubernetesUrl());
    p.put("watcher.argo.kubeconfig", Clients.kubeconfig(servers, Principal.WATCHER).toString());
    p.put("watcher.argo.namespace", namespace);
    // Paced, as in production, but short: the tests watch ODM's stages go by.
    p.put("watcher.argo.progress-interval", "300ms");
    p.put("watcher.manifest.recheck-interval", "1s");
    // The exit handler releases every job's volume, as before issue 25; the tests of kept
    // workspaces and resuming (ResumeEndToEndTest, NodeOdmResumeTest) turn keeping on themselves.
    p.put("watcher.workspace.keep-failed", "0s");
    return p;
  }

  /** {@link #properties()} for the NodeODM API instead of SQS: the API's tasks live in this bucket. */
  public Map<String, String> apiProperties() {
    Map<String, String> p = new HashMap<>(properties());
    p.put("watcher.sqs.enabled", "false");
    p.put("watcher.api.enabled", "true");
    p.put("watcher.api.bucket", bucket);
    p.put("watcher.api.allow-anonymous", "true"); // NodeOdmTokenTest covers the token
    p.put("watcher.api.webhook-allowed-networks", "127.0.0.0/8"); // the tests' webhook receivers listen on loopback
    return p;
  }

  public void uploadImages(String folder, int count) {
    for (int i = 1; i <= count; i++) {
      String key = folder + String.format("DJI_%04d.JPG", i);
      s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(new byte[] {(byte) 0xFF, (byte) 0xD8}));
    }
  }

  /** Uploads {@code odm.json} and returns its ETag. */
  public String putManifest(String folder, String json) {
    return s3.putObject(b -> b.bucket(bucket).key(folder + "odm.json"), RequestBody.fromString(json))
        .eTag()
        .replace("\"", "");
  }

  /** Sends the notification S3 would send for an object just written. */
  public void notifyCreated(String key) {
    var head = s3.headObject(b -> b.bucket(bucket).key(key));
    send(Notifications.objectCreated(bucket, key, head.contentLength(), head.eTag().replace("\"", "")));
  }

  public void send(String body) {
    sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(body));
  }

  public Optional<JsonNode> status(String folder) {
    try {
      byte[] bytes = s3.getObjectAsBytes(b -> b.bucket(bucket).key(folder + "status.json")).asByteArray();
      return Optional.of(StatusSchema.assertValid(bytes));
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    }
  }

  public JsonNode awaitState(String folder, String state) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> status(folder).map(s -> s.path("state").asText()).orElse(""), state::equals);
    return status(folder).orElseThrow();
  }

  public List<GenericKubernetesResource> workflowsFor(String jobId) {
    return kubernetes
        .genericKubernetesResources(ArgoWorkflowSubmitter.WORKFLOWS)
        .inNamespace(namespace)
        .withLabel(WorkflowLabels.JOB_ID, jobId)
        .list()
        .getItems();
  }

  public List<GenericKubernetesResource> workflowsInBucket() {
    return kubernetes
        .genericKubernetesResources(ArgoWorkflowSubmitter.WORKFLOWS)
        .inNamespace(namespace)
        .withLabel(WorkflowLabels.BUCKET_HASH, org.odmwatcher.workflow.JobId.shortHash(bucket))
        .list()
        .getItems();
  }

  /**
   * Starts a test Argo ({@link TestArgo}) for this fixture's namespace: from now on the Workflows
   * there run as on a cluster. Close it (try-with-resources) to stop the controller; Workflows
   * then stay as they are, as with a controller that is down.
   */
  public TestArgo startArgo() {
    return startArgo(0);
  }

  /** {@link #startArgo()} with the namespace's parallelism limit (0: none). */
  public TestArgo startArgo(int parallelism) {
    return new TestArgo(servers, namespace, parallelism);
  }

  /** {@link #startArgo()} whose pods run the real programs (rclone, the built jar), not their emulation. */
  public TestArgo startArgo(org.odmwatcher.testing.argo.PodRunner.Programs programs) {
    return new TestArgo(servers, namespace, 0, programs);
  }

  /** The PersistentVolumeClaims left in this fixture's namespace. */
  public List<String> volumeClaims() {
    return kubernetes.persistentVolumeClaims().inNamespace(namespace).list().getItems().stream()
        .map(p -> p.getMetadata().getName()).toList();
  }

  /** Visible plus in-flight messages of a queue. */
  public int depth(String url) {
    Map<QueueAttributeName, String> a =
        sqs.getQueueAttributes(
                b ->
                    b.queueUrl(url)
                        .attributeNames(
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
            .attributes();
    return Integer.parseInt(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
        + Integer.parseInt(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
  }

  @Override
  public void close() {
    s3.close();
    sqs.close();
    kubernetes.close();
  }
}
