package org.odmwatcher.testing;

import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pods/log subresource for the pods the test Argo runs, served by the Kubernetes mock as the
 * kubelet serves it. Each pod's container output is kept as the container runtime keeps it, one
 * CRI log line per output line ({@code <RFC3339Nano time> stdout F <text>}; kubernetes
 * pkg/kubelet/kuberuntime/logs/logs.go parseCRILog), and read with the kubelet's rules (logs.go
 * ReadLogs, NewLogOptions): {@code tailLines} takes the last N lines, {@code sinceTime} /
 * {@code sinceSeconds} skip lines stamped before it, {@code timestamps=true} prefixes each line
 * with its time in RFC3339Nano and a space, {@code limitBytes} stops after that many bytes. A pod
 * the API server does not know answers 404 {@code pods "<name>" not found}; a container other
 * than the one that ran, 400 as kube-apiserver's pod log REST (pkg/registry/core/pod/strategy.go
 * LogLocation: "container X is not valid for pod Y").
 */
public final class PodLogs {
  private static final Pattern LOG_PATH = Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/]+)/log");

  private record Entry(String container, Path file) {}

  private final Map<String, Entry> logs = new ConcurrentHashMap<>();

  /** Pod {@code pod} in {@code namespace} exists and container {@code container}'s output is in {@code criFile}. */
  public void register(String namespace, String pod, String container, Path criFile) {
    logs.put(namespace + "/" + pod, new Entry(container, criFile));
  }

  /** The pod is deleted (pod GC): its log is gone. */
  public void forget(String namespace, String pod) {
    logs.remove(namespace + "/" + pod);
  }

  /** Every pod of {@code namespace} is gone (its test Argo closed). */
  public void forgetAll(String namespace) {
    logs.keySet().removeIf(k -> k.startsWith(namespace + "/"));
  }

  /** One CRI log line for {@code text} written at {@code time}. */
  public static String criLine(Instant time, String text) {
    return time + " stdout F " + text + "\n";
  }

  /** The answer to a pods/log request, or null when {@code request} is not one. */
  MockResponse serve(RecordedRequest request) {
    String target = request.getPath();
    int q = target.indexOf('?');
    Matcher m = LOG_PATH.matcher(q < 0 ? target : target.substring(0, q));
    if (!"GET".equalsIgnoreCase(request.getMethod()) || !m.matches()) {
      return null;
    }
    Map<String, String> query = query(q < 0 ? "" : target.substring(q + 1));
    Entry entry = logs.get(m.group(1) + "/" + m.group(2));
    if (entry == null) {
      return status(404, "NotFound", "pods \"" + m.group(2) + "\" not found");
    }
    if (query.containsKey("container") && !query.get("container").equals(entry.container())) {
      return status(400, "BadRequest", "container " + query.get("container") + " is not valid for pod " + m.group(2));
    }
    List<String[]> lines = new ArrayList<>();
    try {
      if (Files.exists(entry.file())) {
        for (String line : Files.readAllLines(entry.file(), StandardCharsets.UTF_8)) {
          String[] parts = line.split(" ", 4); // time, stream, tag, text
          if (parts.length == 4) {
            lines.add(new String[] {parts[0], parts[3]});
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (query.containsKey("tailLines")) {
      int tail = Integer.parseInt(query.get("tailLines"));
      lines = lines.subList(Math.max(0, lines.size() - tail), lines.size());
    }
    Instant since = query.containsKey("sinceTime") ? Instant.parse(query.get("sinceTime"))
        : query.containsKey("sinceSeconds") ? Instant.now().minusSeconds(Long.parseLong(query.get("sinceSeconds"))) : null;
    boolean timestamps = "true".equals(query.get("timestamps"));
    StringBuilder body = new StringBuilder();
    for (String[] line : lines) {
      if (since != null && Instant.parse(line[0]).isBefore(since)) {
        continue;
      }
      body.append(timestamps ? line[0] + " " : "").append(line[1]).append('\n');
    }
    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
    if (query.containsKey("limitBytes")) {
      bytes = java.util.Arrays.copyOf(bytes, (int) Math.min(bytes.length, Long.parseLong(query.get("limitBytes"))));
    }
    return new MockResponse().setResponseCode(200).setHeader("Content-Type", "text/plain")
        .setBody(new String(bytes, StandardCharsets.UTF_8));
  }

  private static Map<String, String> query(String query) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String pair : query.split("&")) {
      if (!pair.isEmpty()) {
        int eq = pair.indexOf('=');
        values.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
            eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return values;
  }

  private static MockResponse status(int code, String reason, String message) {
    String body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":"
        + com.fasterxml.jackson.databind.node.TextNode.valueOf(message) + ",\"reason\":\"" + reason + "\",\"code\":" + code + "}";
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(body);
  }
}
