package org.odmwatcher.workflow.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.plugins.tiff.BaselineTIFFTagSet;
import javax.imageio.plugins.tiff.GeoTIFFTagSet;
import javax.imageio.plugins.tiff.TIFFDirectory;
import javax.imageio.plugins.tiff.TIFFImageReadParam;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CogWriterTest {
  @TempDir Path dir;

  @Test
  void writesTiledGeoTiffWithOverviewsInCogOrder() throws IOException {
    RasterGrid grid = RasterGrid.centredOn(46.8432, 9.5321, 0.05, 1100, 700);
    Path file = dir.resolve("odm_orthophoto.tif");
    TestRasters.writeOrthophoto(file, grid);

    assertThat(grid.epsg()).isEqualTo(32632);
    try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      ImageReader reader = ImageIO.getImageReadersByFormatName("tiff").next();
      reader.setInput(in);
      // 1100x700 -> 550x350 -> 275x175 (2 tiles); the next, 138x88, would be a single tile
      assertThat(reader.getNumImages(true)).isEqualTo(3);
      List<long[]> offsets = new ArrayList<>();
      for (int level = 0; level < 3; level++) {
        assertThat(reader.getWidth(level)).isEqualTo(grid.overview(level).width());
        assertThat(reader.isImageTiled(level)).isTrue();
        assertThat(reader.getTileWidth(level)).isEqualTo(256);
        TIFFDirectory ifd = TIFFDirectory.createFromMetadata(reader.getImageMetadata(level));
        assertThat(ifd.getTIFFField(BaselineTIFFTagSet.TAG_NEW_SUBFILE_TYPE) == null ? 0
            : ifd.getTIFFField(BaselineTIFFTagSet.TAG_NEW_SUBFILE_TYPE).getAsLong(0)).isEqualTo(level == 0 ? 0 : 1);
        assertThat(ifd.getTIFFField(GeoTIFFTagSet.TAG_MODEL_PIXEL_SCALE).getAsDouble(0)).isEqualTo(0.05 * (1 << level));
        assertThat(ifd.getTIFFField(GeoTIFFTagSet.TAG_MODEL_TIE_POINT).getAsDouble(3)).isEqualTo(grid.minX());
        char[] keys = ifd.getTIFFField(GeoTIFFTagSet.TAG_GEO_KEY_DIRECTORY).getAsChars();
        assertThat(keys[12]).isEqualTo((char) 3072);
        assertThat((int) keys[15]).isEqualTo(32632);
        offsets.add(ifd.getTIFFField(BaselineTIFFTagSet.TAG_TILE_OFFSETS).getAsLongs());
      }
      // COG layout: every tile of a smaller level lies before every tile of the next larger one
      for (int level = 2; level > 0; level--) {
        assertThat(Arrays.stream(offsets.get(level)).max().getAsLong())
            .isLessThan(Arrays.stream(offsets.get(level - 1)).min().getAsLong());
      }
      // the IFDs come first: the first tile starts within the first few KB
      assertThat(Arrays.stream(offsets.get(2)).min().getAsLong()).isLessThan(4096);

      BufferedImage full = reader.read(0);
      assertThat(full.getColorModel().hasAlpha()).isTrue();
      int[] banner = bannerPixel(grid, full);
      assertThat(banner).containsExactly(230, 20, 200, 255);
      BufferedImage smallest = reader.read(2);
      assertThat(smallest.getWidth()).isEqualTo(275);
    }
  }

  @Test
  void writesFloatElevationWithNoData() throws IOException {
    RasterGrid grid = RasterGrid.centredOn(-33.9, 18.4, 0.2, 300, 200);
    Path file = dir.resolve("dsm.tif");
    TestRasters.writeDem(file, grid, true);

    assertThat(grid.epsg()).isEqualTo(32734);
    try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      ImageReader reader = ImageIO.getImageReadersByFormatName("tiff").next();
      reader.setInput(in);
      assertThat(reader.getNumImages(true)).isEqualTo(1); // 300x200: two tiles, no overview
      TIFFImageReadParam readUnknown = new TIFFImageReadParam();
      readUnknown.setReadUnknownTags(true); // GDAL's nodata tag is in no JDK tag set
      BufferedImage dem = reader.read(0, readUnknown);
      assertThat(dem.getRaster().getDataBuffer().getDataType()).isEqualTo(DataBuffer.TYPE_FLOAT);
      float z = dem.getRaster().getSampleFloat(150, 10, 0);
      assertThat(z).isBetween(495f, 530f);
      TIFFDirectory ifd = TIFFDirectory.createFromMetadata(reader.getImageMetadata(0));
      assertThat(ifd.getTIFFField(CogWriter.TAG_GDAL_NODATA).getAsString(0)).isEqualTo("-9999");
      assertThat(ifd.getTIFFField(BaselineTIFFTagSet.TAG_IMAGE_DESCRIPTION).getAsString(0)).contains("TEST DATA");
    }
    // two padded tiles of 256x256 float32 and a header: nothing held twice
    assertThat(Files.size(file)).isBetween(2L * 256 * 256 * 4, 2L * 256 * 256 * 4 + 8192);
  }

  private static int[] bannerPixel(RasterGrid grid, BufferedImage image) {
    for (int x = (int) (grid.width() * 0.15); x < grid.width(); x++) {
      if (TestRasters.marked(grid, x + 0.5, grid.height() / 2.0 + 0.5)) {
        return image.getRaster().getPixel(x, grid.height() / 2, (int[]) null);
      }
    }
    throw new AssertionError("no banner ink on the middle row");
  }
}
