package org.odmwatcher.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The local executor's hard cases, each with {@code local} started in-process: a missing container
 * runtime, cancel by {@code "cancel": true} and by deleting odm.json, and a restart with the same
 * data directory.
 */
class LocalExecutorTest {

  @Test
  void startsWithARelativeDataDirectoryAsTheReadmeSays() throws Exception {
    Path relative = Path.of(".", "target", "local-relative-" + System.nanoTime(), ".", "odm-data");
    try (LocalWorld world = LocalWorld.start(relative, "test", Map.of())) {
      assertThat(world.s3.listBuckets().buckets()).extracting(b -> b.name()).contains(LocalWorld.BUCKET);
      assertThat(world.mode.banner()).contains(relative.toAbsolutePath().normalize().toString()).doesNotContain("/./");
    }
  }

  /** Review finding 14: a key's file name kept '\\', so on Windows ..\\..\\x.jpg would leave the job folder. */
  @Test
  void imageNamesThatAreNotOneSegmentFailTheJobInsteadOfLeavingItsFolder() throws Exception {
    try (LocalWorld world = LocalWorld.start(Files.createTempDirectory("odm-local-names"), "test", Map.of())) {
      for (String name : List.of("..\\..\\x.jpg", "C:x.jpg")) {
        String folder = "flights/names-" + Math.abs(name.hashCode()) + "/";
        world.put(folder + "DJI_0001.JPG", "jpeg");
        world.put(folder + name, "jpeg");
        world.put(folder + "odm.json", "{}");
        JsonNode failed = world.awaitState(folder, "failed", Duration.ofSeconds(30));
        assertThat(failed.path("message").asText()).as(name).contains(name).contains("cannot be a file name");
      }
    }
  }

  /**
   * Local mode counts images as ODM does and hands ODM the masks too: the native engine runs a
   * wrapper that lists ODM's images folder, then the stand-in ODM (src/test/resources/argo/odm/run.py,
   * ODM 3.6.0's dataset stage rules) in the same process.
   */
  @Test
  void theImagesOfEveryOdmTypeAndTheirMasksReachOdmAndOnlyTheImagesAreCounted() throws Exception {
    Path data = Files.createTempDirectory("odm-local-kinds");
    Path standIn = Path.of(LocalExecutorTest.class.getResource("/argo/odm/run.py").toURI());
    Path wrapper = data.resolve("list-then-odm.py");
    Files.writeString(wrapper, String.join("\n",
        "import os, runpy, sys",
        "images = os.path.join(sys.argv[2], sys.argv[3], 'images')",
        "print('images folder: ' + ' '.join(sorted(os.listdir(images))), flush=True)",
        "sys.argv[0] = " + new ObjectMapper().writeValueAsString(standIn.toString()), // a JSON string is a Python literal
        "runpy.run_path(sys.argv[0], run_name='__main__')", ""));
    try (LocalWorld world = LocalWorld.start(data.resolve("odm-data"), "native",
        Map.of("watcher.local.run-py", wrapper.toString()))) {
      String folder = "flights/kinds/";
      for (String name : List.of("DJI_0001.JPG", "DJI_0001_mask.png", "IMG_0002.JXL", "IMG_0003.nef", "notes.txt")) {
        world.put(folder + name, "bytes of " + name);
      }
      world.put(folder + "odm.json", "{}");

      JsonNode done = world.awaitState(folder, "succeeded", Duration.ofSeconds(60));
      assertThat(done.path("images").asInt()).isEqualTo(3);
      assertThat(world.text(folder + "results/odm.log"))
          .contains("images folder: DJI_0001.JPG DJI_0001_mask.png IMG_0002.JXL IMG_0003.nef\n")
          .contains("[INFO]    Loading 3 images");
    }
  }

