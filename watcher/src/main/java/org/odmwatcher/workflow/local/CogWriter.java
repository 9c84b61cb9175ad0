package org.odmwatcher.workflow.local;

import java.awt.Point;
import java.awt.Rectangle;
import java.awt.color.ColorSpace;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.plugins.tiff.BaselineTIFFTagSet;
import javax.imageio.plugins.tiff.GeoTIFFTagSet;
import javax.imageio.plugins.tiff.TIFFDirectory;
import javax.imageio.plugins.tiff.TIFFField;
import javax.imageio.plugins.tiff.TIFFTag;
import javax.imageio.stream.FileImageOutputStream;

/**
 * Writes a Cloud Optimized GeoTIFF with the JDK's own TIFF plug-in ({@code javax.imageio}, JEP 262;
 * no native library, so local mode's test engine runs with nothing installed). The layout is the
 * one the COG spec (github.com/cogeotiff/cog-spec, spec.md) and GDAL's COG driver write: the
 * header, then the IFD of the full resolution and of each overview (factor 2, 4, ... until one tile
 * has two tiles or fewer: see overviewCount), then the tiles of the smallest overview first and of the full
 * resolution last; 256×256 tiles (ODM's {@code BLOCKSIZE=256}, opendm/cogeo.py), uncompressed.
 *
 * <p>How, with the plug-in's public API only: {@code prepareWriteEmpty}/{@code prepareInsertEmpty}
 * write every IFD with empty tile tables first, then {@code replacePixels} appends each level's
 * tiles at the end of the file, smallest level first, and fills the tables in. Pixels are computed
 * one row of tiles at a time, so a file of any size (up to classic TIFF's 4 GiB) is written in a
 * few MB of memory.
 *
 * <p>Georeferencing: GeoTIFF 1.0 tags (ModelPixelScale, ModelTiepoint, GeoKeyDirectory with
 * GTModelType projected, RasterType PixelIsArea, ProjectedCSType = the EPSG code), as GDAL writes
 * for an EPSG CRS; DEMs carry GDAL's nodata tag (42113) as ODM's DEMs do.
 */
public final class CogWriter {
  /** Tile width and height in pixels. */
  public static final int TILE_SIZE = 256;

  /** GDAL's private tag for a band's nodata value (ASCII), gdal frmts/gtiff/gt_overview/geotiff.cpp TIFFTAG_GDAL_NODATA. */
  static final int TAG_GDAL_NODATA = 42113;

  /**
   * The values of a raster's bands at a point of its full-resolution grid, in pixel units from the
   * upper-left corner (a pixel's centre is {@code i + 0.5}). Overview pixels are sampled at their
   * own centres, so a source gives every level without the full resolution ever being held.
   */
  @FunctionalInterface
  public interface Pixels {
    void sample(double x, double y, double[] bands);
  }

  private CogWriter() {}

  /** An orthophoto: 4 bands uint8 (red, green, blue, alpha; alpha 0 = no data), as ODM writes it. */
  public static void writeRgba(Path file, RasterGrid grid, String description, Pixels pixels) throws IOException {
    ImageTypeSpecifier type = ImageTypeSpecifier.createInterleaved(
        ColorSpace.getInstance(ColorSpace.CS_sRGB), new int[] {0, 1, 2, 3}, DataBuffer.TYPE_BYTE, true, false);
    write(file, grid, description, null, type, 4, pixels);
  }

  /** A DEM (DSM or DTM): 1 band float32 elevation in metres, {@code noData} where there is none. */
  public static void writeFloat32(Path file, RasterGrid grid, String description, double noData, Pixels pixels) throws IOException {
    ImageTypeSpecifier type = ImageTypeSpecifier.createInterleaved(
        ColorSpace.getInstance(ColorSpace.CS_GRAY), new int[] {0}, DataBuffer.TYPE_FLOAT, false, false);
    write(file, grid, description, noData, type, 1, pixels);
  }

  /**
   * How many overviews: halve while the next level still has two tiles or more. GDAL's COG driver
   * goes one step further, to a single tile; the JDK's {@code replacePixels} cannot fill a
   * single-tile image (its TIFFIFD records where the tile table lies only when the table is stored
   * out of line, i.e. for two tiles or more), so the smallest overview here is 257 to 512 pixels
   * on its longer side: still a one- or two-request first view.
   */
  public static int overviewCount(RasterGrid grid) {
    int count = 0;
    while (tiles(grid.overview(count + 1)) >= 2) {
      count++;
    }
    return count;
  }

  private static long tiles(RasterGrid g) {
    return (long) ((g.width() + TILE_SIZE - 1) / TILE_SIZE) * ((g.height() + TILE_SIZE - 1) / TILE_SIZE);
  }

