package org.odmwatcher.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.odmwatcher.status.JobState;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.OutputKeyValidator;
import org.odmwatcher.status.StatusCodec;
import org.odmwatcher.status.StatusIndex;
import org.odmwatcher.storage.BucketStore;
import org.odmwatcher.testing.Clients;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.Principal;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The list's two stages at start: with a usable summary object it is complete as soon as the
 * summary's rows are in (the listing that checks them runs on, behind it); the check then adds
 * the folders the summary lacks, takes the statuses written after it and drops the folders gone.
 * Without a summary the list is complete only when the listing is done. The listing is held at
 * its first page (a gate the test opens), so "while the check runs" is a state, not a race.
 */
class IndexSeederStagesTest {
  private final PipelineFixture world = new PipelineFixture("seed-stages");
  private final StatusCodec codec = new StatusCodec();
  private final GatedListingS3Client watcherS3 = new GatedListingS3Client(Clients.s3(world.servers, Principal.WATCHER));
  private final ExecutorService seeding = Executors.newSingleThreadExecutor();

  @AfterEach
  void close() {
    watcherS3.open();
    seeding.shutdownNow();
    watcherS3.close();
    world.close();
  }

  @Test
  void theListIsCompleteFromTheSummaryWhileTheCheckRunsAndTheCheckCorrectsIt() throws Exception {
    Instant now = Instant.now();
    JobStatus a = status("a", JobState.SUCCEEDED, now.minusSeconds(3600));
    JobStatus b = status("b", JobState.RUNNING, now.minusSeconds(600));
    put("a/", a);
    put("b/", b);
    Instant written = Instant.now();
    // Last-Modified is in whole seconds: the summary's PUT comes in a later second than a's and b's
    await().atMost(Duration.ofSeconds(5)).until(() -> Instant.now().isAfter(written.plusSeconds(2)));
    Instant generatedAt = Instant.now();
    putSummary(generatedAt, List.of(row("a/", a), row("b/", b), row("gone/", status("g", JobState.FAILED, now.minusSeconds(7200)))));
    // after the summary: b finished (its exit handler, while no watcher ran) and c was started
    put("b/", status("b", JobState.FAILED, Instant.now()));
    put("c/", status("c", JobState.RUNNING, Instant.now()));

    StatusIndex index = new StatusIndex(new OutputKeyValidator("results/"));
    IndexSeeder seeder = seeder(index);
    seeding.submit(() -> seeder.seedAll(List.of(world.bucket), quiet()));

    IndexSeeder.Progress fromSummary = await().atMost(Duration.ofSeconds(20)).until(seeder::progress, IndexSeeder.Progress::complete);
    assertThat(fromSummary.checked()).as("the listing is held at its first page").isFalse();
    assertThat(watcherS3.answered()).isZero();
    assertThat(fromSummary.asOf()).as("the summary's own time").isEqualTo(generatedAt);
    assertThat(index.rows(world.bucket)).extracting(StatusIndex.Row::folder).containsExactly("a/", "b/", "gone/");
    assertThat(index.get(world.bucket, "b/").orElseThrow().status().state()).isEqualTo(JobState.RUNNING);

    watcherS3.open();
    IndexSeeder.Progress checked = await().atMost(Duration.ofSeconds(20)).until(seeder::progress, IndexSeeder.Progress::checked);
    assertThat(checked.complete()).isTrue();
    assertThat(checked.asOf()).as("nothing is from the summary alone any more").isNull();
    assertThat(index.rows(world.bucket)).extracting(StatusIndex.Row::folder)
        .as("c added, gone dropped").containsExactly("a/", "b/", "c/");
    assertThat(index.get(world.bucket, "b/").orElseThrow().status().state())
        .as("the status written after the summary").isEqualTo(JobState.FAILED);
    assertThat(index.isPartial(world.bucket, "a/")).as("a unchanged since the summary: not read").isTrue();
  }

