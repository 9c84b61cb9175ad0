package org.odmwatcher.local;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.odmwatcher.storage.S3ClientFactory;
import org.odmwatcher.config.HttpConfig;
import org.odmwatcher.config.S3Config;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The whole product on one machine: the embedded S3 server under {@code <data>/s3}, the watcher
 * finding manifests with the bucket sweep, and the local executor running jobs under {@code
 * <data>/work}. Same bucket layout, {@code odm.json} and {@code status.json} as on a cluster.
 */
public final class LocalMode implements AutoCloseable {
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

  /**
   * What {@code local} is started with.
   *
   * @param data data directory (objects under {@code s3/}, job work folders under {@code work/})
   * @param host address the S3 server listens on
   * @param port S3 port (0 = any free port)
   * @param accessKey S3 access key
   * @param secretKey S3 secret key
   * @param bucket bucket created and swept
   * @param engine docker, podman, native or test
   * @param sweepInterval how often the bucket is listed for new manifests
   * @param extra further application properties ({@code watcher.local.*} and the like)
   */
  public record Settings(
      Path data, String host, int port, String accessKey, String secretKey, String bucket, String engine,
      String sweepInterval, Map<String, String> extra) {}

  private final EmbeddedS3 s3;
  private final ApplicationContext context;
  private final Settings settings;

  private LocalMode(EmbeddedS3 s3, ApplicationContext context, Settings settings) {
    this.s3 = s3;
    this.context = context;
    this.settings = settings;
  }

  public static LocalMode start(Settings settings) throws Exception {
    Path data = settings.data().toAbsolutePath().normalize();
    Files.createDirectories(data.resolve("work"));
    if (settings.accessKey() == null || settings.secretKey() == null) {
      LocalKeys keys = LocalKeys.of(data); // random per data directory, kept in <data>/local.env
      settings = new Settings(settings.data(), settings.host(), settings.port(), keys.accessKey(), keys.secretKey(),
          settings.bucket(), settings.engine(), settings.sweepInterval(), settings.extra());
    }
    EmbeddedS3 s3 = EmbeddedS3.start(data.resolve("s3"), settings.host(), settings.port(),
        settings.accessKey(), settings.secretKey());
    try {
      new LocalKeys(settings.accessKey(), settings.secretKey()).store(data, s3.endpoint());
      createBucket(s3.endpoint(), settings);
      Map<String, Object> props = new HashMap<>();
      props.put("watcher.executor", "local");
      props.put("watcher.sqs.enabled", "false");
      props.put("watcher.argo.watch", "false");
      props.put("watcher.sweep.enabled", "true");
      props.put("watcher.sweep.buckets", List.of(settings.bucket()));
      props.put("watcher.sweep.interval", settings.sweepInterval());
      props.put("watcher.manifest.recheck-interval", "5s");
      props.put("watcher.s3.endpoint", s3.endpoint());
      props.put("watcher.s3.path-style", "true");
      props.put("watcher.s3.access-key", settings.accessKey());
      props.put("watcher.s3.secret-key", settings.secretKey());
      props.put("watcher.local.work-dir", data.resolve("work").toString());
      props.put("watcher.local.engine", settings.engine());
      // HTTP: the dashboard, the NodeODM API (WebODM can add this machine as a processing node) and
      // health, on micronaut.server.port (local --http-port; any free port unless given)
      props.put("micronaut.server.host", settings.host());
      props.put("micronaut.server.port", "-1");
      props.put("watcher.api.enabled", "true");
      props.put("watcher.api.bucket", settings.bucket());
      if (java.net.InetAddress.getByName(settings.host()).isLoopbackAddress()) {
        // only this machine can reach it: no token needed (local --api-token sets one); on any
        // other address the API's own rule applies
        props.put("watcher.api.allow-anonymous", "true");
      }
      props.putAll(settings.extra());
      // a page whose name was made to resolve to this machine (DNS rebinding) sends its own name as
      // Host: the HTTP port answers only to this machine's names and addresses, plus those given
      props.put(HttpConfig.PREFIX + ".allowed-hosts", allowedHosts(settings));
      int httpPort = Integer.parseInt(String.valueOf(props.get("micronaut.server.port")));
      if (httpPort > 0) {
        refuseTakenPort(settings.host(), httpPort); // before the context starts: its beans would log failures
      }
      ApplicationContext context =
          ApplicationContext.builder().deduceEnvironment(false).environments("local").properties(props).start();
      try {
        context.getBean(EmbeddedServer.class).start();
      } catch (RuntimeException | Error e) {
        context.close();
        if (httpPort > 0 && PortInUseException.isBindFailure(e)) {
          throw new PortInUseException(PortInUseException.Server.HTTP, settings.host(), httpPort, e); // taken since the check
        }
        throw e;
      }
      return new LocalMode(s3, context, settings);
    } catch (Exception | Error e) {
      s3.close();
      throw e;
    }
  }

  /**
   * {@code localhost}, this machine's name, the listen address, the names containers reach their
   * host by (Docker's and Podman's: WebODM in a container adds this machine as a node under them;
   * only this machine resolves them, so no page can rebind them) and {@code
   * watcher.http.allowed-hosts} of extra.
   */
  static List<String> allowedHosts(Settings settings) {
    List<String> names = new ArrayList<>(
        List.of("localhost", settings.host(), "host.docker.internal", "host.containers.internal"));
    try {
      names.add(InetAddress.getLocalHost().getHostName());
    } catch (IOException e) {
      // no name of its own: localhost and the addresses remain
    }
    String given = settings.extra().get(HttpConfig.PREFIX + ".allowed-hosts");
    if (given != null) {
      names.addAll(List.of(given.split(",")));
    }
    return names.stream().map(String::trim).filter(n -> !n.isEmpty()).distinct().toList();
  }

