package org.odmwatcher.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.api.dto.TaskRecord;
import org.odmwatcher.status.JobState;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.StatusCodec;
import org.odmwatcher.status.StatusWriter;
import org.odmwatcher.storage.BucketStore;
import org.odmwatcher.testing.Clients;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.Principal;
import org.odmwatcher.testing.contract.AwsCallRecorder;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The API's task view against S3Proxy: every S3 request is counted by the SDK's global interceptor
 * ({@link AwsCallRecorder}); "another replica" is a second writer with its own client writing to
 * the bucket directly.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TaskViewTest {
  private static final String PREFIX = "api-tasks/";
  private final PipelineFixture world = new PipelineFixture("view");
  private final S3Client watcherS3 = Clients.s3(world.servers, Principal.WATCHER);
  private final BucketStore store = new BucketStore(watcherS3);
  private final ObjectMapper json = new ObjectMapper();
  private final StatusWriter ownWriter =
      new StatusWriter(store, new StatusCodec(), "status.json", "auto", Clock.systemUTC());
  private final StatusWriter otherReplica =
      new StatusWriter(new BucketStore(world.s3), new StatusCodec(), "status.json", "auto", Clock.systemUTC());

  @AfterAll
  void close() {
    watcherS3.close();
    world.close();
  }

  private TaskView view(Duration expiry) {
    TaskView view = new TaskView(store, world.bucket, PREFIX, "status.json",
        new ResultsArchive(store, "results/"), new StatusCodec(), json, expiry);
    ownWriter.addListener(view);
    return view;
  }

  private String task(JobState state) throws Exception {
    String uuid = UUID.randomUUID().toString();
    String folder = PREFIX + uuid + "/";
    TaskRecord task = new TaskRecord(uuid, "Field " + uuid.substring(0, 4), json.createArrayNode(), null, List.of(),
        false, System.currentTimeMillis(), 0, null);
    world.s3.putObject(b -> b.bucket(world.bucket).key(folder + "task.json"), RequestBody.fromBytes(json.writeValueAsBytes(task)));
    world.uploadImages(folder, 3);
    if (state != null) {
      otherReplica.record(world.bucket, folder, status(uuid, state));
    }
    return uuid;
  }

  private static JobStatus status(String uuid, JobState state) {
    return JobStatus.of("job-" + uuid, "etag-1", "Field", state, "state " + state, Instant.now()).withImages(3, 3);
  }

  private long calls(String uuid) {
    return AwsCallRecorder.s3Calls(world.bucket, PREFIX + uuid + "/");
  }

  @Test
  void aSecondReadWithinTheExpiryMakesNoS3Request() throws Exception {
    TaskView view = view(Duration.ofMinutes(5));
    String uuid = task(JobState.RUNNING);
    long before = calls(uuid);
    TaskView.Snapshot first = view.snapshot(uuid);
    long afterMiss = calls(uuid);
    assertThat(afterMiss - before).as("a miss reads task.json and status.json").isEqualTo(2);

    for (int i = 0; i < 50; i++) {
      assertThat(view.snapshot(uuid)).isSameAs(first);
    }
    assertThat(calls(uuid)).as("S3 requests for 50 hits").isEqualTo(afterMiss);
    assertThat(first.status().orElseThrow().state()).isEqualTo(JobState.RUNNING);
  }

  @Test
  void anExpiredSnapshotIsRevalidatedWithConditionalGetsAndKeptWhenNothingChanged() throws Exception {
    TaskView view = view(Duration.ofMillis(200));
    String uuid = task(JobState.RUNNING);
    TaskView.Snapshot first = view.snapshot(uuid);
    await().atMost(Duration.ofSeconds(5)).until(() -> view.snapshot(uuid).checkedAt() != first.checkedAt());
    TaskView.Snapshot revalidated = view.snapshot(uuid);
    // 304 Not Modified: the files were not sent again, so nothing was decoded again
    assertThat(revalidated.task()).isSameAs(first.task());
    assertThat(revalidated.status()).isSameAs(first.status());
    assertThat(revalidated.taskETag()).isEqualTo(first.taskETag());
  }

  @Test
  void aStatusAnotherReplicaWroteIsSeenWithinTheExpiry() throws Exception {
    Duration expiry = Duration.ofSeconds(2);
    TaskView view = view(expiry);
    String uuid = task(JobState.SUBMITTED);
    assertThat(view.snapshot(uuid).status().orElseThrow().state()).isEqualTo(JobState.SUBMITTED);

    long written = System.nanoTime();
    otherReplica.record(world.bucket, PREFIX + uuid + "/", status(uuid, JobState.RUNNING));
    await().atMost(expiry.plusMillis(500)).pollInterval(Duration.ofMillis(50))
        .until(() -> view.snapshot(uuid).status().orElseThrow().state() == JobState.RUNNING);
    assertThat(Duration.ofNanos(System.nanoTime() - written)).isLessThanOrEqualTo(expiry.plusMillis(500));
  }

  @Test
  void aTaskAnotherReplicaRemovedIsGoneWithinTheExpiryFromInfoAndList() throws Exception {
    Duration expiry = Duration.ofSeconds(2);
    TaskView view = view(expiry);
    String uuid = task(JobState.FAILED);
    assertThat(view.snapshot(uuid).task()).isNotNull();
    assertThat(view.list()).contains(uuid);

    new BucketStore(world.s3).deleteAll(world.bucket, PREFIX + uuid + "/");
    await().atMost(expiry.plusMillis(500)).pollInterval(Duration.ofMillis(50))
        .until(() -> view.snapshot(uuid).task() == null && !view.list().contains(uuid));
  }

  @Test
  void theWatchersOwnStatusWriteIsSeenAtOnceWithoutReadingItBack() throws Exception {
    TaskView view = view(Duration.ofMinutes(5));
    String uuid = task(JobState.SUBMITTED);
    assertThat(view.snapshot(uuid).status().orElseThrow().state()).isEqualTo(JobState.SUBMITTED);

    ownWriter.record(world.bucket, PREFIX + uuid + "/", status(uuid, JobState.RUNNING).withProgress("opensfm", 40));
    long afterWrite = calls(uuid);
    TaskView.Snapshot seen = view.snapshot(uuid);
    assertThat(seen.status().orElseThrow().state()).isEqualTo(JobState.RUNNING);
    assertThat(seen.status().orElseThrow().progress()).isEqualTo(40);
    assertThat(calls(uuid)).as("S3 requests to read our own write").isEqualTo(afterWrite);
  }

  @Test
  void aTaskForgottenAfterTheApisOwnWriteIsReadAgainAtOnce() throws Exception {
    TaskView view = view(Duration.ofMinutes(5));
    String uuid = task(null);
    assertThat(view.snapshot(uuid).images()).isEqualTo(3);
    world.uploadImages(PREFIX + uuid + "/", 5);
    assertThat(view.snapshot(uuid).images()).as("within the expiry, before forget").isEqualTo(3);
    view.forget(uuid);
    assertThat(view.snapshot(uuid).images()).isEqualTo(5);
  }

  @Test
  void anUnreachableStoreOnAMissIsATransientFailureNotAnEmptyAnswer() throws Exception {
    try (S3Client down = S3Client.builder()
        .endpointOverride(java.net.URI.create("http://127.0.0.1:1"))
        .region(software.amazon.awssdk.regions.Region.US_EAST_1)
        .forcePathStyle(true)
        .credentialsProvider(software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider.create())
        .httpClient(software.amazon.awssdk.http.apache.ApacheHttpClient.create())
        .build()) {
      BucketStore unreachable = new BucketStore(down);
      TaskView view = new TaskView(unreachable, world.bucket, PREFIX, "status.json",
          new ResultsArchive(unreachable, "results/"), new StatusCodec(), json, Duration.ofMinutes(5));
      String uuid = UUID.randomUUID().toString();
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> view.snapshot(uuid))
          .isInstanceOf(org.odmwatcher.retry.TransientFailureException.class);
      org.assertj.core.api.Assertions.assertThatThrownBy(view::list)
          .isInstanceOf(org.odmwatcher.retry.TransientFailureException.class);
    }
  }

  @Test
  void aTaskThatDoesNotExistIsAnsweredFromMemoryTooUntilItAppears() throws Exception {
    TaskView view = view(Duration.ofMinutes(5));
    String uuid = UUID.randomUUID().toString();
    assertThat(view.snapshot(uuid).task()).isNull();
    long afterMiss = calls(uuid);
    assertThat(view.snapshot(uuid).task()).isNull();
    assertThat(calls(uuid)).isEqualTo(afterMiss);
  }
}