  @Test
  void aMissingContainerRuntimeFailsTheJobWithWhatToInstallOrChange() throws Exception {
    try (LocalWorld world = LocalWorld.start(Files.createTempDirectory("odm-local-missing"), "docker",
        Map.of("watcher.local.runtime", "/nonexistent/bin/docker"))) {
      world.uploadSample("flights/no-docker/");
      JsonNode failed = world.awaitState("flights/no-docker/", "failed", Duration.ofSeconds(30));
      assertThat(failed.path("message").asText())
          .contains("docker was not found").contains("install Docker").contains("--engine podman")
          .contains("watcher.local.runtime").contains("--engine test");
      assertThat(failed.path("engine").asText()).isEqualTo("local");
      assertThat(failed.path("logTail").toString()).contains("docker was not found");
    }
  }

  @Test
  void cancelTrueInOdmJsonStopsTheRunningProcessAndRecordsCanceled() throws Exception {
    try (LocalWorld world = slowWorld("odm-local-cancel")) {
      world.uploadSample("flights/cancel/");
      ProcessHandle odm = awaitRunningProcess(world, "flights/cancel/");

      world.put("flights/cancel/odm.json", "{\"cancel\": true}");

      JsonNode canceled = world.awaitState("flights/cancel/", "canceled", Duration.ofSeconds(30));
      assertThat(canceled.path("message").asText()).contains("canceled");
      await().atMost(Duration.ofSeconds(15)).until(() -> !odm.isAlive());
    }
  }

  @Test
  void deletingOdmJsonStopsTheRunningProcessAndRecordsCanceled() throws Exception {
    try (LocalWorld world = slowWorld("odm-local-delete")) {
      world.uploadSample("flights/delete/");
      ProcessHandle odm = awaitRunningProcess(world, "flights/delete/");

      world.s3.deleteObject(b -> b.bucket(LocalWorld.BUCKET).key("flights/delete/odm.json"));

      await().atMost(Duration.ofSeconds(30)).until(() -> world.status("flights/delete/").map(s -> s.path("state").asText()).filter(s -> !s.equals("running")).isPresent());
      JsonNode canceled = world.status("flights/delete/").orElseThrow();
      assertThat(canceled.path("state").asText()).as(canceled.toString()).isEqualTo("canceled");
      assertThat(canceled.path("message").asText()).contains("odm.json was deleted");
      await().atMost(Duration.ofSeconds(15)).until(() -> !odm.isAlive());
    }
  }

  @Test
  void aRestartWithTheSameDataDirectoryRunsTheInterruptedJobAgainAndLeavesFinishedOnesAlone() throws Exception {
    Path data = Files.createTempDirectory("odm-local-restart");
    JsonNode finished;
    ProcessHandle interrupted;
    try (LocalWorld first = LocalWorld.start(data, "test", Map.of())) {
      first.uploadSample("flights/finished/");
      finished = first.awaitState("flights/finished/", "succeeded", Duration.ofSeconds(60));
    }
    try (LocalWorld second = slowWorld(data)) {
      second.uploadSample("flights/interrupted/");
      interrupted = awaitRunningProcess(second, "flights/interrupted/");
    }
    assertThat(interrupted.isAlive()).as("stopping local stops its ODM processes").isFalse();

    try (LocalWorld third = LocalWorld.start(data, "test", Map.of())) {
      JsonNode rerun = third.awaitState("flights/interrupted/", "succeeded", Duration.ofSeconds(60));
      assertThat(rerun.path("outputs").toString()).contains("results/odm_orthophoto/odm_orthophoto.tif");
      assertThat(third.status("flights/finished/").orElseThrow()).isEqualTo(finished);
    }
  }

  private static LocalWorld slowWorld(String name) throws Exception {
    return slowWorld(Files.createTempDirectory(name));
  }

  /** The test engine at a pace that keeps a job running for half a minute. */
  private static LocalWorld slowWorld(Path data) throws Exception {
    return LocalWorld.start(data, "test", Map.of("watcher.local.test-pace", "500ms"));
  }

  private static ProcessHandle awaitRunningProcess(LocalWorld world, String prefix) {
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
        .until(() -> world.status(prefix).map(s -> s.path("state").asText().equals("running")
            && s.path("progress").asInt() >= 5).orElse(false) && world.process(prefix).isPresent());
    ProcessHandle odm = world.process(prefix).orElseThrow();
    assertThat(odm.isAlive()).isTrue();
    return odm;
  }
}
