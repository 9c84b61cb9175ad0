package org.odmwatcher.faults;

import java.net.ServerSocket;
import java.net.URI;
import java.util.Properties;
import org.awaitility.Awaitility;
import org.gaul.s3proxy.AccessGrant;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.odmwatcher.testing.Principal;

/**
 * An S3Proxy that can go away and come back on the same port with the objects it held, to play an
 * S3 outage (connections refused) for a watcher running as a separate process. Same store and
 * identities as {@code RealServers}' S3Proxy; its own instance, so the other tests' store stays up.
 */
final class RestartableS3 implements AutoCloseable {
  private final BlobStore store;
  private final int port;
  private S3Proxy proxy;

  RestartableS3() throws Exception {
    Properties props = new Properties();
    props.setProperty("jclouds.filesystem.basedir", java.nio.file.Files.createTempDirectory("faults-s3").toString());
    store = BlobStores.create("transient", props);
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    start();
  }

  String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  synchronized void start() throws Exception {
    proxy = S3Proxy.builder()
        .blobStore(store)
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, Principal.PILOT.accessKey(), Principal.PILOT.secretKey())
        .endpoint(URI.create(endpoint()))
        .build();
    proxy.setBlobStoreLocator(
        (identity, container, blob) ->
            Principal.byAccessKey(identity).map(p -> new AccessGrant(p.secretKey(), store)).orElse(null));
    proxy.start();
    Awaitility.await().until(() -> "STARTED".equals(proxy.getState()));
  }

  /** Connections are refused until {@link #start()}. */
  synchronized void stop() throws Exception {
    proxy.stop();
    Awaitility.await().until(() -> "STOPPED".equals(proxy.getState()));
  }

  @Override
  public void close() throws Exception {
    if (proxy != null && "STARTED".equals(proxy.getState())) {
      stop();
    }
  }
}
