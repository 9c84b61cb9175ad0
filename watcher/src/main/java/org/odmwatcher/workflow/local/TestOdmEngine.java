package org.odmwatcher.workflow.local;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The test engine ({@code --engine test}, like NodeODM's {@code --test}): a separate process that
 * takes ODM's arguments, replays a recorded ODM console log at a quick pace and writes small
 * outputs that say they are not real: georeferenced COGs marked TEST DATA for the orthophoto and
 * DEMs, text placeholders for the rest. It exercises the whole path (process, progress,
 * cancel, upload) on machines without Docker; it is never the default.
 *
 * <p>It resumes as ODM does: each stage whose product is already in the project (a kept work
 * folder) logs ODM's "Found ..." warning and skips its work, unless {@code --rerun}, {@code
 * --rerun-from} or {@code --rerun-all} names it (opendm/types.py ODM_Stage.rerun; the same rules
 * and lines as the stand-in ODM, src/test/resources/argo/odm/run.py), so a test can tell from the
 * log which stages worked again.
 */
public final class TestOdmEngine {
  /** Environment variable: milliseconds between two replayed lines. */
  public static final String PACE_ENV = "ODM_TEST_PACE_MS";

  static final String PLACEHOLDER =
      "TEST ENGINE — not real processing. odm-watcher's test engine wrote this placeholder instead of running"
          + " OpenDroneMap. Start `local` without --engine test (Docker or Podman installed) for real results.\n";

  static final String ORTHOPHOTO = "odm_orthophoto/odm_orthophoto.tif";
  static final String DSM = "odm_dem/dsm.tif";
  static final String DTM = "odm_dem/dtm.tif";

  /**
   * Where the test rasters lie: around the sample flight of {@code samples/quick-orthophoto}
   * (46.8432 N, 9.5321 E, UTM 32N), 104 × 52 m at 10 cm. Real COGs (tiled, overviews) that say
   * TEST DATA in their pixels ({@link TestRasters}), whatever ODM's {@code --cog} says: ODM without
   * it writes the same rasters without overviews, which nothing here needs to tell apart.
   */
  static final RasterGrid GRID = RasterGrid.centredOn(46.8432, 9.5326, 0.1, 1040, 520);

  /**
   * The products ODM 3.6.0 writes for these arguments, where it writes them (opendm/types.py
   * ODM_Tree), by the same rules as the stand-in ODM the tests run
   * (src/test/resources/argo/odm/run.py, {@code run_stage}): the point cloud always; the
   * orthophoto unless {@code --skip-orthophoto}; the report unless {@code --skip-report}; the
   * textured model unless {@code --skip-3dmodel} or {@code --fast-orthophoto} (config.py sets
   * skip-3dmodel for it) without {@code --use-3dmesh}; a DSM, DTM, 3D tiles, LAS, CSV, EPT or COPC
   * point cloud only when its option asks.
   */
  static List<String> products(List<String> args) {
    boolean skip3d = (args.contains("--skip-3dmodel") || args.contains("--fast-orthophoto")) && !args.contains("--use-3dmesh");
    List<String> products = new ArrayList<>();
    products.add("odm_georeferencing/odm_georeferenced_model.laz");
    Map<String, String> byFlag = new LinkedHashMap<>();
    byFlag.put("--pc-las", "odm_georeferencing/odm_georeferenced_model.las");
    byFlag.put("--pc-csv", "odm_georeferencing/odm_georeferenced_model.csv");
    byFlag.put("--pc-copc", "odm_georeferencing/odm_georeferenced_model.copc.laz");
    byFlag.put("--pc-ept", "entwine_pointcloud/ept.json");
    byFlag.put("--dsm", DSM);
    byFlag.put("--dtm", DTM);
    byFlag.put("--3d-tiles", "3d_tiles/tileset.json");
    byFlag.forEach((flag, product) -> {
      if (args.contains(flag)) {
        products.add(product);
      }
    });
    if (!skip3d) {
      products.add("odm_texturing/odm_textured_model_geo.obj");
    }
    if (!args.contains("--skip-orthophoto")) {
      products.add(ORTHOPHOTO);
    }
    if (!args.contains("--skip-report")) {
      products.add("odm_report/report.pdf");
    }
    return products;
  }

