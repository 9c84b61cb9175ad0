package org.odmwatcher.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.testing.Clients;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.Principal;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Which store answers are permanent and which transient: an answer that will never change (400 for
 * a malformed or over-long key, 414) must not be retried forever as if the store were down. S3Proxy
 * accepts keys over S3's 1,024 bytes, so the permanent codes are checked on the SDK's own exception.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BucketStoreFailureKindsTest {
  private final PipelineFixture world = new PipelineFixture("kinds");
  private final S3Client client = Clients.s3(world.servers, Principal.WATCHER);
  private final BucketStore store = new BucketStore(client);

  @AfterAll
  void close() {
    client.close();
    world.close();
  }

  @Test
  void aStoreThatIsDownStaysTransient() {
    try (S3Client down = S3Client.builder()
        .endpointOverride(java.net.URI.create("http://127.0.0.1:1"))
        .region(software.amazon.awssdk.regions.Region.US_EAST_1)
        .forcePathStyle(true)
        .credentialsProvider(Clients.credentials(Principal.WATCHER))
        .build()) {
      assertThatThrownBy(() -> new BucketStore(down).get(world.bucket, "a/odm.json", 100))
          .isInstanceOf(TransientFailureException.class);
    }
  }

  @Test
  void badRequestCodesThatChangeWithTimeOrCredentialsStayTransient() {
    assertThat(BucketStore.isPermanent(s3Error(400, "RequestTimeout"))).isFalse();
    assertThat(BucketStore.isPermanent(s3Error(400, "ExpiredToken"))).isFalse();
    assertThat(BucketStore.isPermanent(s3Error(400, "KeyTooLongError"))).isTrue();
    assertThat(BucketStore.isPermanent(s3Error(414, "UriTooLong"))).isTrue();
    assertThat(BucketStore.isPermanent(s3Error(503, "SlowDown"))).isFalse();
    assertThat(BucketStore.isPermanent(s3Error(403, "AccessDenied"))).isFalse();
  }

  private static S3Exception s3Error(int status, String code) {
    return (S3Exception) S3Exception.builder()
        .statusCode(status)
        .awsErrorDetails(software.amazon.awssdk.awscore.exception.AwsErrorDetails.builder().errorCode(code).build())
        .build();
  }
}
