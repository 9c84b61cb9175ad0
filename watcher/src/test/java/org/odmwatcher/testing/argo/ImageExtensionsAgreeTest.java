package org.odmwatcher.testing.argo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.odmwatcher.manifest.FolderImages;

/**
 * One list of image extensions everywhere, ODM 3.6.0's (opendm/context.py {@code
 * supported_extensions}, copied verbatim into the stand-in ODM, src/test/resources/argo/odm/run.py):
 * the watcher counts images with {@link FolderImages}, the shipped WorkflowTemplate's download step
 * fetches them with an rclone include, and ODM picks them. This fails as soon as one of the three
 * lists or rules drifts from the others.
 */
class ImageExtensionsAgreeTest {
  /** Names that tell the rules apart: case, masks, dots, near misses. */
  private static final List<String> NAMES = List.of("IMG.JPG", "a.JXL", "b.jxl", "c.Nef", "d.RAW", "e.bmp", "f.DNG",
      "g.jpeg", "h.tif", "i.TIFF", "j.png", "x_mask.png", "x_mask2.png", "x_MASK.png", "DJI_0001_mask.JPG",
      "_mask.jpg", "x_mask.txt", ".jpg", "..jpg", ".a.jpg", "a..jpg", "x.jpg.txt", "x.", "jpg", "clip.mp4",
      "odm.json", "gcp_list.txt", "notes.docx", "x.gif", "Überflug 3.tif");

  @Test
  void theWatcherTheTemplateAndTheStandInOdmHoldOdmsExtensions() throws Exception {
    List<String> standIn = Arrays.asList(python("print(' '.join(sorted(e[1:] for e in run.supported_extensions)))").strip().split(" "));
    assertThat(FolderImages.IMAGE_EXTENSIONS).as("FolderImages vs run.py (ODM's context.py)").containsExactlyElementsOf(standIn);

    List<String> args = downloadArgs();
    Matcher include = Pattern.compile("\\*\\.\\{([a-z,]+)}").matcher(includeGlob(args));
    assertThat(include.matches()).as("the download include %s is *.{ext,...}", includeGlob(args)).isTrue();
    assertThat(include.group(1).split(",")).as("the template's download include vs FolderImages")
        .containsExactlyElementsOf(FolderImages.IMAGE_EXTENSIONS);
    assertThat(args).as("ODM takes any case (ext.lower())").contains("--ignore-case");
  }

  @Test
  void theWatcherCountsAsOdmChoosesAndTheDownloadFetchesEveryImageAndMask() throws Exception {
    // ODM's choice, by the stand-in's verbatim copy of dataset.py valid_filename and its mask lookup.
    String script = "import os\n"
        + "for f in sys.argv[2:]:\n"
        + "    p, ext = os.path.splitext(f)\n"
        + "    mask = p[-5:] == '_mask' and ext.lower() in run.supported_extensions\n"
        + "    print('%s %s' % (run.valid_filename(f, run.supported_extensions), mask))\n";
    List<String> answers = python(script, NAMES.toArray(String[]::new)).lines().toList();
    assertThat(answers).hasSize(NAMES.size());

    List<String> args = downloadArgs();
    RcloneFilter download = RcloneFilter.include(List.of(includeGlob(args)), args.contains("--ignore-case"));
    for (int i = 0; i < NAMES.size(); i++) {
      String name = NAMES.get(i);
      String[] odm = answers.get(i).split(" ");
      assertThat(FolderImages.isImage("flight/" + name)).as("is %s an image", name).isEqualTo(Boolean.parseBoolean(odm[0]));
      assertThat(FolderImages.isMask("flight/" + name)).as("is %s a mask", name).isEqualTo(Boolean.parseBoolean(odm[1]));
      if (FolderImages.isImageOrMask(name)) {
        assertThat(download.includes(name)).as("the download fetches %s", name).isTrue();
      }
    }
    // What has none of the extensions stays in S3.
    for (String other : List.of("odm.json", "notes.docx", "clip.mp4", "x.jpg.txt", "x_mask.txt", "x.gif")) {
      assertThat(download.includes(other)).as("the download leaves %s", other).isFalse();
    }
  }

  @SuppressWarnings("unchecked")
  private static List<String> downloadArgs() {
    Map<String, Object> container = (Map<String, Object>) WorkflowTemplateFile.load().template("download").get("container");
    return ((List<Object>) container.get("args")).stream().map(String::valueOf).toList();
  }

  private static String includeGlob(List<String> args) {
    int at = args.indexOf("--include");
    assertThat(at).as("the download step has one --include").isNotNegative().isEqualTo(args.lastIndexOf("--include"));
    return args.get(at + 1);
  }

  /** Runs {@code code} with the stand-in ODM imported as {@code run} (its main part does not run). */
  private static String python(String code, String... argv) throws Exception {
    Path runPy = Path.of(ImageExtensionsAgreeTest.class.getResource("/argo/odm/run.py").toURI());
    List<String> command = new ArrayList<>(List.of("python3", "-c",
        "import sys\nsys.path.insert(0, sys.argv[1])\nimport run\n" + code, runPy.getParent().toString()));
    command.addAll(List.of(argv));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    return output;
  }
}
