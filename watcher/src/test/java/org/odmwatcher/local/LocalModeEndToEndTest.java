package org.odmwatcher.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.odmwatcher.testing.StacSchema;
import org.odmwatcher.workflow.StacItemWriter;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.cli.S3Options;

/**
 * The quick start, in-process: {@code local} with the embedded S3 and the test engine; a folder
 * uploaded with the upload command is found by the sweep, runs, and ends {@code succeeded} with
 * its outputs in the bucket.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalModeEndToEndTest {
  private LocalWorld world;

  @BeforeAll
  void start() throws Exception {
    world = LocalWorld.start(Files.createTempDirectory("odm-local-e2e"), "test", Map.of());
  }

  @AfterAll
  void stop() throws Exception {
    world.close();
  }

  @Test
  void anUploadedFolderGoesThroughRunningWithStagesToSucceededWithItsOutputsInTheBucket() throws Exception {
    world.uploadSample("flights/quick/");

    List<JsonNode> seen = new ArrayList<>();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(30)).until(() -> {
      world.status("flights/quick/").ifPresent(s -> {
        if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(s)) {
          seen.add(s);
        }
      });
      return !seen.isEmpty() && seen.get(seen.size() - 1).path("state").asText().equals("succeeded");
    });

    List<JsonNode> running = seen.stream().filter(s -> s.path("state").asText().equals("running")).toList();
    assertThat(running).isNotEmpty().allSatisfy(s -> {
      assertThat(s.path("stage").asText()).isNotEmpty();
      assertThat(s.path("engine").asText()).isEqualTo("test");
    });
    List<Integer> progress = running.stream().map(s -> s.path("progress").asInt()).distinct().toList();
    assertThat(progress).hasSizeGreaterThanOrEqualTo(3).isSorted();
    assertThat(running.stream().map(s -> s.path("stage").asText()).distinct().toList())
        .hasSizeGreaterThanOrEqualTo(3).containsAnyOf("opensfm", "openmvs", "odm_orthophoto", "mvs_texturing");

    JsonNode done = seen.get(seen.size() - 1);
    assertThat(done.path("engine").asText()).isEqualTo("test");
    assertThat(done.path("progress").asInt()).isEqualTo(100);
    // issue 21 row 8: local mode's succeeded jobs stayed at stage "upload" (a cluster's are at none)
    assertThat(done.path("stage").asText(null)).as("stage of a succeeded job").isNull();
    assertThat(done.path("images").asInt()).isEqualTo(4);
    List<String> outputs = new ArrayList<>();
    done.path("outputs").forEach(o -> outputs.add(o.asText()));
    assertThat(outputs).contains("results/odm_orthophoto/odm_orthophoto.tif", "results/odm.log",
        "results/odm_report/report.pdf");
    // a real GeoTIFF (big-endian TIFF, as the JDK writes it) that says what it is in its ImageDescription
    assertThat(world.latin1("flights/quick/results/odm_orthophoto/odm_orthophoto.tif"))
        .startsWith("MM\0*").contains("TEST DATA - written by odm-watcher's test engine");
    // issue 23: the job's STAC Item, linked from the status's outputs, over the test engine's COGs
    assertThat(outputs).contains("results/" + StacItemWriter.ITEM);
    JsonNode item = new com.fasterxml.jackson.databind.ObjectMapper().readTree(world.text("flights/quick/results/" + StacItemWriter.ITEM));
    StacSchema.assertValid(item);
    assertThat(item.path("assets").path("orthophoto").path("type").asText()).isEqualTo(StacItemWriter.COG);
    assertThat(item.path("assets").path("orthophoto").path("proj:code").asText()).isEqualTo("EPSG:32632");
    assertThat(item.path("bbox").get(0).asDouble()).isBetween(9.53, 9.533);
    assertThat(world.text("flights/quick/results/odm.log"))
        .contains("engine: test").contains("Running opensfm stage").contains("ODM app finished");
    assertThat(done.path("message").asText()).contains("TEST ENGINE");
  }

  /**
   * Issue 21 row 3: {@code --option dsm=true} makes ODM write a DSM, so the job's outputs hold it
   * (the one rule of {@code manifest/OutputRule}); the test engine writes a
   * placeholder for exactly what the options ask for.
   */
  @Test
  void aJobWithDsmTrueEndsSucceededWithADsmOutput() throws Exception {
    Path flight = imagesOnly();
    world.uploader().upload(flight, new S3Options.Location(LocalWorld.BUCKET, "flights/dsm/"),
        Map.of("dsm", "true"));

    JsonNode done = world.awaitState("flights/dsm/", "succeeded", Duration.ofSeconds(60));
    assertThat(done.path("outputs").toString()).contains("\"results/odm_dem/dsm.tif\"")
        .doesNotContain("dtm.tif");
    assertThat(world.latin1("flights/dsm/results/odm_dem/dsm.tif")).startsWith("MM\0*").contains("TEST DATA");
  }

  /** Issue 21 row 3: local mode uploads exactly the wanted outputs, and an output needing an option turns it on. */
  @Test
  void localModeUploadsExactlyTheWantedOutputs() throws Exception {
    Path flight = imagesOnly();
    Files.writeString(flight.resolve("odm.json"), "{\"outputs\": [\"orthophoto\", \"dtm\"]}");
    world.uploader().upload(flight, new S3Options.Location(LocalWorld.BUCKET, "flights/wanted/"),
        Map.of());

    JsonNode done = world.awaitState("flights/wanted/", "succeeded", Duration.ofSeconds(60));
    List<String> outputs = new ArrayList<>();
    done.path("outputs").forEach(o -> outputs.add(o.asText()));
    assertThat(outputs).contains("results/odm_orthophoto/odm_orthophoto.tif", "results/odm_dem/dtm.tif", "results/odm.log")
        .noneMatch(o -> o.contains("report") || o.endsWith(".laz") || o.contains("odm_texturing") || o.contains("dsm"));
  }

  /** The sample's images without its odm.json, in a folder of their own. */
  private static Path imagesOnly() throws Exception {
    Path dir = Files.createTempDirectory("odm-flight");
    try (var list = Files.list(LocalWorld.QUICK_SAMPLE)) {
      for (Path image : list.filter(p -> p.toString().endsWith(".JPG")).toList()) {
        Files.copy(image, dir.resolve(image.getFileName()));
      }
    }
    return dir;
  }

  @Test
  void uploadingTheSameFolderAgainIsANewRunAndTheSweepsAfterItAreNot() throws Exception {
    String folder = "flights/again/";
    world.uploadSample(folder);
    JsonNode first = world.awaitState(folder, "succeeded", Duration.ofSeconds(60));
    String firstJob = first.path("jobId").asText();

    // The pilot's retry: the same command again. The images are there already, so only the
    // unchanged odm.json is sent, in a later second (S3's Last-Modified has whole seconds).
    Instant firstUpload = world.s3.headObject(b -> b.bucket(LocalWorld.BUCKET).key(folder + "odm.json")).lastModified();
    await().atMost(Duration.ofSeconds(3)).until(() -> Instant.now().isAfter(firstUpload.plusSeconds(1)));
    world.uploadSample(folder);

    JsonNode second = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
        .until(() -> world.status(folder).orElseThrow(),
            s -> !s.path("jobId").asText().equals(firstJob) && s.path("state").asText().equals("succeeded"));
    assertThat(second.path("manifestETag").asText()).isEqualTo(first.path("manifestETag").asText());
    // the sweeps that follow (every 500 ms) see the same upload: the status stays the very same document
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
        .until(() -> world.status(folder).orElseThrow().equals(second));
    assertThat(world.submitter().active()).isZero();
  }

  @Test
  void aFinishedFolderIsNotRunAgainBySweepsThatFollow() throws Exception {
    world.uploadSample("flights/once/");
    JsonNode done = world.awaitState("flights/once/", "succeeded", Duration.ofSeconds(60));
    // several sweeps later the status is the very same document
    await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);
    assertThat(world.status("flights/once/").orElseThrow()).isEqualTo(done);
    assertThat(world.submitter().active()).isZero();
  }

}
