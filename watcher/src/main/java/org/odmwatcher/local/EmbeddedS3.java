package org.odmwatcher.local;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;

/**
 * An S3 server on this machine (S3Proxy) storing objects as files under a directory, so the data
 * survives restarts and {@code aws s3}, {@code mc} and the watcher all talk to it like to any S3.
 */
public final class EmbeddedS3 implements AutoCloseable {
  private final S3Proxy proxy;
  private final String host;

  private EmbeddedS3(S3Proxy proxy, String host) {
    this.proxy = proxy;
    this.host = host;
  }

  /** Starts the server on {@code host:port} (port 0 = any free port) with static keys. */
  public static EmbeddedS3 start(Path dir, String host, int port, String accessKey, String secretKey) throws Exception {
    Files.createDirectories(dir);
    Properties props = new Properties();
    props.setProperty("jclouds.filesystem.basedir", dir.toAbsolutePath().toString());
    S3Proxy proxy =
        S3Proxy.builder()
            .blobStore(BlobStores.create("filesystem", props))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
            .endpoint(URI.create("http://" + host + ":" + port))
            .corsRules(cors(host))
            .build();
    guard(proxy, new BrowserGuard(host));
    try {
      proxy.start();
    } catch (Exception e) {
      if (PortInUseException.isBindFailure(e)) {
        throw new PortInUseException(PortInUseException.Server.S3, host, port, e);
      }
      throw e;
    }
    Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
    while (!"STARTED".equals(proxy.getState())) {
      if ("FAILED".equals(proxy.getState()) || Instant.now().isAfter(deadline)) {
        proxy.stop();
        throw new IllegalStateException("the embedded S3 server did not start on " + host + ":" + port
            + " (is the port in use? choose another with --port)");
      }
      Thread.sleep(20);
    }
    return new EmbeddedS3(proxy, host);
  }

  /**
   * What the dashboard's map needs from the store (the rule event-sources/dashboard/s3-cors.json
   * asks a real bucket for): the watcher's page, on this machine but on its own port, reads the
   * results through presigned links with range requests, so GET and HEAD from a page of this
   * machine (any port) may send {@code Range} and read {@code Content-Range}, {@code
   * Content-Length} and {@code ETag} (geotiff.js needs them to know what a range read returned).
   * The presigned signature is still what authorises a read. S3Proxy matches origins as regular
   * expressions ({@code CrossOriginResourceSharing}) and header names as written, so both cases
   * are listed.
   */
  static org.gaul.s3proxy.CrossOriginResourceSharing cors(String host) {
    String names = "localhost|127\\.0\\.0\\.1|\\[::1\\]";
    if (!"0.0.0.0".equals(host) && !host.isBlank()) {
      names += "|" + java.util.regex.Pattern.quote(host);
    }
    return new org.gaul.s3proxy.CrossOriginResourceSharing(
        java.util.List.of("https?://(" + names + ")(:\\d+)?"),
        java.util.List.of("GET", "HEAD"),
        java.util.List.of("Range", "range", "If-None-Match", "if-none-match", "If-Modified-Since", "if-modified-since"),
        java.util.List.of("Content-Range", "Content-Length", "ETag", "Accept-Ranges", "Last-Modified"),
        "false");
  }

  /**
   * Puts the filter in front of S3Proxy's servlet. S3Proxy builds a Jetty {@code Server} whose
   * handler is a {@code ServletContextHandler} inside a {@code GracefulHandler} (S3Proxy.java, constructor: {@code new
   * ServletContextHandler()}, {@code server.setHandler(context)}) but exposes neither, so they are
   * reached by reflection; {@code addFilter(Filter, String, EnumSet)} takes only servlet API types.
   * If S3Proxy changes that, start-up fails here rather than running unguarded.
   */
  private static void guard(S3Proxy proxy, jakarta.servlet.Filter filter) {
    try {
      java.lang.reflect.Field field = S3Proxy.class.getDeclaredField("server");
      field.setAccessible(true);
      Object server = field.get(proxy);
      Object handler = server.getClass().getMethod("getHandler").invoke(server);
      // the context sits inside wrappers (Jetty's GracefulHandler); walk down to it
      while (handler != null) {
        try {
          handler.getClass()
              .getMethod("addFilter", jakarta.servlet.Filter.class, String.class, java.util.EnumSet.class)
              .invoke(handler, filter, "/*", java.util.EnumSet.of(jakarta.servlet.DispatcherType.REQUEST));
          return;
        } catch (NoSuchMethodException e) {
          handler = handler.getClass().getMethod("getHandler").invoke(handler);
        }
      }
      throw new IllegalStateException("no servlet context found");
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("cannot guard the embedded S3 server (S3Proxy changed?): " + e, e);
    }
  }

  public int port() {
    return proxy.getPort();
  }

  /** The endpoint clients use ({@code 0.0.0.0} is reached as {@code 127.0.0.1} from this machine). */
  public String endpoint() {
    String reach = "0.0.0.0".equals(host) ? "127.0.0.1" : host;
    return "http://" + reach + ":" + port();
  }

  @Override
  public void close() throws Exception {
    proxy.stop();
  }
}
