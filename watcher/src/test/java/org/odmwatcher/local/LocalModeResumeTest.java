package org.odmwatcher.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odmwatcher.cli.S3Options;
import org.odmwatcher.testing.argo.OdmStageLog;

/**
 * Issue 25 item 5: resuming a failed job in local mode. The failed run's work folder (ODM's project
 * with its stage outputs) is kept, status.json says until when and which odm.json resumes it; that
 * odm.json runs ODM (the test engine, which follows ODM's skip-if-done and {@code --rerun-from}
 * rules) in the same folder, copies no image it had, and only the failed stage onward works again.
 * A folder kept too long is removed by the sweep, and a resume then says so and runs from the start.
 */
class LocalModeResumeTest {
  private static final List<String> ALL_STAGES = List.of("dataset", "split", "merge", "opensfm", "openmvs",
      "odm_filterpoints", "odm_meshing", "mvs_texturing", "odm_georeferencing", "odm_dem", "odm_orthophoto",
      "odm_report", "odm_postprocess");

  private final ObjectMapper json = new ObjectMapper();

  @Test
  void aJobFailedInTheOrthophotoStageResumesThereInItsKeptWorkFolder(@TempDir Path data) throws Exception {
    String folder = "flights/resume/";
    try (LocalWorld world = LocalWorld.start(data, "test", Map.of("watcher.workspace.keep-failed", "72h", "watcher.workspace.keep-succeeded", "1h"))) {
      world.submitter().failNextRun(LocalWorld.BUCKET, folder, 137, "odm_orthophoto");
      Path flight = Files.createTempDirectory(data, "flight");
      try (var list = Files.list(LocalWorld.QUICK_SAMPLE)) {
        for (Path image : list.filter(p -> p.toString().endsWith(".JPG")).toList()) {
          Files.copy(image, flight.resolve(image.getFileName()));
        }
      }
      Files.writeString(flight.resolve("odm.json"), "{\"options\": {\"dsm\": true}, \"outputs\": [\"orthophoto\", \"dsm\"]}");
      world.uploader().upload(flight, new S3Options.Location(LocalWorld.BUCKET, folder), Map.of());
      JsonNode failed = world.awaitState(folder, "failed", Duration.ofSeconds(60));
      String failedJob = failed.path("jobId").asText();

      JsonNode kept = failed.path("workspace");
      assertThat(kept.path("keptUntil").isTextual()).as(failed.toString()).isTrue();
      assertThat(kept.path("failedStage").asText()).isEqualTo("odm_orthophoto");
      assertThat(kept.path("note").asText()).contains("kept until", "from odm_orthophoto");
      JsonNode resumeWith = json.readTree(kept.path("resumeWith").asText());
      assertThat(resumeWith.path("resume").asBoolean()).isTrue();
      assertThat(resumeWith.path("rerun-from").asText()).isEqualTo("odm_orthophoto");
      assertThat(resumeWith.path("options").path("dsm").asBoolean()).isTrue();
      assertThat(kept.path("note").asText()).contains("ran out of memory");
      Path work = data.resolve("work").resolve(kept.path("volume").asText());
      Path images = work.resolve("project").resolve("images");
      Map<String, Object> copied = identities(images);
      assertThat(copied).hasSize(4);
      assertThat(work.resolve("project/odm_georeferencing/odm_georeferenced_model.laz")).exists();
      assertThat(work.resolve("project/odm_orthophoto/odm_orthophoto.tif")).doesNotExist();
      FileTime dsm = Files.getLastModifiedTime(work.resolve("project/odm_dem/dsm.tif"));
      assertThat(OdmStageLog.worked(world.text(folder + "results/odm.log"))).endsWith("odm_orthophoto");

      world.put(folder + "odm.json", kept.path("resumeWith").asText());
      JsonNode done = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
          .until(() -> world.status(folder).orElseThrow(),
              s -> !s.path("jobId").asText().equals(failedJob) && s.path("state").asText().equals("succeeded"));
      assertThat(done.path("workspace").path("resumedFrom").asText()).isEqualTo(failedJob);
      assertThat(done.path("workspace").path("volume").asText()).isEqualTo(kept.path("volume").asText());
      String log = world.text(folder + "results/odm.log");
      assertThat(log).contains("--rerun-from odm_orthophoto").contains("--project-path " + work);
      assertThat(OdmStageLog.worked(log)).containsExactly("split", "merge", "odm_orthophoto", "odm_report",
          "odm_postprocess");
      assertThat(log).contains("4 images already in the project, 0 copied");
      assertThat(identities(images)).as("the images the folder had are not copied again").isEqualTo(copied);
      assertThat(log).contains("[WARNING] Found existing outputs in: " + work.resolve("project/odm_dem"));
      assertThat(Files.getLastModifiedTime(work.resolve("project/odm_dem/dsm.tif"))).as("the DSM is not made again")
          .isEqualTo(dsm);
      assertThat(done.path("outputs").toString()).contains("results/odm_orthophoto/odm_orthophoto.tif",
          "results/odm_dem/dsm.tif");
      // keep-succeeded: kept again, with no resume hint (nothing to resume)
      assertThat(done.path("workspace").path("keptUntil").isTextual()).isTrue();
      assertThat(done.path("workspace").has("resumeWith")).isFalse();
      assertThat(work.resolve("kept.json")).exists();
    }
  }

