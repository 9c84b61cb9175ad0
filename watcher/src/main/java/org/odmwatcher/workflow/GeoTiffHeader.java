package org.odmwatcher.workflow;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.plugins.tiff.BaselineTIFFTagSet;
import javax.imageio.plugins.tiff.GeoTIFFTagSet;
import javax.imageio.plugins.tiff.TIFFDirectory;
import javax.imageio.plugins.tiff.TIFFField;
import javax.imageio.stream.ImageInputStream;

/**
 * What a GeoTIFF's first bytes say about where it lies, read with the JDK's TIFF reader
 * ({@code javax.imageio}, JEP 262) from a ranged GET of the file's head: size, the CRS's EPSG code
 * (GeoKey ProjectedCSTypeGeoKey 3072, or GeographicTypeGeoKey 2048), the north-up grid
 * (ModelPixelScale + ModelTiepoint, GeoTIFF 1.0 §2.6.1, as GDAL and ODM write them), and the
 * overviews that follow the full resolution in the IFD chain. A COG keeps all IFDs at the start
 * (cog-spec spec.md), so its head holds them; a plain GeoTIFF's overviews (if any) lie after its
 * pixels and count as none.
 *
 * @param transform GDAL's geotransform in STAC {@code proj:transform} order: {@code [a, b, c, d,
 *     e, f]} with x = a·col + b·row + c, y = d·col + e·row + f
 */
public record GeoTiffHeader(int width, int height, int epsg, double[] transform, int overviews, boolean tiled) {
  /** GeoKey ids (GeoTIFF 1.0 §6.2): the projected and the geographic CRS codes. */
  private static final int PROJECTED_CS_TYPE = 3072;
  private static final int GEOGRAPHIC_TYPE = 2048;

  /** Whether this is what GDAL's COG driver writes: tiled, with overviews (or small enough for none). */
  public boolean cloudOptimized() {
    return tiled && (overviews > 0 || Math.max(width, height) <= 512);
  }

  public double minX() {
    return transform[2];
  }

  public double maxY() {
    return transform[5];
  }

  public double maxX() {
    return transform[2] + transform[0] * width;
  }

  public double minY() {
    return transform[5] + transform[4] * height;
  }

  /**
   * Reads the header from the file's first bytes; {@link EOFException} when they end before the
   * first IFD does (read more), {@link IIOException} when it is no GeoTIFF this understands.
   */
  public static GeoTiffHeader read(byte[] head) throws IOException {
    Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("tiff");
    if (!readers.hasNext()) {
      throw new IIOException("this Java runtime has no TIFF reader");
    }
    ImageReader reader = readers.next();
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(head))) {
      reader.setInput(in);
      TIFFDirectory ifd;
      try {
        ifd = TIFFDirectory.createFromMetadata(reader.getImageMetadata(0));
      } catch (IndexOutOfBoundsException | IIOException e) {
        if (e.getCause() instanceof EOFException || e instanceof IndexOutOfBoundsException) {
          throw new EOFException("the first IFD goes beyond the " + head.length + " bytes read");
        }
        throw e;
      }
      TIFFField scale = ifd.getTIFFField(GeoTIFFTagSet.TAG_MODEL_PIXEL_SCALE);
      TIFFField tie = ifd.getTIFFField(GeoTIFFTagSet.TAG_MODEL_TIE_POINT);
      TIFFField keys = ifd.getTIFFField(GeoTIFFTagSet.TAG_GEO_KEY_DIRECTORY);
      if (scale == null || tie == null || keys == null) {
        throw new IIOException("not a north-up GeoTIFF (no ModelPixelScale, ModelTiepoint or GeoKeyDirectory)");
      }
      int epsg = epsg(keys.getAsChars());
      double sx = scale.getAsDouble(0);
      double sy = scale.getAsDouble(1);
      // the tie point maps raster (i, j) to model (x, y); the grid's origin is (x - i·sx, y + j·sy)
      double originX = tie.getAsDouble(3) - tie.getAsDouble(0) * sx;
      double originY = tie.getAsDouble(4) + tie.getAsDouble(1) * sy;
      int width = reader.getWidth(0);
      int height = reader.getHeight(0);
      boolean tiled = ifd.getTIFFField(BaselineTIFFTagSet.TAG_TILE_WIDTH) != null;
      return new GeoTiffHeader(width, height, epsg, new double[] {sx, 0, originX, 0, -sy, originY},
          overviews(reader), tiled);
    } finally {
      reader.dispose();
    }
  }

  /** The reduced-resolution IFDs that follow the first within the bytes read. */
  private static int overviews(ImageReader reader) {
    int count = 0;
    try {
      for (int index = 1; ; index++) {
        TIFFDirectory ifd = TIFFDirectory.createFromMetadata(reader.getImageMetadata(index));
        TIFFField type = ifd.getTIFFField(BaselineTIFFTagSet.TAG_NEW_SUBFILE_TYPE);
        if (type != null && (type.getAsLong(0) & BaselineTIFFTagSet.NEW_SUBFILE_TYPE_REDUCED_RESOLUTION) != 0) {
          count++;
        }
      }
    } catch (IOException | RuntimeException endOfChainOrOfBytes) {
      return count;
    }
  }

  private static int epsg(char[] keys) throws IIOException {
    // GeoTIFF 1.0 §2.4: a header of 4 shorts (the 4th: key count), then (key, location, count, value)
    int projected = 0;
    int geographic = 0;
    for (int k = 0; k < keys[3] && 4 * k + 7 < keys.length; k++) {
      int key = keys[4 + 4 * k];
      int location = keys[5 + 4 * k];
      int value = keys[7 + 4 * k];
      if (location == 0 && key == PROJECTED_CS_TYPE) {
        projected = value;
      } else if (location == 0 && key == GEOGRAPHIC_TYPE) {
        geographic = value;
      }
    }
    int code = projected != 0 ? projected : geographic;
    if (code == 0 || code == 32767) {
      throw new IIOException("the GeoTIFF's CRS has no EPSG code (user-defined)");
    }
    return code;
  }
}