  private TestOdmEngine() {}

  /**
   * Environment variables that make the engine fail in a stage as a tool of that stage exiting with
   * the code would (ODM: opendm/system.py run raises SubprocessException; stages/odm_app.py
   * ODMApp.execute returns its errorCode; 137 is the kernel's out-of-memory kill). For tests only:
   * the local executor drops them from the environment it passes on and sets them only where a test
   * asked for it ({@link LocalJobSubmitter#failNextRun}), so no user setting can make a job fail.
   */
  static final String EXIT_ENV = "ODM_TEST_ENGINE_EXIT";

  static final String EXIT_STAGE_ENV = "ODM_TEST_ENGINE_EXIT_STAGE";

  /** ODM's stages in order (stages/odm_app.py ODMApp.__init__; opendm/config.py processopts). */
  static final List<String> STAGES = List.of("dataset", "split", "merge", "opensfm", "openmvs", "odm_filterpoints",
      "odm_meshing", "mvs_texturing", "odm_georeferencing", "odm_dem", "odm_orthophoto", "odm_report",
      "odm_postprocess");

  /**
   * The file whose presence tells each stage that its work is done, and the warning ODM logs then
   * (opendm/types.py ODM_Tree; stages/*.py {@code if not io.file_exists(<product>) or self.rerun():
   * ... else: log.ODM_WARNING(...)}), as the stand-in ODM has them (src/test/resources/argo/odm/run.py
   * STAGE_PRODUCTS). split, merge, odm_report and odm_postprocess always run.
   */
  private static final Map<String, String[]> DONE = Map.of(
      "dataset", new String[] {"images.json", null}, // stages/dataset.py: loads its images database instead
      "opensfm", new String[] {"opensfm/reconstruction.json", "Found a valid OpenSfM reconstruction file in: %s"},
      "openmvs", new String[] {"opensfm/undistorted/openmvs/scene_dense_dense_filtered.ply",
          "Found a valid OpenMVS reconstruction file in: %s"},
      "odm_filterpoints", new String[] {"odm_filterpoints/point_cloud.ply", "Found a valid point cloud file in: %s"},
      "odm_meshing", new String[] {"odm_meshing/odm_mesh.ply", "Found a valid ODM Mesh file in: %s"},
      "mvs_texturing", new String[] {"odm_texturing_25d/odm_textured_model_geo.obj", "Found a valid ODM Texture file in: %s"},
      "odm_georeferencing", new String[] {"odm_georeferencing/odm_georeferenced_model.laz",
          "Found a valid georeferenced model in: %s"},
      "odm_dem", new String[] {"odm_dem", "Found existing outputs in: %s"},
      "odm_orthophoto", new String[] {ORTHOPHOTO, "Found a valid orthophoto in: %s"});

  /** The stage of ODM's pipeline that writes {@code product} (opendm/types.py ODM_Tree, stages/*.py). */
  static String stageOf(String product) {
    if (product.startsWith("odm_georeferencing/") || product.startsWith("entwine_pointcloud/")) {
      return "odm_georeferencing";
    }
    if (product.startsWith("odm_dem/")) {
      return "odm_dem";
    }
    if (product.startsWith("odm_texturing")) {
      return "mvs_texturing";
    }
    if (product.startsWith("odm_orthophoto/")) {
      return "odm_orthophoto";
    }
    if (product.startsWith("odm_report/")) {
      return "odm_report";
    }
    return "odm_postprocess"; // 3d_tiles (stages/odm_postprocess.py)
  }

