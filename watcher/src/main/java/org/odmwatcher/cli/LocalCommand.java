package org.odmwatcher.cli;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.odmwatcher.local.LocalMode;
import org.odmwatcher.manifest.ManifestParser;
import org.odmwatcher.manifest.ManifestValidator;
import org.odmwatcher.manifest.Engines;
import software.amazon.awssdk.services.s3.S3Client;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code local}: the whole product on one machine (embedded S3, sweep, local executor). */
@Command(name = "local", mixinStandardHelpOptions = true,
    description = "Runs ODM Watcher on this machine: an embedded S3 server, the watcher and a local executor.")
public final class LocalCommand implements Callable<Integer> {
  @Option(names = "--data", defaultValue = "odm-data", description = "Data directory (objects, work folders). Default: ${DEFAULT-VALUE}")
  Path data;

  @Option(names = "--port", defaultValue = "8333", description = "S3 port. Default: ${DEFAULT-VALUE}")
  int port;

  @Option(names = "--http-port", defaultValue = "3000",
      description = "Port of the dashboard, the NodeODM API (NodeODM's own default, so WebODM finds it) and /health; 0 = any free port. Default: ${DEFAULT-VALUE}")
  int httpPort;

  @Option(names = "--api-token",
      description = "Token the NodeODM API (?token=) and the dashboard's sign-in ask for. Default: none (open to whoever reaches --host)")
  String apiToken;

  @Option(names = "--host", defaultValue = "127.0.0.1",
      description = "Address the S3 and HTTP servers listen on (0.0.0.0 to accept uploads and WebODM from other machines). Default: ${DEFAULT-VALUE}")
  String host;

  @Option(names = "--allowed-host", split = ",",
      description = "A further name this machine is reached by in a browser or WebODM (repeatable). The HTTP port answers"
          + " only to localhost, this machine's name, --host and IP addresses, which stops DNS-rebinding pages.")
  List<String> allowedHosts;

  @Option(names = "--access-key",
      description = "S3 access key. Default: random per data directory, kept in <data>/local.env (also AWS_ACCESS_KEY_ID there)")
  String accessKey;

  @Option(names = "--secret-key", description = "S3 secret key (with --access-key). Default: random, kept in <data>/local.env."
      + " Prefer the file: a key on the command line shows in the process list and shell history.")
  String secretKey;

  @Option(names = "--bucket", defaultValue = "odm", description = "Bucket created and watched. Default: ${DEFAULT-VALUE}")
  String bucket;

  @Option(names = "--engine", defaultValue = "docker",
      description = "docker, podman, native (needs --run-py) or test (replays a recorded log, NOT real processing). Default: ${DEFAULT-VALUE}")
  String engine;

  @Option(names = "--image", defaultValue = "docker.io/opendronemap/odm:3.6.0", description = "ODM image for docker/podman. Default: ${DEFAULT-VALUE}")
  String image;

  @Option(names = "--run-py", description = "ODM's run.py, for --engine native")
  String runPy;

  @Option(names = "--concurrency", defaultValue = "1", description = "Jobs run at the same time. Default: ${DEFAULT-VALUE}")
  int concurrency;

  @Option(names = "--interval", defaultValue = "2s", description = "How often the bucket is checked for new odm.json. Default: ${DEFAULT-VALUE}")
  String interval;

  @Option(names = "--keep-failed", defaultValue = "72h", converter = DurationConverter.class,
      description = "How long a failed job's work folder is kept, so that an odm.json with \"resume\": true continues"
          + " it (0s: not kept). Default: ${DEFAULT-VALUE}")
  java.time.Duration keepFailed;

  @Option(names = "--keep-succeeded", defaultValue = "0s", converter = DurationConverter.class,
      description = "How long a succeeded job's work folder is kept (0s: removed when the job ends). Default: ${DEFAULT-VALUE}")
  java.time.Duration keepSucceeded;

  @Option(names = "--run",
      description = "Process this folder of images and exit: upload it to s3://<bucket>/<folder name>/ (odm.json last),"
          + " follow it until it ends, exit 0 if it succeeded. Without it, local mode serves until Ctrl+C.")
  Path run;

  @Spec CommandSpec spec;

  private PrintWriter err() {
    return spec.commandLine().getErr();
  }

  @Override
  public Integer call() throws Exception {
    Map<String, String> extra = new LinkedHashMap<>();
    extra.put("watcher.local.image", image);
    // One machine runs what its owner asks: both engines (ODX from watcher.engines.odx-image).
    extra.put("watcher.engines.enabled", "odm,odx");
    extra.put("watcher.local.concurrency", Integer.toString(concurrency));
    extra.put("watcher.workspace.keep-failed", keepFailed.toMillis() + "ms");
    extra.put("watcher.workspace.keep-succeeded", keepSucceeded.toMillis() + "ms");
    extra.put("micronaut.server.port", httpPort == 0 ? "-1" : Integer.toString(httpPort));
    if (apiToken != null && !apiToken.isEmpty()) {
      extra.put("watcher.api.token", apiToken);
    }
    if (allowedHosts != null) {
      extra.put("watcher.http.allowed-hosts", String.join(",", allowedHosts));
    }
    if (runPy != null) {
      extra.put("watcher.local.run-py", runPy);
    }
    if (run != null && !java.nio.file.Files.isDirectory(run)) {
      err().println("local: --run " + run + " is not a folder");
      return 2;
    }
    if ((apiToken == null || apiToken.isEmpty()) && !InetAddress.getByName(host).isLoopbackAddress()) {
      // the API's own rule (ApiConfig) would name watcher.api.token, a setting local mode's user never sees
      err().println("local: --host " + host + " lets other machines reach the NodeODM API and the dashboard:"
          + " give them a token with --api-token <token>");
      return 2;
    }
    if ((accessKey == null) != (secretKey == null)) {
      err().println("local: give both --access-key and --secret-key, or neither (random keys, kept in <data>/local.env)");
      return 2;
    }
    LocalMode mode = LocalMode.start(
        new LocalMode.Settings(data, host, port, accessKey, secretKey, bucket, engine, interval, extra));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        mode.close();
      } catch (Exception e) {
        System.err.println("stopping: " + e);
      }
      stopped.countDown();
    }));
    System.out.println(mode.banner());
    if (run != null) {
      return runOnce(mode);
    }
    stopped.await();
    return 0;
  }

  /** Whether this is a one-shot run ({@code --run}) that ends by itself. */
  public boolean isOneShot() {
    return run != null;
  }

  /** Uploads {@code --run}'s folder, follows its job to the end, and stops local mode. */
  private int runOnce(LocalMode mode) throws Exception {
    String name = run.toAbsolutePath().normalize().getFileName().toString();
    S3Options.Location location = new S3Options.Location(bucket, name + "/");
    ObjectMapper json = new ObjectMapper();
    ManifestParser parser = new ManifestParser(json, new ManifestValidator(Engines.allBundled(json)));
    long start = System.nanoTime();
    int code;
    try (S3Client s3 = LocalMode.client(mode.endpoint(), mode.keys().accessKey(), mode.keys().secretKey())) {
      new FolderUpload(s3, parser, json, 4, System.out).upload(run, location, Map.of());
      code = StatusCommand.show(s3, location, true, Duration.ofSeconds(1), Duration.ofMinutes(5), new PrintWriter(System.out, true));
    } finally {
      mode.close();
    }
    System.out.printf("%s %s in %d s; the bucket is kept under %s%n",
        location, code == 0 ? "succeeded" : "did not succeed", (System.nanoTime() - start) / 1_000_000_000L, data);
    return code;
  }
}
