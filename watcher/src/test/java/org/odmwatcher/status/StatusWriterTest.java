package org.odmwatcher.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.odmwatcher.storage.BucketStore;
import org.odmwatcher.testing.Clients;
import org.odmwatcher.testing.RealServers;
import org.odmwatcher.testing.StatusSchema;
import software.amazon.awssdk.services.s3.S3Client;

/** status.json writes against a real S3 server (S3Proxy). */
class StatusWriterTest {
  private static S3Client s3;
  private static final String BUCKET = "status-" + UUID.randomUUID().toString().substring(0, 8);
  private static final String JOB = "0123456789abcdef0123456789abcdef";
  private static final String OTHER_JOB = "fedcba9876543210fedcba9876543210";

  private final StatusWriter writer =
      new StatusWriter(new BucketStore(s3), new StatusCodec(), "status.json", "auto", Clock.systemUTC());

  @BeforeAll
  static void bucket() {
    s3 = Clients.s3(RealServers.get());
    s3.createBucket(b -> b.bucket(BUCKET));
  }

  @AfterAll
  static void close() {
    s3.close();
  }

  private byte[] raw(String folder) {
    return s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(folder + "status.json")).asByteArray();
  }

  private static JobStatus status(String job, JobState state) {
    return JobStatus.of(job, "etag", "Farm", state, state.wireName(), Instant.now());
  }

  @Test
  void everyStateWrittenSatisfiesThePublishedSchema() throws Exception {
    int i = 0;
    for (JobState state : JobState.values()) {
      String folder = "schema-" + i++ + "/";
      JobStatus s = status(JOB, state).withImages(10, 12).withProgress("process", 40);
      if (state == JobState.INVALID) {
        s = s.withErrors(List.of("unknown option 'x'"));
      }
      if (state == JobState.SUCCEEDED) {
        s = s.withOutputs(List.of("results/odm_orthophoto/odm_orthophoto.tif"));
      }
      if (state == JobState.FAILED) {
        s = s.withLogTail(List.of("[ERROR] out of memory"));
      }
      writer.record(BUCKET, folder, s.withWorkflow(new JobStatus.WorkflowRef("odm", "odm-1"), "argo"));
      assertThat(StatusSchema.assertValid(raw(folder)).path("state").asText()).isEqualTo(state.wireName());
    }
  }

  @Test
  void schemaRejectsWhatDashboardsCouldNotRelyOn() throws Exception {
    ObjectMapper json = new ObjectMapper();
    var missingErrors = json.readTree(
        "{\"schemaVersion\":1,\"jobId\":\"" + JOB + "\",\"state\":\"invalid\",\"message\":\"m\",\"createdAt\":\"2026-01-01T00:00:00Z\",\"updatedAt\":\"2026-01-01T00:00:00Z\",\"finishedAt\":\"2026-01-01T00:00:00Z\"}");
    assertThat(StatusSchema.problems(missingErrors)).isNotEmpty();
    var unknownState = json.readTree(
        "{\"schemaVersion\":1,\"jobId\":\"" + JOB + "\",\"state\":\"done\",\"message\":\"m\",\"createdAt\":\"2026-01-01T00:00:00Z\",\"updatedAt\":\"2026-01-01T00:00:00Z\"}");
    assertThat(StatusSchema.problems(unknownState)).isNotEmpty();
  }

  @Test
  void neverGoesBackwards() throws Exception {
    String folder = "order/";
    writer.record(BUCKET, folder, status(JOB, JobState.SUBMITTED));
    writer.advance(BUCKET, folder, JOB, s -> s.moveTo(JobState.SUCCEEDED, "done", Instant.now()));
    assertThat(writer.advance(BUCKET, folder, JOB, s -> s.moveTo(JobState.RUNNING, "late", Instant.now()))).isEmpty();
    writer.record(BUCKET, folder, status(JOB, JobState.SUBMITTED)); // a redelivered manifest event
    assertThat(writer.advance(BUCKET, folder, JOB, s -> s.moveTo(JobState.FAILED, "other final", Instant.now()))).isEmpty();
    JobStatus now = writer.read(BUCKET, folder).orElseThrow();
    assertThat(now.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(now.finishedAt()).isNotNull();
  }

  @Test
  void aStoppedWorkflowReportedFailedBeforeTheCancelIsRecordedStillEndsCanceled() throws Exception {
    // Argo reports a Workflow stopped on request as Failed, and its exit handler may record that
    // before the watcher that asked for the stop records the cancel.
    String folder = "stopped/";
    writer.record(BUCKET, folder, status(JOB, JobState.RUNNING));
    writer.advance(BUCKET, folder, JOB, s -> s.moveTo(JobState.FAILED, "workflow failed", Instant.now()));
    assertThat(writer.advance(BUCKET, folder, JOB, s -> s.moveTo(JobState.CANCELED, "canceled by odm.json", Instant.now())))
        .isPresent();
    assertThat(writer.advance(BUCKET, folder, JOB, s -> s.moveTo(JobState.FAILED, "late exit handler", Instant.now()))).isEmpty();
    assertThat(writer.read(BUCKET, folder).orElseThrow().state()).isEqualTo(JobState.CANCELED);

    String succeeded = "succeeded-then-cancel/";
    writer.record(BUCKET, succeeded, status(JOB, JobState.SUCCEEDED));
    assertThat(writer.advance(BUCKET, succeeded, JOB, s -> s.moveTo(JobState.CANCELED, "too late", Instant.now()))).isEmpty();
  }

  @Test
  void aFinalStateAnotherProcessWroteFirstIsToldToTheListenersAsUpToDate() throws Exception {
    // The exit handler (its own process) records the end; the watcher's informer then finds the
    // same state already there and writes nothing, but its dashboard index must still learn it.
    String folder = "other-process/";
    StatusWriter exitHandler =
        new StatusWriter(new BucketStore(s3), new StatusCodec(), "status.json", "auto", Clock.systemUTC());
    List<JobStatus> written = new ArrayList<>();
    List<JobStatus> upToDate = new ArrayList<>();
    writer.addListener(new StatusListener() {
      @Override
      public void written(String bucket, String f, JobStatus status) {
        written.add(status);
      }

      @Override
      public void upToDate(String bucket, String f, JobStatus status) {
        upToDate.add(status);
      }
    });
    writer.record(BUCKET, folder, status(JOB, JobState.RUNNING));
    exitHandler.advance(BUCKET, folder, JOB, s -> s.moveTo(JobState.FAILED, "process failed: main: Error (exit code 137)", Instant.now()));

    assertThat(writer.advance(BUCKET, folder, JOB, s -> s.moveTo(JobState.FAILED, "process failed: main: Error (exit code 137)", s.updatedAt())))
        .isEmpty();
    assertThat(written).extracting(JobStatus::state).containsExactly(JobState.RUNNING);
    assertThat(upToDate).singleElement().satisfies(s -> {
      assertThat(s.state()).isEqualTo(JobState.FAILED);
      assertThat(s.message()).isEqualTo("process failed: main: Error (exit code 137)");
    });
  }

  @Test
  void progressOnlyMovesForwardAndCreatedAtIsKept() throws Exception {
    String folder = "progress/";
    JobStatus first = writer.record(BUCKET, folder, status(JOB, JobState.SUBMITTED));
    writer.advance(BUCKET, folder, JOB, s -> s.moveTo(JobState.RUNNING, "r", Instant.now()).withProgress("process", 60));
    assertThat(writer.advance(BUCKET, folder, JOB, s -> s.withProgress("download", 20))).isEmpty();
    JobStatus now = writer.read(BUCKET, folder).orElseThrow();
    assertThat(now.progress()).isEqualTo(60);
    assertThat(now.createdAt()).isEqualTo(first.createdAt());
  }

  @Test
  void aNewManifestVersionReplacesAndOldJobUpdatesAreDropped() throws Exception {
    String folder = "versions/";
    writer.record(BUCKET, folder, status(JOB, JobState.SUBMITTED));
    writer.record(BUCKET, folder, status(OTHER_JOB, JobState.WAITING));
    assertThat(writer.advance(BUCKET, folder, JOB, s -> s.moveTo(JobState.SUCCEEDED, "old", Instant.now()))).isEmpty();
    JobStatus now = writer.read(BUCKET, folder).orElseThrow();
    assertThat(now.jobId()).isEqualTo(OTHER_JOB);
    assertThat(now.state()).isEqualTo(JobState.WAITING);
  }

  @Test
  void concurrentUpdatesInOneProcessEndAtTheHighestState() throws Exception {
    String folder = "race/";
    writer.record(BUCKET, folder, status(JOB, JobState.SUBMITTED));
    var pool = Executors.newFixedThreadPool(4);
    try {
      List<Callable<Object>> tasks = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        JobState state = i == 7 ? JobState.SUCCEEDED : JobState.RUNNING;
        int progress = i * 10;
        tasks.add(() -> writer.advance(BUCKET, folder, JOB, s -> s.moveTo(state, "x", Instant.now()).withProgress("p", progress)));
      }
      for (Future<Object> f : pool.invokeAll(tasks)) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    assertThat(writer.read(BUCKET, folder).orElseThrow().state()).isEqualTo(JobState.SUCCEEDED);
  }

  @Test
  void aWriteThatLostTheRaceIsMergedAgainNotForced() throws Exception {
    // Another replica (or the workflow's exit handler) writes between our read and our write: our
    // If-Match fails with 412, we read again, and the merge refuses to go back from succeeded.
    String folder = "replicas/";
    writer.record(BUCKET, folder, status(JOB, JobState.SUBMITTED));
    StatusWriter otherReplica = new StatusWriter(new BucketStore(s3), new StatusCodec(), "status.json", "on", Clock.systemUTC());
    AtomicInteger calls = new AtomicInteger();
    var written =
        writer.advance(BUCKET, folder, JOB, s -> {
          if (calls.incrementAndGet() == 1) {
            try {
              otherReplica.advance(BUCKET, folder, JOB, o -> o.moveTo(JobState.SUCCEEDED, "done elsewhere", Instant.now()));
            } catch (org.odmwatcher.retry.TransientFailureException e) {
              throw new IllegalStateException(e);
            }
          }
          return s.moveTo(JobState.RUNNING, "late", Instant.now());
        });
    assertThat(calls).hasValue(2);
    assertThat(written).isEmpty();
    assertThat(writer.read(BUCKET, folder).orElseThrow().state()).isEqualTo(JobState.SUCCEEDED);
  }

  @Test
  void unreadableStatusIsReplacedNotFatal() throws Exception {
    String folder = "corrupt/";
    s3.putObject(b -> b.bucket(BUCKET).key(folder + "status.json"), software.amazon.awssdk.core.sync.RequestBody.fromString("{oops"));
    writer.record(BUCKET, folder, status(JOB, JobState.SUBMITTED));
    assertThat(writer.read(BUCKET, folder).orElseThrow().state()).isEqualTo(JobState.SUBMITTED);
  }
}
