package org.odmwatcher.testing;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Properties;
import org.awaitility.Awaitility;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;

/**
 * The real servers the tests talk to, started in-process once per JVM on loopback ports: ElasticMQ
 * (SQS), S3Proxy (S3, transient store) and the fabric8 Kubernetes mock in CRUD mode, which records
 * every request for the RBAC contract and refuses oversized annotations as kube-apiserver does
 * ({@link KubernetesApiDispatcher}). The Kubernetes mock can be stopped and started again on the
 * same port with its state kept, to play an outage.
 */
public final class RealServers {
  /** The user's keys ({@link Principal#PILOT}); every {@link Principal} has its own. */
  public static final String ACCESS_KEY = Principal.PILOT.accessKey();
  public static final String SECRET_KEY = Principal.PILOT.secretKey();

  private static RealServers instance;
  /** Held so the level sticks: the mock server logs every request through java.util.logging. */
  private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  private final SQSRestServer sqs;
  private final int sqsPort;
  private final S3Proxy s3;
  private final S3Requests s3Requests = new S3Requests();
  private final PodLogs podLogs = new PodLogs();
  private KubernetesCrudDispatcher kubernetesState = new KubernetesApiDispatcher(podLogs);
  private KubernetesMockServer kubernetes;
  private int kubernetesPort;

  private RealServers() throws Exception {
    sqs = SQSRestServerBuilder.withPort(0).withInterface("127.0.0.1").start();
    sqsPort = sqs.waitUntilStarted().localAddress().getPort();

    Path dir = Files.createTempDirectory("s3proxy");
    Properties props = new Properties();
    props.setProperty("jclouds.filesystem.basedir", dir.toString());
    org.gaul.s3proxy.blobstore.BlobStore store = org.gaul.s3proxy.BlobStores.create("transient", props);
    s3 =
        S3Proxy.builder()
            .blobStore(store)
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
            .endpoint(URI.create("http://127.0.0.1:0"))
            // The dashboard's map reads the store cross-origin (the watcher's page on its own
            // port): the rule event-sources/dashboard/s3-cors.json asks a bucket for, here for any
            // loopback origin (S3Proxy matches origins as regular expressions).
            .corsRules(new org.gaul.s3proxy.CrossOriginResourceSharing(
                java.util.List.of("http://(localhost|127\\.0\\.0\\.1)(:\\d+)?"),
                java.util.List.of("GET", "HEAD"),
                java.util.List.of("Range", "If-None-Match", "If-Modified-Since"),
                java.util.List.of("Content-Range", "Content-Length", "ETag", "Accept-Ranges", "Last-Modified"),
                "false"))
            .build();
    S3Requests.install(s3, s3Requests);
    // One store, a key pair per principal (S3Proxy's multi-identity hook), so calls can be told apart.
    s3.setBlobStoreLocator(
        (identity, container, blob) ->
            Principal.byAccessKey(identity)
                .map(p -> new org.gaul.s3proxy.AccessGrant(p.secretKey(), store))
                .orElse(null));
    s3.start();
    Awaitility.await().until(() -> "STARTED".equals(s3.getState()));

    startKubernetes(0);
    Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll));
  }

  public static synchronized RealServers get() {
    if (instance == null) {
      try {
        instance = new RealServers();
      } catch (Exception e) {
        throw new IllegalStateException("cannot start the test servers", e);
      }
    }
    return instance;
  }

  public String sqsEndpoint() {
    return "http://127.0.0.1:" + sqsPort;
  }

  /** What the S3 server received, recorded at the server. */
  public S3Requests s3Requests() {
    return s3Requests;
  }

  public String s3Endpoint() {
    return "http://127.0.0.1:" + s3.getPort();
  }

  public synchronized String kubernetesUrl() {
    return "http://127.0.0.1:" + kubernetesPort;
  }

  /** The logs the Kubernetes mock serves ({@code pods/log}) for the pods the test Argo runs. */
  public PodLogs podLogs() {
    return podLogs;
  }

  /** Takes the Kubernetes API down (connections refused) until {@link #startKubernetes()}. */
  public synchronized void stopKubernetes() {
    kubernetes.destroy();
  }

  /** Brings the Kubernetes API back on the same port, with the objects it held. */
  public synchronized void startKubernetes() {
    startKubernetes(kubernetesPort);
  }

  /**
   * Replaces the Kubernetes mock with a fresh, empty one on a new port (see {@link
   * #kubernetesUrl()}); the old one is shut down in the background. For the benchmarks: the mock
   * scans every stored object on each request, so a measurement must not inherit earlier runs'
   * objects. Clients made before the reset still talk to the old server.
   */
  public synchronized void resetKubernetes() {
    KubernetesMockServer old = kubernetes;
    kubernetesState = new KubernetesApiDispatcher(podLogs);
    startKubernetes(0);
    Thread stopper = new Thread(() -> {
      try {
        old.destroy();
      } catch (RuntimeException ignored) {
        // a lingering watch can keep it from closing cleanly; it is unused either way
      }
    }, "mock-stopper");
    stopper.setDaemon(true);
    stopper.start();
  }

  private void startKubernetes(int port) {
    kubernetes =
        new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), kubernetesState, false);
    try {
      kubernetes.init(InetAddress.getByName("127.0.0.1"), port);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
    kubernetesPort = kubernetes.getPort();
  }

  private void stopAll() {
    try {
      kubernetes.destroy();
      s3.stop();
      sqs.stopAndWait();
    } catch (Exception ignored) {
      // the JVM is going away
    }
  }
}
