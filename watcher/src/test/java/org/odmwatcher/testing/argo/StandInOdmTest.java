package org.odmwatcher.testing.argo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stand-in ODM (src/test/resources/argo/odm/run.py) holds to ODM 3.6.0's command line where the
 * step test and the test Argo rely on it: every option of the catalogue is accepted as ODM's parser
 * takes it, anything else is refused as ODM refuses it (exit 2), the stages run in ODM's order, and
 * a failed tool ends the run with its exit code. Its progress datagrams go to ODM's fixed port
 * (127.0.0.1:6367), which other test processes on the machine may hold, so they are not listened
 * to here.
 */
class StandInOdmTest {
  private static final List<String> STAGES = List.of("dataset", "split", "merge", "opensfm", "openmvs",
      "odm_filterpoints", "odm_meshing", "mvs_texturing", "odm_georeferencing", "odm_dem", "odm_orthophoto",
      "odm_report", "odm_postprocess");

  @TempDir Path root;

  private record Run(int exit, String output) {}

  @BeforeEach
  void project() throws IOException {
    Files.createDirectories(root.resolve("job").resolve("images"));
    Files.write(root.resolve("job").resolve("images").resolve("DJI_0001.JPG"), new byte[] {(byte) 0xFF, (byte) 0xD8});
  }

