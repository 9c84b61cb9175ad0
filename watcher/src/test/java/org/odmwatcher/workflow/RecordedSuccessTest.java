package org.odmwatcher.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.odmwatcher.status.JobState;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.StatusCodec;
import org.odmwatcher.status.StatusListener;
import org.odmwatcher.status.StatusWriter;
import org.odmwatcher.storage.BucketStore;
import org.odmwatcher.testing.Clients;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.Principal;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * A success recorded once is not recorded again: the reconcile of completed Workflows at each start
 * (and the exit handler racing the informer) finds the status already succeeded for the job and
 * leaves its Item and outputs as they are, telling the listeners only.
 */
class RecordedSuccessTest {
  private static final String JOB = "5a000000000000000000000000000001";
  private final PipelineFixture world = new PipelineFixture("recorded-success");

  @AfterEach
  void close() {
    world.close();
  }

  @Test
  void aSecondSuccessOfTheSameJobWritesNoItemAgainAndTellsTheListeners() throws Exception {
    BucketStore store = new BucketStore(Clients.s3(world.servers, Principal.WATCHER));
    StatusWriter writer = new StatusWriter(store, new StatusCodec(), "status.json", "auto", Clock.systemUTC());
    List<JobState> heard = new ArrayList<>();
    writer.addListener(new StatusListener() {
      @Override
      public void written(String bucket, String folder, JobStatus status) {}

      @Override
      public void upToDate(String bucket, String folder, JobStatus status) {
        heard.add(status.state());
      }
    });
    PhaseRecorder recorder = new PhaseRecorder(writer, store, "results/", Clock.systemUTC());
    String folder = "site/flight-1/";
    writer.record(world.bucket, folder, JobStatus.of(JOB, "e", "flight", JobState.RUNNING, "running", Instant.now()));
    world.s3.putObject(b -> b.bucket(world.bucket).key(folder + "results/odm.log"), RequestBody.fromString("done"));
    WorkflowPhase succeeded = new WorkflowPhase(JobState.SUCCEEDED, "succeeded", null, null);

    recorder.record(world.bucket, folder, JOB, succeeded);
    assertThat(store.get(world.bucket, folder + "results/stac-item.json", 1 << 20)).isPresent();
    JobStatus first = writer.read(world.bucket, folder).orElseThrow();
    assertThat(first.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(first.outputs()).contains("results/stac-item.json");

    // the Item gone, as if never written: a second record of the same success must not make it again
    world.s3.deleteObject(b -> b.bucket(world.bucket).key(folder + "results/stac-item.json"));
    recorder.record(world.bucket, folder, JOB, succeeded);

    assertThat(store.get(world.bucket, folder + "results/stac-item.json", 1 << 20)).isEmpty();
    assertThat(writer.read(world.bucket, folder).orElseThrow()).isEqualTo(first);
    assertThat(heard).containsExactly(JobState.SUCCEEDED);
  }
}