  public static void main(String[] args) throws IOException, InterruptedException {
    Path projectPath = null;
    String project = null;
    String rerun = null;
    String rerunFrom = null;
    String endWith = null;
    for (int i = 0; i < args.length; i++) {
      if ("--project-path".equals(args[i]) && i + 1 < args.length) {
        projectPath = Path.of(args[++i]);
      } else if ("--rerun-from".equals(args[i]) && i + 1 < args.length) {
        rerunFrom = args[++i];
      } else if (("--rerun".equals(args[i]) || "-r".equals(args[i])) && i + 1 < args.length) {
        rerun = args[++i];
      } else if (("--end-with".equals(args[i]) || "-e".equals(args[i])) && i + 1 < args.length) {
        endWith = args[++i];
      } else if (project == null && !args[i].startsWith("-")) {
        project = args[i];
      }
    }
    if (projectPath == null || project == null) {
      System.out.println("[ERROR]   usage: TestOdmEngine --project-path PATH NAME [options]");
      System.exit(2);
    }
    for (String stage : java.util.Arrays.asList(rerun, rerunFrom, endWith)) {
      if (stage != null && !STAGES.contains(stage)) { // config.py: choices=processopts; argparse exits 2
        System.out.println("run.py: error: argument: invalid choice: '" + stage + "' (choose from " + STAGES + ")");
        System.exit(2);
      }
    }
    List<String> options = List.of(args);
    boolean rerunAll = options.contains("--rerun-all");
    long pace = Long.parseLong(System.getenv().getOrDefault(PACE_ENV, "150"));
    String failIn = System.getenv(EXIT_STAGE_ENV);
    int failWith = Integer.parseInt(System.getenv().getOrDefault(EXIT_ENV, "0"));
    Path dir = projectPath.resolve(project);
    System.out.println("[INFO]    engine: test — replaying a recorded ODM log; this is NOT real processing");
    System.out.println("[INFO]    options: " + String.join(" ", args));
    Recorded recorded = Recorded.load();
    recorded.preamble().forEach(line -> print(line, pace));
    if (rerunAll) { // run.py __main__: --rerun-all removes the earlier results first
      print("[INFO]    Rerun all -- Removing old data", pace);
      for (String d : List.of("odm_orthophoto", "odm_dem", "odm_georeferencing", "odm_report", "odm_texturing",
          "entwine_pointcloud", "3d_tiles", "odm_meshing", "opensfm", "odm_texturing_25d", "odm_filterpoints")) {
        LocalRun.deleteTree(dir.resolve(d));
      }
    }
    List<String> products = products(options);
    List<String> rerunStages = rerunFrom == null ? List.of() : STAGES.subList(STAGES.indexOf(rerunFrom), STAGES.size());
    boolean fast = options.contains("--fast-orthophoto");
    for (String stage : STAGES) {
      if (fast && "openmvs".equals(stage)) {
        continue; // stages/odm_app.py: fast-orthophoto connects opensfm to odm_filterpoints
      }
      List<String> chunk = recorded.stages().getOrDefault(stage, List.of("[INFO]    Running " + stage + " stage",
          "[INFO]    Finished " + stage + " stage"));
      print(chunk.get(0), pace); // ODM_Stage.run: "Running <stage> stage"
      boolean again = rerunAll || stage.equals(rerun) || rerunStages.contains(stage); // ODM_Stage.rerun
      String[] done = DONE.get(stage);
      Path marker = done == null ? null : dir.resolve(done[0]);
      boolean found = done != null && !again && ("odm_dem".equals(stage)
          ? products.stream().anyMatch(p -> p.startsWith("odm_dem/")) && products.stream()
              .filter(p -> p.startsWith("odm_dem/")).allMatch(p -> Files.exists(dir.resolve(p)))
          : Files.exists(marker));
      if (found) {
        print(done[1] == null ? "[INFO]    Loading images database: " + marker
            : "[WARNING] " + String.format(done[1], marker), pace);
      } else {
        if (stage.equals(failIn) && failWith != 0) {
          fail(failWith);
          System.exit(failWith); // run.py: sys.exit(retcode)
        }
        boolean dems = products.stream().anyMatch(p -> p.startsWith("odm_dem/"));
        for (String line : chunk.subList(1, chunk.size() - 1)) {
          if (!(dems && line.contains("DSM/DTM not requested"))) { // the recording asked for none
            print(line, pace);
          }
        }
        if (marker != null && !"odm_dem".equals(stage)) {
          write(marker, null);
        }
        for (String product : products) {
          if (stageOf(product).equals(stage)) {
            write(dir.resolve(product), product);
          }
        }
      }
      print(chunk.get(chunk.size() - 1), pace); // "Finished <stage> stage"
      if (stage.equals(endWith) || stage.equals(rerun)) {
        break;
      }
    }
    recorded.trailer().forEach(line -> print(line, pace));
    System.out.println("[INFO]    engine: test — wrote test outputs (TEST DATA, not real) " + products);
  }

