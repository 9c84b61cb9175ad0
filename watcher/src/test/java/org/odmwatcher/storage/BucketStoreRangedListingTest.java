package org.odmwatcher.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.testing.Clients;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.Principal;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A listing split into ranges that meet at their bounds ({@code (null, k1]}, {@code (k1, k2]},
 * {@code (k2, null)}) lists every key once, in order: the dashboard's seed lists a big bucket
 * that way, several ranges at once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BucketStoreRangedListingTest {
  private final PipelineFixture world = new PipelineFixture("ranges");
  private final S3Client client = Clients.s3(world.servers, Principal.WATCHER);
  private final BucketStore store = new BucketStore(client);

  @AfterAll
  void close() {
    client.close();
    world.close();
  }

  @Test
  void rangesThatMeetAtTheirBoundsListEveryKeyOnce() throws Exception {
    // "a.b/" sorts before "a/" ('.' < '/'); "b/" is itself a key (a folder marker) and a bound
    List<String> keys = List.of("a.b/status.json", "a/images/1.jpg", "a/status.json", "b/", "b/status.json",
        "b0/status.json", "c/results/x.tif", "c/status.json", "d/status.json", "index.json");
    for (String key : keys) {
      world.s3.putObject(r -> r.bucket(world.bucket).key(key), RequestBody.fromString(key));
    }
    List<String> whole = new ArrayList<>();
    store.listEach(world.bucket, "", e -> whole.add(e.key()));
    assertThat(whole).containsExactlyElementsOf(keys);

    List<List<String>> ranges = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    store.listEach(world.bucket, "", null, "b/", e -> ranges.get(0).add(e.key()));
    store.listEach(world.bucket, "", "b/", "c/", e -> ranges.get(1).add(e.key()));
    store.listEach(world.bucket, "", "c/", null, e -> ranges.get(2).add(e.key()));
    assertThat(ranges.get(0)).containsExactly("a.b/status.json", "a/images/1.jpg", "a/status.json", "b/");
    assertThat(ranges.get(1)).containsExactly("b/status.json", "b0/status.json");
    assertThat(ranges.get(2)).containsExactly("c/results/x.tif", "c/status.json", "d/status.json", "index.json");
  }

  @Test
  void keysAreOrderedByTheirUtf8BytesAsS3ListsThem() {
    // U+FF5E is EF BD 9E in UTF-8 and sorts before U+1F6F0 (F0 9F 9B B0); Java's String order
    // (UTF-16: FF5E against the surrogate D83D) puts it after
    String fullwidthTilde = "\uFF5E/";
    String satellite = "\uD83D\uDEF0/";
    assertThat(fullwidthTilde.compareTo(satellite)).isPositive();
    assertThat(BucketStore.KEY_ORDER.compare(fullwidthTilde, satellite)).isNegative();
    assertThat(BucketStore.KEY_ORDER.compare("a.b/", "a/")).isNegative();
    assertThat(BucketStore.KEY_ORDER.compare("b/", "b/")).isZero();
  }
}