  private Run run(Map<String, String> env, String... options) throws Exception {
    Path runPy = Path.of(StandInOdmTest.class.getResource("/argo/odm/run.py").toURI());
    List<String> argv = new ArrayList<>(List.of("python3", runPy.toString(), "--project-path", root.toString(), "job"));
    argv.addAll(List.of(options));
    ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true);
    builder.environment().put("no_ansiesc", "1");
    builder.environment().putAll(env);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Run(process.exitValue(), output);
  }

  @Test
  void everyOptionOfTheCatalogueIsAcceptedWithItsDefaultValue() throws Exception {
    List<String> options = new ArrayList<>();
    try (InputStream in = StandInOdmTest.class.getResourceAsStream("/odm/odm-3.6.0-options.json")) {
      for (JsonNode option : new ObjectMapper().readTree(in)) {
        String name = option.path("name").asText();
        if ("bool".equals(option.path("type").asText())) {
          options.add("--" + name);
        } else if (!"sm-cluster".equals(name)) { // a URL ODM would call (its default is none)
          options.add("--" + name);
          options.add(option.path("value").asText());
        }
      }
    }
    assertThat(options).hasSizeGreaterThan(100);

    Run run = run(Map.of(), options.toArray(String[]::new));

    assertThat(run.exit()).as(run.output()).isZero();
    assertThat(run.output()).contains("[INFO]    dsm: True", "[INFO]    orthophoto_compression: DEFLATE");
  }

  @Test
  void anOptionOdmDoesNotKnowEndsWithArgparsesExitCode2() throws Exception {
    Run unknown = run(Map.of(), "--dsm", "--no-such-option", "1");
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.output()).contains("run.py: error: unrecognized arguments: --no-such-option 1")
        .doesNotContain("Running dataset stage");

    Run badChoice = run(Map.of(), "--feature-quality", "best");
    assertThat(badChoice.exit()).isEqualTo(2);
    assertThat(badChoice.output()).contains("argument --feature-quality: invalid choice: 'best'");

    Run notANumber = run(Map.of(), "--orthophoto-resolution", "5cm");
    assertThat(notANumber.exit()).isEqualTo(2);
    assertThat(notANumber.output()).contains("argument --orthophoto-resolution: invalid float value: '5cm'");
  }

  @Test
  void deprecatedFlagsAreOnlyWarnedAboutAsOdmDoes() throws Exception {
    Run run = run(Map.of(), "--verbose");
    assertThat(run.exit()).isZero();
    assertThat(run.output()).contains("[WARNING] --verbose is no longer a valid argument and will be ignored!");
  }

  @Test
  void theStagesRunInOdmsOrderAndFastOrthophotoSkipsOpenMvs() throws Exception {
    Run full = run(Map.of());
    assertThat(stages(full.output())).containsExactlyElementsOf(STAGES);
    assertThat(full.output().lines().filter(l -> l.contains("Finished ") && l.endsWith(" stage")).count()).isEqualTo(STAGES.size());

    PodRunner.deleteTree(root.resolve("job/odm_texturing"));
    Run fast = run(Map.of(), "--fast-orthophoto", "--end-with", "odm_orthophoto");
    assertThat(stages(fast.output())).doesNotContain("openmvs").endsWith("odm_dem", "odm_orthophoto");
    assertThat(fast.output()).contains("[INFO]    No more stages to run");
    assertThat(root.resolve("job/odm_texturing")).doesNotExist(); // --fast-orthophoto sets --skip-3dmodel
  }

  @Test
  void aFailedToolEndsTheRunWithItsExitCodeAndOdmsMessage() throws Exception {
    Run oom = run(Map.of("ODM_STANDIN_EXIT", "137"), "--dsm");
    assertThat(oom.exit()).isEqualTo(137);
    assertThat(oom.output()).contains("Running opensfm stage", "[ERROR]   Whoops! You ran out of memory!")
        .doesNotContain("Finished opensfm stage", "ODM app finished");
    assertThat(root.resolve("job/odm_orthophoto/odm_orthophoto.tif")).doesNotExist();
  }

  @Test
  void theDatasetStageTakesTheImagesOdmTakesAndLeavesMasksAndOtherFilesOut() throws Exception {
    Path images = root.resolve("job/images");
    for (String name : List.of("IMG.JPG", "a.JXL", "b.nef", "x_mask.png", "x_mask2.png", "x_MASK.png",
        "DJI_0001_mask.JPG", ".jpg", "notes.txt", "clip.mp4")) {
      Files.write(images.resolve(name), new byte[] {1});
    }

    Run run = run(Map.of(), "--end-with", "dataset");

    assertThat(run.exit()).as(run.output()).isZero();
    // stages/dataset.py valid_filename: a supported extension in any case, no "_mask" stem (case-sensitive).
    List<String> chosen = List.of("DJI_0001.JPG", "IMG.JPG", "a.JXL", "b.nef", "x_MASK.png", "x_mask2.png");
    assertThat(Files.readAllLines(root.resolve("job/img_list.txt"))).containsExactlyInAnyOrderElementsOf(chosen);
    assertThat(run.output()).contains("[INFO]    Loading 6 images", "[INFO]    Found 6 usable images");
  }

  @Test
  void aProjectWithoutImagesEndsAsOdmEndsIt() throws Exception {
    Files.delete(root.resolve("job/images/DJI_0001.JPG"));
    Files.write(root.resolve("job/images/DJI_0001_mask.JPG"), new byte[] {1}); // a mask alone is no image

    Run masksOnly = run(Map.of());
    assertThat(masksOnly.exit()).isEqualTo(1);
    assertThat(masksOnly.output()).contains("[ERROR]   Not enough supported images in " + root.resolve("job/images"))
        .doesNotContain("Finished dataset stage", "ODM app finished");

    Files.delete(root.resolve("job/images/DJI_0001_mask.JPG"));
    Files.delete(root.resolve("job/images"));
    Run noFolder = run(Map.of());
    assertThat(noFolder.exit()).isEqualTo(1);
    assertThat(noFolder.output()).contains("[ERROR]   There are no images in " + root.resolve("job/images") + "!");
  }

  @Test
  void aMissingProjectFolderEndsWithExitCode1() throws Exception {
    Files.delete(root.resolve("job/images/DJI_0001.JPG"));
    Files.delete(root.resolve("job/images"));
    Files.delete(root.resolve("job"));
    Run run = run(Map.of());
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.output()).contains("[ERROR]   Directory job does not exist.");
  }

  @Test
  void aRunOnAKeptProjectSkipsTheFinishedStagesAsOdmDoesAndRerunFromRedoesTheRest() throws Exception {
    Run killed = run(Map.of("ODM_STANDIN_EXIT", "137", "ODM_STANDIN_EXIT_STAGE", "odm_orthophoto"), "--dsm");
    assertThat(killed.exit()).isEqualTo(137);
    assertThat(killed.output()).contains("Whoops! You ran out of memory!");
    assertThat(worked(killed.output())).containsExactly("dataset", "split", "merge", "opensfm", "openmvs",
        "odm_filterpoints", "odm_meshing", "mvs_texturing", "odm_georeferencing", "odm_dem", "odm_orthophoto");

    // The same project again: every stage announces itself (ODM_Stage.run), the finished ones find
    // their products and do nothing; the orthophoto stage onward works.
    Run again = run(Map.of(), "--dsm");
    assertThat(again.exit()).isZero();
    assertThat(stages(again.output())).isEqualTo(STAGES);
    assertThat(again.output()).contains("[WARNING] Found a valid OpenSfM reconstruction file in: "
        + root.resolve("job").resolve("opensfm").resolve("reconstruction.json"));
    assertThat(again.output()).contains("[WARNING] Found existing outputs in: " + root.resolve("job").resolve("odm_dem"));
    assertThat(worked(again.output())).containsExactly("split", "merge", "odm_orthophoto", "odm_report", "odm_postprocess");

    // --rerun-from odm_dem: that stage and every later one work again, the earlier ones are skipped.
    Run from = run(Map.of(), "--dsm", "--rerun-from", "odm_dem");
    assertThat(worked(from.output())).containsExactly("split", "merge", "odm_dem", "odm_orthophoto", "odm_report",
        "odm_postprocess");
    // --rerun-all: ODM's run.py removes the old results first, so every stage works.
    Run all = run(Map.of(), "--dsm", "--rerun-all");
    assertThat(all.output()).contains("Rerun all -- Removing old data");
    assertThat(worked(all.output())).hasSize(STAGES.size());
  }

  /**
   * The stages that did their work: announced, and without the "found" line ODM logs when a
   * stage's product is already there (dataset: it loads the images database instead).
   */
  private static List<String> worked(String output) {
    List<String> lines = output.lines().toList();
    List<String> worked = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith("[INFO]    Running ") && lines.get(i).endsWith(" stage")) {
        String stage = lines.get(i).substring("[INFO]    Running ".length(), lines.get(i).length() - " stage".length());
        String next = i + 1 < lines.size() ? lines.get(i + 1) : "";
        if (!next.startsWith("[WARNING] Found ") && !next.startsWith("[INFO]    Loading images database: ")) {
          worked.add(stage);
        }
      }
    }
    return worked;
  }

  private static List<String> stages(String output) {
    return output.lines().filter(l -> l.startsWith("[INFO]    Running ") && l.endsWith(" stage"))
        .map(l -> l.substring("[INFO]    Running ".length(), l.length() - " stage".length())).toList();
  }
}