  private static void write(Path file, String product) throws IOException {
    Files.createDirectories(file.getParent());
    if (product == null) {
      Files.writeString(file, PLACEHOLDER, StandardCharsets.UTF_8);
      return;
    }
    switch (product) {
      case ORTHOPHOTO -> TestRasters.writeOrthophoto(file, GRID);
      case DSM, DTM -> TestRasters.writeDem(file, GRID, DSM.equals(product));
      default -> Files.writeString(file, PLACEHOLDER, StandardCharsets.UTF_8);
    }
  }

  /** What ODM prints when a stage's tool fails (stages/odm_app.py ODMApp.execute), then its exit code. */
  private static void fail(int code) {
    System.out.println();
    System.out.println("===== Dumping Info for Geeks (developers need this to fix bugs) =====");
    System.out.println("Child returned " + code);
    System.out.println("===== Done, human-readable information to follow... =====");
    System.out.println();
    System.out.println(code == 137
        ? "[ERROR]   Whoops! You ran out of memory! Add more RAM to your computer, if you're using docker configure it"
            + " to use more memory, resize your images, lower the quality settings or process the images using a cloud provider."
        : code == 1 || code == 134 || code == 139
            ? "[ERROR]   Uh oh! Processing stopped because of strange values in the reconstruction. This is often a sign"
                + " that the input data has some issues or the software cannot deal with it."
            : "[ERROR]   The program exited with a strange error code. Please report it at https://community.opendronemap.org");
    System.out.flush();
  }

  private static void print(String line, long pace) {
    System.out.println(line);
    System.out.flush();
    try {
      Thread.sleep(pace);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The recorded console, cut at ODM's stage lines: what comes before, each stage's lines, what ends it. */
  private record Recorded(List<String> preamble, Map<String, List<String>> stages, List<String> trailer) {
    static Recorded load() throws IOException {
      List<String> preamble = new ArrayList<>();
      Map<String, List<String>> stages = new LinkedHashMap<>();
      List<String> trailer = new ArrayList<>();
      java.util.regex.Pattern running = java.util.regex.Pattern.compile("Running ([a-z_]+) stage$");
      List<String> current = null;
      try (InputStream log = TestOdmEngine.class.getResourceAsStream("/odm/test-engine-console.log");
          BufferedReader in = new BufferedReader(new InputStreamReader(log, StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          java.util.regex.Matcher m = running.matcher(line);
          if (m.find()) {
            current = new ArrayList<>();
            stages.put(m.group(1), current);
          }
          if (current == null) {
            preamble.add(line);
          } else if (stages.isEmpty() || current.isEmpty() || !current.get(current.size() - 1).contains("Finished ")) {
            current.add(line);
          } else {
            trailer.add(line);
          }
        }
      }
      return new Recorded(preamble, stages, trailer);
    }
  }
}
