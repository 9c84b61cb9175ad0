package org.odmwatcher.workflow.local;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The test engine ({@code --engine test}, like NodeODM's {@code --test}): a separate process that
 * takes ODM's arguments, replays a recorded ODM console log at a quick pace and writes small
 * placeholder outputs that say they are not real. It exercises the whole path (process, progress,
 * cancel, upload) on machines without Docker; it is never the default.
 */
public final class TestOdmEngine {
  /** Environment variable: milliseconds between two replayed lines. */
  public static final String PACE_ENV = "ODM_TEST_PACE_MS";

  static final String PLACEHOLDER =
      "TEST ENGINE — not real processing. odm-watcher's test engine wrote this placeholder instead of running"
          + " OpenDroneMap. Start `local` without --engine test (Docker or Podman installed) for real results.\n";
  static final List<String> OUTPUTS =
      List.of("odm_orthophoto/odm_orthophoto.tif", "odm_georeferencing/odm_georeferenced_model.laz",
          "odm_report/report.pdf");

  private TestOdmEngine() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    Path projectPath = null;
    String project = null;
    for (int i = 0; i < args.length; i++) {
      if ("--project-path".equals(args[i]) && i + 1 < args.length) {
        projectPath = Path.of(args[++i]);
      } else if (project == null && !args[i].startsWith("--")) {
        project = args[i];
      }
    }
    if (projectPath == null || project == null) {
      System.out.println("[ERROR]   usage: TestOdmEngine --project-path PATH NAME [options]");
      System.exit(2);
    }
    long pace = Long.parseLong(System.getenv().getOrDefault(PACE_ENV, "150"));
    Path dir = projectPath.resolve(project);
    System.out.println("[INFO]    engine: test — replaying a recorded ODM log; this is NOT real processing");
    System.out.println("[INFO]    options: " + String.join(" ", args));
    try (InputStream log = TestOdmEngine.class.getResourceAsStream("/odm/test-engine-console.log");
        BufferedReader in = new BufferedReader(new InputStreamReader(log, StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        System.out.println(line);
        System.out.flush();
        Thread.sleep(pace);
      }
    }
    for (String output : OUTPUTS) {
      Path file = dir.resolve(output);
      Files.createDirectories(file.getParent());
      Files.writeString(file, PLACEHOLDER, StandardCharsets.UTF_8);
    }
    System.out.println("[INFO]    engine: test — wrote placeholder outputs " + OUTPUTS);
  }
}
