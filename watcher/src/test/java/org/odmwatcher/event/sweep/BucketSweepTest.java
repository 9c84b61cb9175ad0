package org.odmwatcher.event.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.event.ObjectCreatedHandler;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.event.filter.ManifestKeyFilter;
import org.odmwatcher.event.filter.OwnWritesFilter;
import org.odmwatcher.manifest.ManifestDefaults;
import org.odmwatcher.manifest.ManifestParser;
import org.odmwatcher.manifest.ManifestValidator;
import org.odmwatcher.manifest.OptionCatalogue;
import org.odmwatcher.pipeline.ManifestHandler;
import org.odmwatcher.pipeline.SubmodelOrigins;
import org.odmwatcher.pipeline.WaitingFolders;
import org.odmwatcher.status.JobState;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.StatusCodec;
import org.odmwatcher.status.StatusWriter;
import org.odmwatcher.storage.BucketStore;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.workflow.JobId;
import org.odmwatcher.workflow.JobSpec;
import org.odmwatcher.workflow.JobSubmitter;
import software.amazon.awssdk.core.sync.RequestBody;

/** The sweep against a real S3 (S3Proxy) with the real pipeline behind it and a counting submitter. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BucketSweepTest {
  private static final String MANIFEST = "{\"options\": {\"orthophoto-resolution\": 5}}";

  private final PipelineFixture fixture = new PipelineFixture("sweep");
  private final BucketStore store = new BucketStore(fixture.s3);
  private final StatusWriter statusWriter =
      new StatusWriter(store, new StatusCodec(), "status.json", "auto", Clock.systemUTC());
  private final CountingSubmitter submitter = new CountingSubmitter();
  private final List<String> offered = Collections.synchronizedList(new ArrayList<>());

  @BeforeEach
  void forgetOtherTests() {
    offered.clear();
    submitter.folders.clear();
  }

  @AfterAll
  void close() {
    fixture.close();
  }

  private BucketSweep sweep(List<String> prefixes) {
    ObjectMapper json = new ObjectMapper();
    ManifestParser parser = new ManifestParser(json, new ManifestValidator(OptionCatalogue.load(json)));
    ManifestHandler real = new ManifestHandler(
        new OwnWritesFilter("status.json", "results/"), new ManifestKeyFilter("odm.json"), "odm.json", 1 << 20,
        "results/", store, parser,
        submitter, statusWriter, new WaitingFolders(), Clock.systemUTC(), Integer.MAX_VALUE, Long.MAX_VALUE, null,
        ManifestHandler.ImageWait.DEFAULT, SubmodelOrigins.NONE,
        ManifestDefaults.off(parser, json));
    ObjectCreatedHandler recording = object -> {
      offered.add(object.key());
      return real.handle(object);
    };
    return new BucketSweep(store, statusWriter, recording, "odm.json", "status.json", "results/",
        List.of(fixture.bucket), prefixes, 1000);
  }

  @Test
  void handsOverExactlyTheUnhandledAndEditedFoldersOnceAcrossRepeatedSweeps() throws Exception {
    // handled: a finished job for the manifest that is there now
    fixture.uploadImages("flights/handled/", 3);
    fixture.putManifest("flights/handled/", MANIFEST);
    finished("flights/handled/", currentUpload("flights/handled/"));
    // handled before a job was an upload: its id made of the ETag alone (a status of an older watcher)
    fixture.uploadImages("flights/older-watcher/", 3);
    String olderETag = fixture.putManifest("flights/older-watcher/", MANIFEST);
    finished("flights/older-watcher/", olderETag);
    // edited: a finished job, but for an older version of the manifest
    fixture.uploadImages("flights/edited/", 3);
    fixture.putManifest("flights/edited/", MANIFEST);
    finished("flights/edited/", "0123456789abcdef0123456789abcdef");
    // unhandled: never seen
    fixture.uploadImages("flights/new/", 3);
    fixture.putManifest("flights/new/", MANIFEST);
    // results of a job never start anything, even if they hold an odm.json
    fixture.putManifest("flights/handled/results/", MANIFEST);

    BucketSweep sweep = sweep(List.of("flights/"));
    BucketSweep.Round first = sweep.sweep();
    sweep.sweep();
    sweep.sweep();

    assertThat(first.manifests()).isEqualTo(4);
    assertThat(offered).containsExactlyInAnyOrder("flights/edited/odm.json", "flights/new/odm.json");
    assertThat(submitter.folders).containsExactlyInAnyOrder("flights/edited/", "flights/new/");
    assertThat(fixture.status("flights/new/").orElseThrow().path("state").asText()).isEqualTo("submitted");
    assertThat(fixture.status("flights/edited/").orElseThrow().path("state").asText()).isEqualTo("submitted");
    assertThat(fixture.status("flights/handled/").orElseThrow().path("state").asText()).isEqualTo("succeeded");

    // a fresh sweeper (a restart) reads status.json instead of its cache and still submits nothing twice
    offered.clear();
    sweep(List.of("flights/")).sweep();
    assertThat(submitter.folders).hasSize(2);
  }

  @Test
  void theSameManifestUploadedAgainAfterItsJobFinishedIsANewRunAndOnlyOne() throws Exception {
    String folder = "again/";
    fixture.uploadImages(folder, 3);
    fixture.putManifest(folder, MANIFEST);
    BucketSweep sweep = sweep(List.of(folder));
    sweep.sweep();
    String firstJob = fixture.status(folder).orElseThrow().path("jobId").asText();
    finished(folder, currentUpload(folder));
    assertThat(fixture.status(folder).orElseThrow().path("jobId").asText()).isEqualTo(firstJob);

    // S3's Last-Modified has whole seconds: the second upload is in a later one.
    Instant firstUpload = lastModified(folder);
    await().atMost(Duration.ofSeconds(3)).until(() -> Instant.now().isAfter(firstUpload.plusSeconds(1)));
    fixture.putManifest(folder, MANIFEST);
    sweep.sweep();
    sweep.sweep();
    sweep(List.of(folder)).sweep(); // a restart reads status.json: the new run is recorded

    assertThat(submitter.folders.stream().filter(folder::equals)).hasSize(2);
    assertThat(fixture.status(folder).orElseThrow().path("jobId").asText()).isNotEqualTo(firstJob);
    assertThat(fixture.status(folder).orElseThrow().path("state").asText()).isEqualTo("submitted");
  }

  @Test
  void sweepsOnlyTheConfiguredPrefixes() {
    fixture.uploadImages("elsewhere/a/", 2);
    fixture.putManifest("elsewhere/a/", MANIFEST);
    offered.clear();
    sweep(List.of("only-here/")).sweep();
    assertThat(offered).isEmpty();
  }

  @Test
  void aKeyHoldingEscOrOnlyBlanksNeverStopsTheOtherFolders() {
    fixture.s3.putObject(b -> b.bucket(fixture.bucket).key(" "), RequestBody.fromString("blank"));
    fixture.putManifest("odd-keys/\u001b[31mred\u001b[0m/", MANIFEST);
    fixture.uploadImages("odd-keys/new/", 2);
    fixture.putManifest("odd-keys/new/", MANIFEST);
    offered.clear();
    BucketSweep.Round round = sweep(List.of(" ", "odd-keys/")).sweep();
    assertThat(offered).contains("odd-keys/new/odm.json", "odd-keys/\u001b[31mred\u001b[0m/odm.json");
    assertThat(round.failed()).isZero();
    assertThat(submitter.folders).contains("odd-keys/new/");
  }

  private void finished(String folder, String version) throws TransientFailureException {
    String eTag = version.contains("@") ? version.substring(0, version.indexOf('@')) : version;
    statusWriter.record(fixture.bucket, folder,
        JobStatus.of(JobId.derive(fixture.bucket, folder, version).value(), eTag, null, JobState.SUCCEEDED,
            "processing finished", Instant.now()));
  }

  /** The version of the folder's manifest as the watcher names it (ETag and Last-Modified here). */
  private String currentUpload(String folder) throws TransientFailureException {
    return store.get(fixture.bucket, folder + "odm.json", 1 << 20).orElseThrow().version();
  }

  private Instant lastModified(String folder) {
    return fixture.s3.headObject(b -> b.bucket(fixture.bucket).key(folder + "odm.json")).lastModified();
  }

  /** Counts submissions; a job id seen before is "already there", as Argo's 409 would say. */
  static final class CountingSubmitter implements JobSubmitter {
    final List<String> folders = Collections.synchronizedList(new ArrayList<>());
    private final Set<String> jobs = Collections.synchronizedSet(new HashSet<>());

    @Override
    public Submission submit(JobSpec spec) {
      boolean created = jobs.add(spec.jobId().value());
      if (created) {
        folders.add(spec.folder());
      }
      return new Submission(created, new JobStatus.WorkflowRef("test", spec.jobId().workflowName()), "argo");
    }

    @Override
    public void cancel(JobId jobId) {}
  }
}
