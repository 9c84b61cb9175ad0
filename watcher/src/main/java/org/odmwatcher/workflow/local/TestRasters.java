package org.odmwatcher.workflow.local;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The test engine's rasters: field-like pictures that say TEST DATA in their pixels (a large
 * banner readable at every zoom level and a small repeated label), so nobody mistakes them for
 * results. The orthophoto is RGBA uint8, the DEMs float32 metres with nodata -9999, as ODM 3.6.0
 * writes them (opendm/orthophoto.py, opendm/dem/commands.py).
 */
public final class TestRasters {
  /** What the TIFFs say about themselves (ImageDescription). */
  public static final String DESCRIPTION = "TEST DATA - written by odm-watcher's test engine, not by OpenDroneMap";
  public static final double NO_DATA = -9999;

  /** 5×7 glyphs of the letters needed, one string of 5 bits per row ('#' = ink). */
  private static final String[][] GLYPHS = {
    {"#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."}, // T
    {"#####", "#....", "#....", "####.", "#....", "#....", "#####"}, // E
    {".####", "#....", "#....", ".###.", "....#", "....#", "####."}, // S
    {".....", ".....", ".....", ".....", ".....", ".....", "....."}, // space
    {"####.", "#...#", "#...#", "#...#", "#...#", "#...#", "####."}, // D
    {".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"}, // A
  };
  private static final int[] TEXT = {0, 1, 2, 0, 3, 4, 5, 0, 5}; // T E S T _ D A T A
  /** Text width in glyph cells (6 per letter incl. spacing), height 7. */
  private static final int TEXT_COLUMNS = TEXT.length * 6 - 1;

  private TestRasters() {}

  /** Whether a point of text space (x in [0, TEXT_COLUMNS), y in [0, 7)) is ink. */
  static boolean ink(double x, double y) {
    if (x < 0 || y < 0 || y >= 7 || x >= TEXT_COLUMNS) {
      return false;
    }
    int column = (int) x;
    int letter = column / 6;
    int cell = column % 6;
    return cell < 5 && GLYPHS[TEXT[letter]][(int) y].charAt(cell) == '#';
  }

  /** Ink of the big banner across the middle (70 % of the width) or of the small repeated label. */
  static boolean marked(RasterGrid grid, double x, double y) {
    double scale = grid.width() * 0.7 / TEXT_COLUMNS;
    double bx = (x - grid.width() * 0.15) / scale;
    double by = (y - grid.height() / 2.0) / scale + 3.5;
    if (ink(bx, by)) {
      return true;
    }
    // every 1024 pixels, at 4 px per glyph cell
    double lx = (x % 1024) / 4 - 8;
    double ly = (y % 1024) / 4 - 8;
    return ink(lx, ly);
  }

  /** Crop rows and a 64 px grid in greens and browns; the text in magenta. Opaque everywhere. */
  public static CogWriter.Pixels orthophoto(RasterGrid grid) {
    return (x, y, rgba) -> {
      rgba[3] = 255;
      if (marked(grid, x, y)) {
        rgba[0] = 230;
        rgba[1] = 20;
        rgba[2] = 200;
        return;
      }
      boolean line = x % 64 < 1.5 || y % 64 < 1.5;
      double rows = 0.5 + 0.5 * Math.sin((x + y * 0.3) / 6.0);
      double field = ((int) (x / 400) + (int) (y / 300)) % 3;
      rgba[0] = line ? 200 : 70 + 50 * field + 20 * rows;
      rgba[1] = line ? 200 : 110 + 30 * rows - 10 * field;
      rgba[2] = line ? 190 : 50 + 15 * field;
    };
  }

  /** A gentle hill around {@code base} metres with the text raised 8 m; {@code above} adds e.g. a DSM's canopy. */
  public static CogWriter.Pixels elevation(RasterGrid grid, double base, double above) {
    return (x, y, z) -> {
      double u = x / grid.width();
      double v = y / grid.height();
      z[0] = base + 15 * Math.sin(Math.PI * u) * Math.cos(Math.PI * (v - 0.5)) + above * (0.5 + 0.5 * Math.sin(x / 9.0))
          + (marked(grid, x, y) ? 8 : 0);
    };
  }

  public static void writeOrthophoto(Path file, RasterGrid grid) throws IOException {
    CogWriter.writeRgba(file, grid, DESCRIPTION, orthophoto(grid));
  }

  public static void writeDem(Path file, RasterGrid grid, boolean surface) throws IOException {
    CogWriter.writeFloat32(file, grid, DESCRIPTION, NO_DATA, elevation(grid, 500, surface ? 4 : 0));
  }
}
