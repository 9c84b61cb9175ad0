package org.odmwatcher.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for the headers {@code java.net.http} will not send: a {@code Host}
 * naming another site (a DNS-rebinding page's), a browser's {@code Origin} and {@code
 * Sec-Fetch-Site}, or a declared body that never follows.
 */
public final class RawHttp {
  private RawHttp() {}

  /** Status line code, headers (lower-case names) and body of an answer. */
  public record Answer(int status, Map<String, String> headers, String body) {
    public String header(String name) {
      return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
    }
  }

  /**
   * Sends {@code method path} to {@code server} (its scheme and port) with exactly {@code headers}
   * (the Host header included) and {@code body}, and reads the answer up to the connection's close.
   */
  public static Answer send(URI server, String method, String path, Map<String, String> headers, byte[] body)
      throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(server.getHost(), server.getPort()), 5_000);
      socket.setSoTimeout((int) Duration.ofSeconds(30).toMillis());
      StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
      headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
      if (body.length > 0) {
        head.append("Content-Length: ").append(body.length).append("\r\n");
      }
      head.append("Connection: close\r\n\r\n");
      socket.getOutputStream().write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().write(body);
      socket.getOutputStream().flush();
      return read(socket.getInputStream());
    }
  }

  /** A GET with these headers. */
  public static Answer get(URI server, String path, Map<String, String> headers) throws IOException {
    return send(server, "GET", path, headers, new byte[0]);
  }

  /** Reads one answer: status line, headers, then the body up to Content-Length or the close. */
  public static Answer read(InputStream in) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    int end = -1;
    while (end < 0) {
      int n = in.read(buffer);
      if (n < 0) {
        throw new IOException("connection closed before the headers ended: " + all.toString(StandardCharsets.ISO_8859_1));
      }
      all.write(buffer, 0, n);
      end = all.toString(StandardCharsets.ISO_8859_1).indexOf("\r\n\r\n");
    }
    String text = all.toString(StandardCharsets.ISO_8859_1);
    String[] lines = text.substring(0, end).split("\r\n");
    Map<String, String> headers = new java.util.LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.merge(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim(),
          (a, b) -> a + "\n" + b);
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    byte[] bytes = all.toByteArray();
    body.write(bytes, end + 4, bytes.length - end - 4);
    String length = headers.get("content-length");
    long want = length == null ? Long.MAX_VALUE : Long.parseLong(length);
    while (body.size() < want) {
      int n = in.read(buffer);
      if (n < 0) {
        break;
      }
      body.write(buffer, 0, n);
    }
    return new Answer(Integer.parseInt(lines[0].substring(9, 12)), headers, body.toString(StandardCharsets.UTF_8));
  }
}