  @Test
  void withoutASummaryTheListIsCompleteOnlyWhenTheListingIsDone() throws Exception {
    put("a/", status("a", JobState.SUCCEEDED, Instant.now()));
    StatusIndex index = new StatusIndex(new OutputKeyValidator("results/"));
    IndexSeeder seeder = seeder(index);
    seeding.submit(() -> seeder.seedAll(List.of(world.bucket), quiet()));

    await().atMost(Duration.ofSeconds(20)).until(watcherS3::asked, n -> n > 0);
    assertThat(seeder.progress().complete()).as("no summary: nothing vouches for the list yet").isFalse();
    assertThat(seeder.progress().checked()).isFalse();

    watcherS3.open();
    IndexSeeder.Progress done = await().atMost(Duration.ofSeconds(20)).until(seeder::progress, IndexSeeder.Progress::complete);
    assertThat(done.checked()).isTrue();
    assertThat(done.asOf()).isNull();
    assertThat(index.rows(world.bucket)).extracting(StatusIndex.Row::folder).containsExactly("a/");
  }

  @Test
  void theCheckListsRangesOfTheBucketAtOnceAndMissesNoFolder() throws Exception {
    List<JobRow> rows = new java.util.ArrayList<>();
    List<String> folders = new java.util.ArrayList<>();
    for (int i = 0; i < 10; i++) {
      String folder = String.format("site-%02d/", i);
      JobStatus s = status("s" + i, JobState.SUCCEEDED, Instant.now().minusSeconds(3600));
      put(folder, s);
      world.s3.putObject(b -> b.bucket(world.bucket).key(folder + "images/1.jpg"), RequestBody.fromString("jpeg"));
      rows.add(row(folder, s));
      folders.add(folder);
    }
    Instant written = Instant.now();
    await().atMost(Duration.ofSeconds(5)).until(() -> Instant.now().isAfter(written.plusSeconds(2)));
    putSummary(Instant.now(), rows);
    put("site-05/", status("s5", JobState.FAILED, Instant.now()));
    put("site-10/", status("s10", JobState.RUNNING, Instant.now()));
    folders.add("site-10/");

    StatusIndex index = new StatusIndex(new OutputKeyValidator("results/"));
    IndexSeeder seeder = new IndexSeeder(new BucketStore(watcherS3), codec, index, "status.json", "index.json", Duration.ZERO, 3);
    seeding.submit(() -> seeder.seedAll(List.of(world.bucket), quiet()));

    await().atMost(Duration.ofSeconds(20)).until(watcherS3::asked, n -> n == 3);
    assertThat(seeder.progress().complete()).isTrue();
    watcherS3.open();
    await().atMost(Duration.ofSeconds(20)).until(() -> seeder.progress().checked());
    assertThat(index.rows(world.bucket)).extracting(StatusIndex.Row::folder).containsExactlyElementsOf(folders);
    assertThat(index.get(world.bucket, "site-05/").orElseThrow().status().state()).isEqualTo(JobState.FAILED);
    assertThat(watcherS3.asked()).as("one page per range: the bucket is small").isEqualTo(3);
  }

  private IndexSeeder seeder(StatusIndex index) {
    return new IndexSeeder(new BucketStore(watcherS3), codec, index, "status.json", "index.json", Duration.ZERO);
  }

  private static IndexSeeder.Seeded quiet() {
    return new IndexSeeder.Seeded() {
      @Override
      public void seeded(String bucket, int read, long millis) {}

      @Override
      public void failed(String bucket, Exception e) {
        throw new AssertionError("seed of " + bucket + " failed", e);
      }
    };
  }

  private JobStatus status(String id, JobState state, Instant at) {
    return JobStatus.of(String.format("%32s", id).replace(' ', '0'), "e", "flight " + id, state, "bench", at);
  }

  private void put(String folder, JobStatus status) {
    world.s3.putObject(b -> b.bucket(world.bucket).key(folder + "status.json"), RequestBody.fromBytes(codec.encode(status)));
  }

  private void putSummary(Instant generatedAt, List<JobRow> jobs) throws Exception {
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("schemaVersion", 1);
    summary.put("bucket", world.bucket);
    summary.put("statusName", "status.json");
    summary.put("generatedAt", generatedAt);
    summary.put("jobs", jobs);
    world.s3.putObject(b -> b.bucket(world.bucket).key("index.json"),
        RequestBody.fromBytes(new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).writeValueAsBytes(summary)));
  }

  private JobRow row(String folder, JobStatus s) {
    return new JobRow(world.bucket, folder, s.jobId(), s.name(), s.state().wireName(), s.message(), s.stage(), s.progress(),
        s.images(), s.expectedImages(), s.engine(), null, s.createdAt(), s.updatedAt(), s.finishedAt(), null);
  }
}
