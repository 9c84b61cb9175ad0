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
    List<String> products = products(List.of(args));
    for (String product : products) {
      Path file = dir.resolve(product);
      Files.createDirectories(file.getParent());
      switch (product) {
        case ORTHOPHOTO -> TestRasters.writeOrthophoto(file, GRID);
        case DSM, DTM -> TestRasters.writeDem(file, GRID, DSM.equals(product));
        default -> Files.writeString(file, PLACEHOLDER, StandardCharsets.UTF_8);
      }
    }
    System.out.println("[INFO]    engine: test — wrote test outputs (TEST DATA, not real) " + products);
  }
}
