package org.odmwatcher.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.event.ObjectCreated;
import org.odmwatcher.event.ObjectCreatedHandler.Outcome;
import org.odmwatcher.event.filter.ManifestKeyFilter;
import org.odmwatcher.event.filter.OwnWritesFilter;
import org.odmwatcher.manifest.ManifestDefaults;
import org.odmwatcher.manifest.ManifestParser;
import org.odmwatcher.manifest.ManifestValidator;
import org.odmwatcher.manifest.OptionCatalogue;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.StatusCodec;
import org.odmwatcher.status.StatusWriter;
import org.odmwatcher.storage.BucketStore;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.workflow.JobId;
import org.odmwatcher.workflow.JobSpec;
import org.odmwatcher.workflow.JobSubmitter;

/**
 * The end of a manifest's wait for its images, against a real S3 (S3Proxy) with the pipeline built
 * by hand and its clock moved past the wait (the end-to-end wait is in RetryAndWaitEndToEndTest).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageWaitTest {
  private final PipelineFixture fixture = new PipelineFixture("image-wait");
  private final BucketStore store = new BucketStore(fixture.s3);
  private final List<String> submitted = new ArrayList<>();

  @AfterAll
  void close() {
    fixture.close();
  }

  private ManifestHandler handler(Duration clockAhead) {
    ObjectMapper json = new ObjectMapper();
    Clock clock = Clock.offset(Clock.systemUTC(), clockAhead);
    StatusWriter statusWriter = new StatusWriter(store, new StatusCodec(), "status.json", "auto", clock);
    JobSubmitter submitter = new JobSubmitter() {
      @Override
      public Submission submit(JobSpec spec) {
        submitted.add(spec.folder());
        return new Submission(true, new JobStatus.WorkflowRef("test", spec.jobId().workflowName()), "argo");
      }

      @Override
      public void cancel(JobId jobId) {}
    };
    ManifestParser parser = new ManifestParser(json, new ManifestValidator(OptionCatalogue.load(json)));
    return new ManifestHandler(
        new OwnWritesFilter("status.json", "results/"), new ManifestKeyFilter("odm.json"), "odm.json", 1 << 20,
        "results/", store, parser,
        submitter, statusWriter, new WaitingFolders(), clock, Integer.MAX_VALUE, Long.MAX_VALUE, null,
        new ManifestHandler.ImageWait(Duration.ofHours(24), Duration.ofMinutes(10)), SubmodelOrigins.NONE,
        ManifestDefaults.off(parser, json));
  }

  @Test
  void aManifestStillShortOfItsExpectedImagesWhenTheWaitEndsIsInvalidAndSaysWhatToDo() throws Exception {
    String folder = "short/";
    fixture.uploadImages(folder, 3);
    fixture.putManifest(folder, "{\"images\": {\"expected\": 5}}");
    ObjectCreated manifest = ObjectCreated.of(fixture.bucket, folder + "odm.json");

    assertThat(handler(Duration.ofHours(23)).handle(manifest)).isEqualTo(Outcome.WAITING);
    assertThat(fixture.status(folder).orElseThrow().path("message").asText())
        .isEqualTo("waiting for images: 3 of 5 present");

    assertThat(handler(Duration.ofHours(24).plusSeconds(1)).handle(manifest)).isEqualTo(Outcome.INVALID);
    JsonNode invalid = fixture.status(folder).orElseThrow();
    assertThat(invalid.path("state").asText()).isEqualTo("invalid");
    assertThat(invalid.path("errors").get(0).asText())
        .isEqualTo("only 3 of the 5 images (images.expected) are in s3://" + fixture.bucket + "/" + folder
            + " 24h after odm.json was uploaded (watcher.manifest.wait-for-images); upload the rest, or lower"
            + " images.expected, then upload odm.json again");

    // the rest arriving afterwards does not start this upload's job: its verdict stands
    fixture.uploadImages(folder, 5);
    assertThat(handler(Duration.ofHours(25)).handle(manifest)).isEqualTo(Outcome.INVALID);
    assertThat(submitted).doesNotContain(folder);
  }

  @Test
  void aManifestWithoutExpectedImagesWaitsOnlyTheShortWaitForAFirstImage() throws Exception {
    String folder = "empty/";
    fixture.putManifest(folder, "{}");
    ObjectCreated manifest = ObjectCreated.of(fixture.bucket, folder + "odm.json");
    assertThat(handler(Duration.ofMinutes(9)).handle(manifest)).isEqualTo(Outcome.WAITING);
    assertThat(handler(Duration.ofMinutes(10).plusSeconds(1)).handle(manifest)).isEqualTo(Outcome.INVALID);
    assertThat(fixture.status(folder).orElseThrow().path("errors").get(0).asText())
        .startsWith("no images in s3://" + fixture.bucket + "/" + folder
            + " 10m after odm.json was uploaded (watcher.manifest.wait-for-first-image); looked for bmp");
  }

  @Test
  void anUploadIsItsVersionIdWhereTheBucketKeepsVersionsElseItsETagAndSecond() {
    Instant second = Instant.parse("2026-12-06T18:00:00Z");
    assertThat(BucketStore.version("3HL4kqtJlcpXroDTDmJ", "abc", second)).isEqualTo("3HL4kqtJlcpXroDTDmJ");
    // S3's "null" version (versioning off or suspended): every upload replaces it, so it names none
    assertThat(BucketStore.version("null", "abc", second)).isEqualTo("abc@" + second.getEpochSecond());
    assertThat(BucketStore.version(null, "abc", second.plusSeconds(1))).isNotEqualTo(BucketStore.version(null, "abc", second));
    assertThat(BucketStore.version(null, "abc", null)).isEqualTo("abc");
  }
}
