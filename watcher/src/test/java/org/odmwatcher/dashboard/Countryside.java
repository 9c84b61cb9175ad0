package org.odmwatcher.dashboard;

import org.odmwatcher.workflow.local.CogWriter;
import org.odmwatcher.workflow.local.RasterGrid;

/**
 * Made-up imagery that looks like a drone survey of farmland, for the documentation's picture:
 * fields of different crops with rows at their own angles, a winding road, hedges along the field
 * edges, value noise for texture. Pixels only (the COG is written by the test engine's {@link
 * CogWriter}); nothing here is test data that a test asserts on.
 */
final class Countryside {
  static final int SHOTS = 24;
  private static final int[][] CROPS = {
    {112, 140, 62}, {150, 160, 80}, {196, 178, 110}, {86, 120, 52}, {170, 140, 90}, {128, 150, 70}, {205, 190, 130},
  };

  private Countryside() {}

  static CogWriter.Pixels orthophoto(RasterGrid grid) {
    return (x, y, rgba) -> {
      rgba[3] = 255;
      double n = noise(x / 7, y / 7) * 0.6 + noise(x / 31, y / 31) * 0.4;
      double road = Math.abs(y - (grid.height() * 0.55 + 90 * Math.sin(x / 260.0) + 30 * Math.sin(x / 97.0)));
      if (road < 9) {
        double shade = road > 7 ? 150 : 112 + 10 * n;
        rgba[0] = shade;
        rgba[1] = shade;
        rgba[2] = shade - 4;
        return;
      }
      int fx = (int) Math.floor((x + 40 * noise(y / 120, 3)) / 420);
      int fy = (int) Math.floor((y + 40 * noise(x / 120, 7)) / 300);
      double ex = ((x + 40 * noise(y / 120, 3)) % 420 + 420) % 420;
      double ey = ((y + 40 * noise(x / 120, 7)) % 300 + 300) % 300;
      if (ex < 10 || ey < 10) { // hedges and trees along the field edges
        double tree = noise(x / 5, y / 5);
        rgba[0] = 40 + 30 * tree;
        rgba[1] = 70 + 40 * tree;
        rgba[2] = 35 + 20 * tree;
        return;
      }
      int field = Math.floorMod(fx * 7 + fy * 13 + fx * fy, CROPS.length);
      double angle = field * 0.7;
      double rows = 0.5 + 0.5 * Math.sin((x * Math.cos(angle) + y * Math.sin(angle)) / 2.2);
      int[] c = CROPS[field];
      double k = 0.85 + 0.15 * rows + 0.12 * (n - 0.5);
      rgba[0] = clamp(c[0] * k);
      rgba[1] = clamp(c[1] * k);
      rgba[2] = clamp(c[2] * k);
    };
  }

  static CogWriter.Pixels surface(RasterGrid grid) {
    return (x, y, z) -> z[0] = 430 + 12 * Math.sin(x / grid.width() * Math.PI) + 8 * (y / grid.height()) + 3 * noise(x / 40, y / 40);
  }

  /** Camera positions of a lawnmower flight over the middle of the area, WGS84 (ODM's shots.geojson shape). */
  static String shots(double lat, double lon) {
    StringBuilder s = new StringBuilder("{\"type\":\"FeatureCollection\",\"features\":[");
    for (int i = 0; i < SHOTS; i++) {
      int line = i / 6;
      int step = line % 2 == 0 ? i % 6 : 5 - i % 6;
      double x = lon - 0.0007 + step * 0.00028;
      double y = lat - 0.0003 + line * 0.0002;
      s.append(i == 0 ? "" : ",").append("{\"type\":\"Feature\",\"properties\":{\"filename\":\"DJI_")
          .append(String.format("%04d", i + 1)).append(".JPG\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":[")
          .append(x).append(',').append(y).append(",480]}}");
    }
    return s.append("]}").toString();
  }

  private static int clamp(double v) {
    return (int) Math.max(0, Math.min(255, v));
  }

  /** Smooth value noise in [0, 1]. */
  private static double noise(double x, double y) {
    int xi = (int) Math.floor(x);
    int yi = (int) Math.floor(y);
    double fx = x - xi;
    double fy = y - yi;
    double u = fx * fx * (3 - 2 * fx);
    double v = fy * fy * (3 - 2 * fy);
    double a = hash(xi, yi);
    double b = hash(xi + 1, yi);
    double c = hash(xi, yi + 1);
    double d = hash(xi + 1, yi + 1);
    return a + (b - a) * u + (c - a) * v + (a - b - c + d) * u * v;
  }

  private static double hash(int x, int y) {
    int h = x * 374761393 + y * 668265263;
    h = (h ^ (h >>> 13)) * 1274126177;
    return ((h ^ (h >>> 16)) & 0x7fffffff) / (double) 0x7fffffff;
  }
}
