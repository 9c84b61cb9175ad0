package org.odmwatcher.workflow.local;

import org.locationtech.proj4j.CRSFactory;
import org.locationtech.proj4j.CoordinateTransformFactory;
import org.locationtech.proj4j.ProjCoordinate;

/**
 * Where a north-up raster lies: a projected CRS by EPSG code (metres), the upper-left corner of
 * its upper-left pixel, the pixel size and the size in pixels. What GDAL calls the geotransform
 * {@code (minX, pixelSize, 0, maxY, 0, -pixelSize)}.
 */
public record RasterGrid(int epsg, double minX, double maxY, double pixelSize, int width, int height) {
  private static final CRSFactory CRS = new CRSFactory();

  public RasterGrid {
    if (width < 1 || height < 1 || !(pixelSize > 0)) {
      throw new IllegalArgumentException("a raster needs a positive size and pixel size: " + width + "x" + height + " @ " + pixelSize);
    }
  }

  /**
   * A grid centred on a WGS84 position, in that position's UTM zone (EPSG 326zz north, 327zz
   * south), as ODM picks it for a dataset (opendm/location.py {@code get_utm_zone_and_hemisphere_from}).
   */
  public static RasterGrid centredOn(double lat, double lon, double pixelSize, int width, int height) {
    int zone = Math.min(60, Math.max(1, (int) Math.floor((lon + 180) / 6) + 1));
    int epsg = (lat >= 0 ? 32600 : 32700) + zone;
    ProjCoordinate en = new CoordinateTransformFactory()
        .createTransform(CRS.createFromName("EPSG:4326"), CRS.createFromName("EPSG:" + epsg))
        .transform(new ProjCoordinate(lon, lat), new ProjCoordinate());
    return new RasterGrid(epsg, en.x - width * pixelSize / 2, en.y + height * pixelSize / 2, pixelSize, width, height);
  }

  public double maxX() {
    return minX + width * pixelSize;
  }

  public double minY() {
    return maxY - height * pixelSize;
  }

  /** The same extent at 1/2^level of the resolution (overview {@code level}, rounded up). */
  public RasterGrid overview(int level) {
    int factor = 1 << level;
    return new RasterGrid(epsg, minX, maxY, pixelSize * factor, (width + factor - 1) / factor, (height + factor - 1) / factor);
  }
}
