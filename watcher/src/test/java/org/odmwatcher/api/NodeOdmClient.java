package org.odmwatcher.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/** Talks to the API the way pyODM does: multipart for task creation, forms for commands. */
final class NodeOdmClient {
  /** One file of a multipart request. */
  record Part(String field, String filename, byte[] bytes) {}

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final ObjectMapper json = new ObjectMapper();
  private final URI base;
  private final String token;

  NodeOdmClient(URI base, String token) {
    this.base = base;
    this.token = token;
  }

  private URI uri(String path) {
    String query = token.isEmpty() ? "" : (path.contains("?") ? "&" : "?") + "token=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
    return base.resolve(path + query);
  }

  JsonNode get(String path) throws IOException, InterruptedException {
    return parse(http.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofByteArray()));
  }

  HttpResponse<byte[]> download(String path, String range) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).GET();
    if (range != null) {
      request.header("Range", range);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  JsonNode postForm(String path, Map<String, String> fields) throws IOException, InterruptedException {
    String body = fields.entrySet().stream()
        .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
    return parse(http.send(HttpRequest.newBuilder(uri(path))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray()));
  }

  JsonNode postMultipart(String path, Map<String, String> headers, Map<String, String> fields, List<Part> parts)
      throws IOException, InterruptedException {
    String boundary = "----pyodm" + UUID.randomUUID();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (Map.Entry<String, String> field : fields.entrySet()) {
      body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field.getKey() + "\"\r\n\r\n"
          + field.getValue() + "\r\n").getBytes(StandardCharsets.UTF_8));
    }
    for (Part part : parts) {
      body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + part.field() + "\"; filename=\""
          + part.filename() + "\"\r\nContent-Type: image/jpeg\r\n\r\n").getBytes(StandardCharsets.UTF_8));
      body.writeBytes(part.bytes());
      body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
    }
    body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
    headers.forEach(request::header);
    return parse(http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray()));
  }

  private JsonNode parse(HttpResponse<byte[]> response) throws IOException {
    if (response.statusCode() != 200) {
      throw new IOException("HTTP " + response.statusCode() + ": " + new String(response.body(), StandardCharsets.UTF_8));
    }
    if (!response.headers().firstValue("Content-Type").orElse("").contains("application/json")) {
      throw new IOException("not JSON (" + response.headers().firstValue("Content-Type") + "): "
          + new String(response.body(), StandardCharsets.UTF_8));
    }
    return json.readTree(response.body());
  }
}
