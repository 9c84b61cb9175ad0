package org.odmwatcher.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.storage.BucketStore.PutOutcome;
import org.odmwatcher.testing.Clients;
import org.odmwatcher.testing.RealServers;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** The one S3 door against a real S3 server (S3Proxy): reads, limits, listings, conditions, failures. */
class BucketStoreTest {
  private static final String BUCKET = "store-" + UUID.randomUUID().toString().substring(0, 8);
  private static S3Client s3;
  private static BucketStore store;

  @BeforeAll
  static void setUp() {
    s3 = Clients.s3(RealServers.get());
    s3.createBucket(b -> b.bucket(BUCKET));
    store = new BucketStore(s3);
  }

  @AfterAll
  static void tearDown() {
    s3.close();
  }

  @Test
  void readsAtMostTheLimitAndSaysSo() throws Exception {
    s3.putObject(b -> b.bucket(BUCKET).key("big"), RequestBody.fromBytes(new byte[5000]));
    BucketStore.Blob blob = store.get(BUCKET, "big", 1000).orElseThrow();
    assertThat(blob.truncated()).isTrue();
    assertThat(blob.bytes()).hasSize(1000);
    assertThat(store.get(BUCKET, "big", 5000).orElseThrow().truncated()).isFalse();
    assertThat(store.get(BUCKET, "missing", 10)).isEmpty();
  }

  @Test
  void listsAFolderWithoutDescending() throws Exception {
    for (String key : new String[] {"f/a.jpg", "f/b.jpg", "f/results/x.tif", "f/sub/c.jpg", "g/d.jpg"}) {
      s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromString("x"));
    }
    BucketStore.FolderContents contents = store.listFolder(BUCKET, "f/");
    assertThat(contents.files()).extracting(BucketStore.Entry::key).containsExactly("f/a.jpg", "f/b.jpg");
    assertThat(contents.subFolders()).containsExactly("f/results/", "f/sub/");
    assertThat(store.listAll(BUCKET, "f/")).hasSize(4);
  }

  @Test
  void conditionalWritesRespectTheReadETag() throws Exception {
    assertThat(store.put(BUCKET, "cond", new byte[] {1}, "application/json", null, true)).isEqualTo(PutOutcome.WRITTEN);
    PutOutcome again = store.put(BUCKET, "cond", new byte[] {2}, "application/json", null, true);
    PutOutcome stale = store.put(BUCKET, "cond", new byte[] {3}, "application/json", "0000", false);
    // AWS S3, MinIO and S3Proxy answer 412 to both.
    assertThat(again).isEqualTo(PutOutcome.PRECONDITION_FAILED);
    assertThat(stale).isEqualTo(PutOutcome.PRECONDITION_FAILED);
    String eTag = store.get(BUCKET, "cond", 10).orElseThrow().eTag();
    assertThat(store.put(BUCKET, "cond", new byte[] {4}, "application/json", eTag, false)).isEqualTo(PutOutcome.WRITTEN);
  }

  @Test
  void aConditionalReadSendsNothingWhileTheETagStillMatches() throws Exception {
    s3.putObject(b -> b.bucket(BUCKET).key("cond"), RequestBody.fromString("one"));
    BucketStore.Blob first = store.get(BUCKET, "cond", 100).orElseThrow();
    assertThat(store.getIfChanged(BUCKET, "cond", 100, first.eTag())).isInstanceOf(BucketStore.Revalidated.NotModified.class);

    s3.putObject(b -> b.bucket(BUCKET).key("cond"), RequestBody.fromString("two"));
    BucketStore.Revalidated changed = store.getIfChanged(BUCKET, "cond", 100, first.eTag());
    assertThat(changed).isInstanceOf(BucketStore.Revalidated.Changed.class);
    BucketStore.Blob second = ((BucketStore.Revalidated.Changed) changed).blob();
    assertThat(new String(second.bytes(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("two");
    assertThat(second.eTag()).isNotEqualTo(first.eTag());
    assertThat(store.getIfChanged(BUCKET, "cond", 100, null)).isInstanceOf(BucketStore.Revalidated.Changed.class);

    s3.deleteObject(b -> b.bucket(BUCKET).key("cond"));
    assertThat(store.getIfChanged(BUCKET, "cond", 100, second.eTag())).isInstanceOf(BucketStore.Revalidated.Gone.class);
    assertThat(store.getIfChanged(BUCKET, "cond", 100, null)).isInstanceOf(BucketStore.Revalidated.Gone.class);
  }

  @Test
  void anUnreachableStoreIsATransientFailure() {
    try (S3Client down =
        S3Client.builder()
            .endpointOverride(URI.create("http://127.0.0.1:1"))
            .region(Region.US_EAST_1)
            .forcePathStyle(true)
            .credentialsProvider(AnonymousCredentialsProvider.create())
            .httpClient(ApacheHttpClient.create())
            .build()) {
      BucketStore unreachable = new BucketStore(down);
      assertThatThrownBy(() -> unreachable.get(BUCKET, "k", 10)).isInstanceOf(TransientFailureException.class);
      assertThatThrownBy(() -> unreachable.getIfChanged(BUCKET, "k", 10, "abc")).isInstanceOf(TransientFailureException.class);
      assertThatThrownBy(() -> unreachable.listFolder(BUCKET, "f/")).isInstanceOf(TransientFailureException.class);
      assertThatThrownBy(() -> unreachable.put(BUCKET, "k", new byte[0], "x", null, false))
          .isInstanceOf(TransientFailureException.class);
    }
  }
}
