package org.odmwatcher.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.odmwatcher.config.DashboardConfig;
import org.odmwatcher.status.JobState;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.OutputKeyValidator;
import org.odmwatcher.status.StatusIndex;
import org.odmwatcher.storage.BucketStore;
import org.odmwatcher.testing.Clients;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.Principal;

/**
 * Summary writes are paced by their own length: a round that took t keeps the next one back for
 * (DUTY - 1)·t, so a big bucket's summary (100,000 rows, 30 MB) is not rewritten every
 * summary-interval while jobs run, and nothing changed in the meantime is lost.
 */
class SummaryPacingTest {
  private static final long SECOND = 1_000_000_000L;
  private final PipelineFixture world = new PipelineFixture("summary-pacing");

  @AfterEach
  void close() {
    world.close();
  }

  @Test
  void aSlowRoundKeepsTheNextBackForNineteenTimesItsLengthAndThenWritesWhatChanged() throws Exception {
    StatusIndex index = new StatusIndex(new OutputKeyValidator("results/"));
    BucketStore store = new BucketStore(Clients.s3(world.servers, Principal.WATCHER));
    DashboardConfig config = new DashboardConfig(true, List.of(), "index.json", Duration.ofSeconds(5), Duration.ofMinutes(10),
        "redirect", Duration.ofMinutes(15), null, false, "dashboard/", Duration.ofHours(12), "auto", List.of(), null, null, 2,
        65536, 4);
    // the ticker's readings, in order: construction; round 1 starts at 0 and takes 1 s; round 2 at
    // 10 s (paced until 20 s); round 3 at 21 s, taking 0.1 s
    Deque<Long> readings = new ArrayDeque<>(List.of(0L, 0L, SECOND, 10 * SECOND, 21 * SECOND, 21 * SECOND + SECOND / 10));
    SummaryPublisher publisher = new SummaryPublisher(store, index, config, "status.json", Clock.systemUTC(), readings::pop);

    put(index, publisher, "a/", "j1");
    assertThat(publisher.publish()).isEqualTo(1);
    String first = store.get(world.bucket, "index.json", 1 << 20).orElseThrow().eTag();

    put(index, publisher, "b/", "j2");
    assertThat(publisher.publish()).as("10 s after a round of 1 s").isZero();
    assertThat(store.get(world.bucket, "index.json", 1 << 20).orElseThrow().eTag()).isEqualTo(first);

    assertThat(publisher.publish()).as("21 s after it: the change made while paced is written").isEqualTo(1);
    String summary = new String(store.get(world.bucket, "index.json", 1 << 20).orElseThrow().bytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(summary).contains("\"folder\":\"a/\"").contains("\"folder\":\"b/\"");
    assertThat(readings).isEmpty();
  }

  private void put(StatusIndex index, SummaryPublisher publisher, String folder, String jobId) {
    JobStatus status = JobStatus.of(jobId, "e", "flight", JobState.RUNNING, "running", Instant.now());
    index.put(world.bucket, folder, status);
    publisher.written(world.bucket, folder, status);
  }
}
