package org.odmwatcher.testing.argo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.odmwatcher.workflow.local.RasterGrid;
import org.odmwatcher.workflow.local.TestRasters;

/**
 * The rasters the stand-in ODM (src/test/resources/argo/odm/run.py, {@code ODM_STANDIN_RASTERS})
 * copies where ODM writes its orthophoto and DEMs: real COGs marked TEST DATA, by the watcher's
 * own writer, made once per test JVM. Small (520 × 260 px at 20 cm: six tiles and one overview)
 * so that every job's upload stays quick; the same place as local mode's test engine.
 */
public final class StandInRasters {
  /** Where they lie: the test engine's extent ({@code TestOdmEngine.GRID}) at half its resolution. */
  public static final RasterGrid GRID = RasterGrid.centredOn(46.8432, 9.5326, 0.2, 520, 260);

  private static Path dir;

  private StandInRasters() {}

  /** The folder holding {@code odm_orthophoto.tif}, {@code dsm.tif} and {@code dtm.tif}. */
  public static synchronized Path dir() {
    if (dir == null) {
      try {
        Path target = Files.createTempDirectory("standin-rasters");
        write(target.resolve("odm_orthophoto.tif"), null);
        write(target.resolve("dsm.tif"), true);
        write(target.resolve("dtm.tif"), false);
        target.toFile().deleteOnExit();
        dir = target;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return dir;
  }

  private static void write(Path file, Boolean surface) throws IOException {
    Path part = file.resolveSibling(file.getFileName() + ".part");
    if (surface == null) {
      TestRasters.writeOrthophoto(part, GRID);
    } else {
      TestRasters.writeDem(part, GRID, surface);
    }
    Files.move(part, file, StandardCopyOption.ATOMIC_MOVE);
    file.toFile().deleteOnExit();
  }
}