  @Test
  void aResumeAfterTheKeepTimeRunsFromTheStartAndSaysSoAndTheSweepRemovedTheFolder(@TempDir Path data)
      throws Exception {
    String folder = "flights/expired/";
    try (LocalWorld world = LocalWorld.start(data, "test",
        Map.of("watcher.workspace.keep-failed", "3s", "watcher.workspace.sweep-interval", "200ms"))) {
      world.submitter().failNextRun(LocalWorld.BUCKET, folder, 1, "odm_dem");
      world.uploadSample(folder);
      JsonNode failed = world.awaitState(folder, "failed", Duration.ofSeconds(60));
      Path work = data.resolve("work").resolve(failed.path("workspace").path("volume").asText());
      assertThat(failed.path("workspace").path("failedStage").asText()).isEqualTo("odm_dem");
      assertThat(work.resolve("project/images")).isDirectory();

      await().atMost(Duration.ofSeconds(20)).until(() -> !Files.exists(work)); // the sweep, once 3 s passed

      world.put(folder + "odm.json", "{\"resume\": true}");
      JsonNode done = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
          .until(() -> world.status(folder).orElseThrow(),
              s -> !s.path("jobId").asText().equals(failed.path("jobId").asText())
                  && s.path("state").asText().equals("succeeded"));
      assertThat(done.path("workspace").path("note").asText())
          .startsWith("no kept workspace of an earlier failed run of this folder");
      assertThat(done.path("workspace").has("resumedFrom")).isFalse();
      String log = world.text(folder + "results/odm.log");
      assertThat(log).doesNotContain("--rerun-from");
      assertThat(OdmStageLog.worked(log)).isEqualTo(ALL_STAGES);
      // succeeded, and keep-succeeded is 0s: its work folder goes too
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        try (var left = Files.list(data.resolve("work"))) {
          return left.findAny().isEmpty();
        }
      });
    }
  }

  @Test
  void deletingTheFoldersOdmJsonRemovesItsKeptWorkFolder(@TempDir Path data) throws Exception {
    String folder = "flights/deleted/";
    try (LocalWorld world = LocalWorld.start(data, "test",
        Map.of("watcher.workspace.keep-failed", "72h", "watcher.workspace.sweep-interval", "200ms"))) {
      world.submitter().failNextRun(LocalWorld.BUCKET, folder, 1, "opensfm");
      world.uploadSample(folder);
      JsonNode failed = world.awaitState(folder, "failed", Duration.ofSeconds(60));
      Path work = data.resolve("work").resolve(failed.path("workspace").path("volume").asText());
      assertThat(work).isDirectory();

      world.s3.deleteObject(b -> b.bucket(LocalWorld.BUCKET).key(folder + "odm.json"));
      await().atMost(Duration.ofSeconds(20)).until(() -> !Files.exists(work));
    }
  }

  /**
   * status.json is in the bucket, so anyone who can write there can name any work folder in it: a
   * resume runs only in a folder kept for its own bucket folder; another folder's stays as it was.
   */
  @Test
  void aStatusNamingAnotherFoldersKeptWorkFolderDoesNotResumeInIt(@TempDir Path data) throws Exception {
    try (LocalWorld world = LocalWorld.start(data, "test", Map.of("watcher.workspace.keep-failed", "72h"))) {
      world.submitter().failNextRun(LocalWorld.BUCKET, "flights/a/", 1, "odm_report");
      world.uploadSample("flights/a/");
      JsonNode failedA = world.awaitState("flights/a/", "failed", Duration.ofSeconds(60));
      Path workA = data.resolve("work").resolve(failedA.path("workspace").path("volume").asText());
      byte[] markerA = Files.readAllBytes(workA.resolve("kept.json"));

      world.put("flights/b/status.json", failedA.toString()); // forged: b's status names a's kept folder
      Path flight = Files.createTempDirectory(data, "flight-b");
      try (var list = Files.list(LocalWorld.QUICK_SAMPLE)) {
        for (Path image : list.filter(p -> p.toString().endsWith(".JPG")).toList()) {
          Files.copy(image, flight.resolve(image.getFileName()));
        }
      }
      Files.writeString(flight.resolve("odm.json"), "{\"resume\": true}");
      world.uploader().upload(flight, new S3Options.Location(LocalWorld.BUCKET, "flights/b/"), Map.of());

      JsonNode doneB = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
          .until(() -> world.status("flights/b/").orElseThrow(),
              s -> !s.path("jobId").asText().equals(failedA.path("jobId").asText())
                  && s.path("state").asText().equals("succeeded"));
      assertThat(doneB.path("workspace").path("note").asText())
          .startsWith("no kept workspace of an earlier failed run of this folder");
      String log = world.text("flights/b/results/odm.log");
      assertThat(log).doesNotContain(workA.toString());
      assertThat(OdmStageLog.worked(log)).isEqualTo(ALL_STAGES);
      assertThat(Files.readAllBytes(workA.resolve("kept.json"))).isEqualTo(markerA);
      assertThat(workA.resolve("project/images")).isDirectory();
    }
  }

  /** Each file's identity (inode where the file system has one) and modification time. */
  private static Map<String, Object> identities(Path dir) throws Exception {
    Map<String, Object> found = new LinkedHashMap<>();
    try (var files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
        found.put(f.getFileName().toString(), new ArrayList<>(List.of(String.valueOf(a.fileKey()), a.lastModifiedTime())));
      }
    }
    return found;
  }
}
