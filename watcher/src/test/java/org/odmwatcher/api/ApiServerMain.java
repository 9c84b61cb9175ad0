package org.odmwatcher.api;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.Micronaut;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.Principal;

/** Starts the watcher with {@code key=value} properties and prints its port (for a small-heap JVM). */
public final class ApiServerMain {
  private ApiServerMain() {}

  public static void main(String[] args) {
    Map<String, Object> properties = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      properties.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    ApplicationContext context = Micronaut.build(new String[0]).properties(properties).deduceEnvironment(false).start();
    System.out.println("PORT=" + context.getBean(EmbeddedServer.class).getPort());
    System.out.flush();
  }

  /** A watcher serving only the NodeODM API over {@code world}'s bucket, in its own JVM. */
  public record Started(Process process, URI base) {}

  /**
   * Starts the API in a child JVM with {@code -Xmx96m} (dying on the first OutOfMemoryError) and
   * the watcher's keys, plus {@code extra} properties (its token, or allow-anonymous).
   */
  public static Started startSmallHeap(PipelineFixture world, Map<String, String> extra) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx96m", "-XX:+ExitOnOutOfMemoryError",
        "-cp", System.getProperty("java.class.path"), ApiServerMain.class.getName()));
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("micronaut.server.port", "-1");
    properties.put("watcher.executor", "none");
    properties.put("watcher.argo.watch", "false");
    properties.put("watcher.sqs.enabled", "false");
    properties.put("watcher.api.enabled", "true");
    properties.put("watcher.api.bucket", world.bucket);
    properties.put("watcher.s3.endpoint", world.servers.s3Endpoint());
    properties.put("watcher.s3.path-style", "true");
    properties.put("watcher.s3.access-key", Principal.WATCHER.accessKey());
    properties.put("watcher.s3.secret-key", Principal.WATCHER.secretKey());
    properties.putAll(extra);
    properties.forEach((k, v) -> command.add(k + "=" + v));
    Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    for (String line = out.readLine(); line != null; line = out.readLine()) {
      if (line.startsWith("PORT=")) {
        return new Started(process, URI.create("http://127.0.0.1:" + line.substring(5)));
      }
    }
    process.destroy();
    throw new IllegalStateException("the small-heap watcher did not start (no PORT= line)");
  }
}
