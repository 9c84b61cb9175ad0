package org.odmwatcher.storage;

import java.net.URI;
import java.time.Duration;
import org.odmwatcher.config.S3Config;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** Presigned GET links to objects, so a browser downloads results from the store itself. */
public final class ObjectLinks implements AutoCloseable {
  private final S3Presigner presigner;
  private final Duration ttl;

  public ObjectLinks(S3Config config, Duration ttl) {
    S3Presigner.Builder builder =
        S3Presigner.builder()
            .region(Region.of(config.region()))
            .credentialsProvider(S3ClientFactory.credentials(config))
            .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(config.pathStyle()).build());
    if (config.hasEndpoint()) {
      builder.endpointOverride(URI.create(config.endpoint()));
    }
    this.presigner = builder.build();
    this.ttl = ttl;
  }

  /** A link valid for the configured time; {@code attachmentName} makes browsers save it. */
  public URI get(String bucket, String key, String attachmentName) {
    return URI.create(
        presigner
            .presignGetObject(
                p -> p.signatureDuration(ttl)
                    .getObjectRequest(g -> g.bucket(bucket).key(key)
                        .responseContentDisposition("attachment; filename=\"" + attachmentName.replace("\"", "") + "\"")))
            .url()
            .toString());
  }

  /**
   * A link for the browser to read an object in place (the dashboard's map): no {@code
   * Content-Disposition}, and only the host is signed, so the reader may add a {@code Range}
   * header to fetch just the parts it draws (a Cloud Optimized GeoTIFF's header, then its tiles).
   */
  public URI view(String bucket, String key) {
    return URI.create(
        presigner.presignGetObject(p -> p.signatureDuration(ttl).getObjectRequest(g -> g.bucket(bucket).key(key)))
            .url()
            .toString());
  }

  @Override
  public void close() {
    presigner.close();
  }
}