  /** Fails with {@link PortInUseException} when {@code host:port} cannot be bound now. */
  private static void refuseTakenPort(String host, int port) throws IOException {
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true); // as Netty's server socket: a port in TIME_WAIT is free to it
      probe.bind(new InetSocketAddress(host, port));
    } catch (BindException e) {
      throw new PortInUseException(PortInUseException.Server.HTTP, host, port, e);
    }
  }

  private static void createBucket(String endpoint, Settings settings) {
    try (S3Client client = client(endpoint, settings.accessKey(), settings.secretKey())) {
      try {
        client.createBucket(b -> b.bucket(settings.bucket()));
      } catch (S3Exception e) {
        if (e.statusCode() != 409) {
          throw e;
        }
      }
    }
  }

  /** A client for the embedded server. */
  public static S3Client client(String endpoint, String accessKey, String secretKey) {
    return S3Client.builder()
        .endpointOverride(URI.create(endpoint))
        .region(Region.US_EAST_1)
        .forcePathStyle(true)
        .credentialsProvider(S3ClientFactory.credentials(new S3Config(endpoint, "us-east-1", true, accessKey, secretKey, "auto")))
        .httpClient(ApacheHttpClient.create())
        .build();
  }

  public String endpoint() {
    return s3.endpoint();
  }

  /** The HTTP server's base URL (dashboard at {@code /}, NodeODM API, {@code /health}). */
  public String httpUrl() {
    EmbeddedServer server = context.getBean(EmbeddedServer.class);
    return "http://" + settings.host() + ":" + server.getPort() + "/";
  }

  public ApplicationContext context() {
    return context;
  }

  /** The S3 keys in use (random per data directory unless given). */
  public LocalKeys keys() {
    return new LocalKeys(settings.accessKey(), settings.secretKey());
  }

  /** How to use it, for the console. */
  public String banner() {
    String e = endpoint();
    String b = settings.bucket();
    String k = settings.accessKey();
    String s = settings.secretKey();
    Path env = settings.data().toAbsolutePath().normalize().resolve(LocalKeys.FILE);
    String engineNote = "test".equals(settings.engine())
        ? "engine:   test  (TEST ENGINE: replays a recorded ODM log, writes placeholders — NOT real processing)"
        : "engine:   " + settings.engine();
    List<String> lines = new java.util.ArrayList<>(List.of(
        "",
        "ODM Watcher is running on this machine.",
        "  S3 endpoint: " + e,
        "  access key:  " + k,
        "  secret key:  " + s,
        "  keys file:   " + env + "  (random keys of this data directory; keep it private)",
        "  bucket:      " + b,
        "  data:        " + settings.data().toAbsolutePath().normalize(),
        "  " + engineNote,
        "  dashboard:   " + httpUrl() + "   (open it in a browser; health: " + httpUrl() + "health)",
        "  NodeODM API: " + httpUrl() + "   (WebODM: Processing Nodes → Add, hostname " + settings.host()
            + ", port " + context.getBean(EmbeddedServer.class).getPort()
            + (context.getProperty("watcher.api.token", String.class).filter(t -> !t.isEmpty()).isPresent() ? ", token as given)" : ")"),
        "",
        "Load the keys and endpoint into your shell (the CLI, the AWS CLI and mc read them from there):",
        "  set -a; . " + env + "; set +a",
        "Upload a folder of images (odm.json is uploaded last and starts the job):",
        "  java -jar watcher/target/odm-watcher.jar upload <folder> s3://" + b + "/<job>/",
        "  java -jar watcher/target/odm-watcher.jar status s3://" + b + "/<job>/ --follow",
        "With the AWS CLI:",
        "  aws s3 cp --recursive <folder> s3://" + b + "/<job>/ --exclude odm.json",
        "  aws s3 cp <folder>/odm.json s3://" + b + "/<job>/odm.json",
        "With MinIO's client:",
        "  mc alias set odm \"$AWS_ENDPOINT_URL\" \"$AWS_ACCESS_KEY_ID\" \"$AWS_SECRET_ACCESS_KEY\"",
        "  mc cp <folder>/*.JPG odm/" + b + "/<job>/ && mc cp <folder>/odm.json odm/" + b + "/<job>/",
        "Results appear under s3://" + b + "/<job>/results/, progress in s3://" + b + "/<job>/status.json.",
        "Stop with Ctrl+C; start again with the same --data to keep everything."));
    if (!isLoopback(settings.host())) {
      lines.add("");
      lines.add("WARNING: the S3 server listens on " + settings.host() + ", reachable from other machines, over plain"
          + " HTTP. Anyone who has the keys above can start jobs; keep " + env + " private.");
    }
    lines.add("");
    return String.join(System.lineSeparator(), lines);
  }

  static boolean isLoopback(String host) {
    return host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]");
  }

  @Override
  public void close() throws Exception {
    if (closed.getAndSet(true)) {
      return; // --run closes it, and so does the shutdown hook
    }
    try {
      context.close();
    } finally {
      s3.close();
    }
  }
}