  private static void write(Path file, RasterGrid grid, String description, Double noData, ImageTypeSpecifier type,
      int bands, Pixels pixels) throws IOException {
    Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("tiff");
    if (!writers.hasNext()) {
      throw new IIOException("this Java runtime has no TIFF writer (java.desktop, JDK 9 or later)");
    }
    if (tiles(grid) < 2) {
      throw new IllegalArgumentException("a COG here needs more than one tile (" + TILE_SIZE + " px): " + grid.width() + "x" + grid.height());
    }
    ImageWriter writer = writers.next();
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.deleteIfExists(file);
    int levels = overviewCount(grid) + 1;
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw");
        FileImageOutputStream out = new FileImageOutputStream(raf) {
          // replacePixels seeks back into tables written earlier; the stream must not forget them
          // (a file stream keeps nothing in memory, so there is nothing to release anyway)
          @Override
          public void flushBefore(long pos) {}
        }) {
      writer.setOutput(out);
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setTilingMode(ImageWriteParam.MODE_EXPLICIT);
      param.setTiling(TILE_SIZE, TILE_SIZE, 0, 0);
      for (int level = 0; level < levels; level++) {
        RasterGrid g = grid.overview(level);
        IIOMetadata metadata = metadata(writer, type, param, g, level > 0, description, noData);
        if (level == 0) {
          writer.prepareWriteEmpty(null, type, g.width(), g.height(), metadata, null, param);
          writer.endWriteEmpty();
        } else {
          writer.prepareInsertEmpty(-1, type, g.width(), g.height(), metadata, null, param);
          writer.endInsertEmpty();
        }
      }
      for (int level = levels - 1; level >= 0; level--) {
        RasterGrid g = grid.overview(level);
        double factor = 1 << level;
        writer.prepareReplacePixels(level, new Rectangle(0, 0, g.width(), g.height()));
        double[] values = new double[bands];
        for (int y0 = 0; y0 < g.height(); y0 += TILE_SIZE) {
          int rows = Math.min(TILE_SIZE, g.height() - y0);
          WritableRaster strip = Raster.createWritableRaster(
              type.getSampleModel().createCompatibleSampleModel(g.width(), rows), new Point(0, 0));
          double[] row = new double[g.width() * bands];
          for (int y = y0; y < y0 + rows; y++) {
            for (int x = 0; x < g.width(); x++) {
              pixels.sample((x + 0.5) * factor, (y + 0.5) * factor, values);
              System.arraycopy(values, 0, row, x * bands, bands);
            }
            strip.setPixels(0, y - y0, g.width(), 1, row);
          }
          // where the strip goes: replacePixels takes it from the destination offset (a raster's
          // own location is not honoured)
          param.setDestinationOffset(new Point(0, y0));
          writer.replacePixels(strip, param);
        }
        writer.endReplacePixels();
      }
    } finally {
      writer.dispose();
    }
  }

  private static IIOMetadata metadata(ImageWriter writer, ImageTypeSpecifier type, ImageWriteParam param, RasterGrid g,
      boolean overview, String description, Double noData) throws IOException {
    TIFFDirectory dir = TIFFDirectory.createFromMetadata(writer.getDefaultImageMetadata(type, param));
    BaselineTIFFTagSet base = BaselineTIFFTagSet.getInstance();
    if (overview) {
      dir.addTIFFField(new TIFFField(base.getTag(BaselineTIFFTagSet.TAG_NEW_SUBFILE_TYPE), TIFFTag.TIFF_LONG, 1,
          new long[] {BaselineTIFFTagSet.NEW_SUBFILE_TYPE_REDUCED_RESOLUTION}));
    } else {
      dir.addTIFFField(new TIFFField(base.getTag(BaselineTIFFTagSet.TAG_IMAGE_DESCRIPTION), TIFFTag.TIFF_ASCII, 1,
          new String[] {description}));
    }
    GeoTIFFTagSet geo = GeoTIFFTagSet.getInstance();
    dir.addTIFFField(new TIFFField(geo.getTag(GeoTIFFTagSet.TAG_MODEL_PIXEL_SCALE), TIFFTag.TIFF_DOUBLE, 3,
        new double[] {g.pixelSize(), g.pixelSize(), 0}));
    dir.addTIFFField(new TIFFField(geo.getTag(GeoTIFFTagSet.TAG_MODEL_TIE_POINT), TIFFTag.TIFF_DOUBLE, 6,
        new double[] {0, 0, 0, g.minX(), g.maxY(), 0}));
    // GeoTIFF 1.0 §2.4: header (version 1, revision 1.0, key count), then sorted (key, location 0 =
    // value inline, count 1, value): GTModelTypeGeoKey=Projected, GTRasterTypeGeoKey=PixelIsArea,
    // ProjectedCSTypeGeoKey=EPSG code, ProjLinearUnitsGeoKey=metre (9001).
    char[] keys = {1, 1, 0, 4, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, (char) g.epsg(), 3076, 0, 1, 9001};
    dir.addTIFFField(new TIFFField(geo.getTag(GeoTIFFTagSet.TAG_GEO_KEY_DIRECTORY), TIFFTag.TIFF_SHORT, keys.length, keys));
    if (noData != null) {
      TIFFTag tag = new TIFFTag("GDALNoData", TAG_GDAL_NODATA, 1 << TIFFTag.TIFF_ASCII);
      String text = noData == Math.rint(noData) ? String.valueOf(noData.longValue()) : String.valueOf(noData);
      dir.addTIFFField(new TIFFField(tag, TIFFTag.TIFF_ASCII, 1, new String[] {text}));
    }
    return dir.getAsMetadata();
  }
}
