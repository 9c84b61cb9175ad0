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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.odmwatcher.status.JobState;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.OutputKeyValidator;
import org.odmwatcher.status.StatusCodec;
import org.odmwatcher.status.StatusIndex;
import org.odmwatcher.storage.BucketStore;
import org.odmwatcher.testing.PipelineFixture;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The dashboard's first seed of a bucket starts from the summary object: its rows make the list
 * complete at once, and the listing after it reads only the statuses the summary cannot vouch for
 * (absent from it, or written after it), drops the rows whose status is gone, and a summary row's
 * whole status is read when the job view asks for it.
 */
class IndexSeederSummaryTest {
  private final PipelineFixture world = new PipelineFixture("seed-summary");
  private final StatusCodec codec = new StatusCodec();

  @AfterEach
  void close() {
    world.close();
  }

  @Test
  void theFirstSeedTakesTheSummaryAndReadsOnlyWhatItCannotVouchFor() throws Exception {
    Instant now = Instant.now();
    JobStatus a = status("a", JobState.SUCCEEDED, now.minusSeconds(3600)).withOutputs(List.of("results/odm.log"));
    JobStatus c = status("c", JobState.RUNNING, now.minusSeconds(60));
    put("a/", a);
    Instant aWritten = Instant.now();
    // Last-Modified is in whole seconds: the summary's PUT comes in a later second than a's
    await().atMost(Duration.ofSeconds(5)).until(() -> Instant.now().isAfter(aWritten.plusSeconds(2)));
    // the summary lists a and a folder since removed
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("schemaVersion", 1);
    summary.put("bucket", world.bucket);
    summary.put("statusName", "status.json");
    summary.put("generatedAt", Instant.now());
    summary.put("jobs", List.of(row("a/", a), row("gone/", status("g", JobState.FAILED, now.minusSeconds(7200)))));
    world.s3.putObject(b -> b.bucket(world.bucket).key("index.json"),
        RequestBody.fromBytes(new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).writeValueAsBytes(summary)));

    put("c/", c); // written after the summary: the summary has no row for it

    StatusIndex index = new StatusIndex(new OutputKeyValidator("results/"));
    IndexSeeder seeder = new IndexSeeder(new BucketStore(world.s3), codec, index, "status.json", "index.json", Duration.ZERO);
    int read = seeder.seed(world.bucket);

    assertThat(read).as("status.json files read: only c, which the summary does not have").isEqualTo(1);
    assertThat(index.rows(world.bucket)).extracting(StatusIndex.Row::folder).containsExactly("a/", "c/");
    assertThat(index.isPartial(world.bucket, "a/")).isTrue();
    assertThat(index.get(world.bucket, "a/").orElseThrow().status().state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(index.get(world.bucket, "a/").orElseThrow().status().outputs()).as("the summary has no outputs").isNull();
    assertThat(index.isPartial(world.bucket, "c/")).isFalse();

    // the job view: a's whole status, read now
    StatusIndex.Row whole = seeder.refresh(world.bucket, "a/").orElseThrow();
    assertThat(whole.status().outputs()).containsExactly("results/odm.log");
    assertThat(index.isPartial(world.bucket, "a/")).isFalse();

    // a later round reads what changed, by ETag
    put("a/", a.withProgress(null, 100));
    assertThat(seeder.seed(world.bucket)).isEqualTo(1);
  }

  private JobStatus status(String id, JobState state, Instant at) {
    return JobStatus.of(String.format("%32s", id).replace(' ', '0'), "e", "flight " + id, state, "bench", at);
  }

  private void put(String folder, JobStatus status) {
    world.s3.putObject(b -> b.bucket(world.bucket).key(folder + "status.json"), RequestBody.fromBytes(codec.encode(status)));
  }

  private JobRow row(String folder, JobStatus s) {
    return new JobRow(world.bucket, folder, s.jobId(), s.name(), s.state().wireName(), s.message(), s.stage(), s.progress(),
        s.images(), s.expectedImages(), s.engine(), null, s.createdAt(), s.updatedAt(), s.finishedAt(), null);
  }
}
