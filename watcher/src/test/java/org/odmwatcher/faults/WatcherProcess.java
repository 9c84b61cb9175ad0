package org.odmwatcher.faults;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * The built jar ({@code java -jar target/odm-watcher.jar}) as a separate process, configured with
 * {@code -D} properties, its output in {@code target/faults/<name>.log}. {@link #kill()} is a
 * {@code kill -9} (SIGKILL: no shutdown hook runs).
 */
final class WatcherProcess implements AutoCloseable {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();

  final String name;
  final int port;
  private final Process process;

  private WatcherProcess(String name, int port, Process process) {
    this.name = name;
    this.port = port;
    this.process = process;
  }

  static Path jar() {
    Path jar = Path.of(System.getProperty("faults.jar", "target/odm-watcher.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar.toAbsolutePath() + " is missing: run `mvn -pl watcher package` first");
    }
    return jar;
  }

  /** Starts a watcher and waits until its liveness answers 200. */
  static WatcherProcess start(String name, Map<String, String> properties) throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-Dmicronaut.server.port=" + port);
    properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
    command.add("-jar");
    command.add(jar().toString());
    Path logs = Path.of(System.getProperty("faults.logs", "target/faults"));
    Files.createDirectories(logs);
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve(name + ".log").toFile()))
        .start();
    WatcherProcess watcher = new WatcherProcess(name, port, process);
    Awaitility.await("watcher " + name + " up").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
        .until(() -> {
          if (!process.isAlive()) {
            throw new IllegalStateException("watcher " + name + " exited with " + process.exitValue()
                + "; see " + logs.resolve(name + ".log").toAbsolutePath());
          }
          return watcher.get("/health/liveness") == 200;
        });
    return watcher;
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  /** The HTTP status of a GET, or -1 when nothing answers. */
  int get(String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(5)).GET().build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** SIGKILL, as {@code kill -9}; waits until the process is gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  boolean alive() {
    return process.isAlive();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        kill();
      }
    }
  }
}
