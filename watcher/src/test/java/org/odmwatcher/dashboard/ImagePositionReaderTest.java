package org.odmwatcher.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.odmwatcher.samples.SampleImages;

/** GPS positions read from the first bytes of an image, as {@link ImagePositions} fetches them. */
class ImagePositionReaderTest {

  @Test
  void readsTheExifGpsOfAJpegFromItsHead() throws Exception {
    byte[] jpeg = SampleImages.withExif(SampleImages.image(1), -33.8568, 151.2153, 42.5);
    byte[] head = Arrays.copyOf(jpeg, Math.min(jpeg.length, 4096));
    var position = ImagePositionReader.read(head, head.length == jpeg.length).orElseThrow();
    assertThat(position.latitude()).isCloseTo(-33.8568, within(1e-5));
    assertThat(position.longitude()).isCloseTo(151.2153, within(1e-5));
    assertThat(position.altitude()).isCloseTo(42.5, within(1e-3));
  }

  @Test
  void anImageWithoutGpsHasNoPosition() throws Exception {
    BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "jpg", out);
    assertThat(ImagePositionReader.read(out.toByteArray(), true)).isEmpty();
  }

  @Test
  void aHeadCutInsideTheExifAsksForMoreBytes() throws Exception {
    byte[] jpeg = SampleImages.withExif(SampleImages.image(2), 46.8, 9.5, 500);
    byte[] cut = Arrays.copyOf(jpeg, 40); // inside the APP1 segment
    assertThatThrownBy(() -> ImagePositionReader.read(cut, false)).isInstanceOf(ImagePositionReader.NeedMoreBytes.class);
    assertThat(ImagePositionReader.read(cut, true)).isEmpty(); // the whole file: nothing more to read
  }

  @Test
  void readsXmpCoordinatesAsXmpWritesExifOnes() {
    // XMP Specification Part 2, 1.2.7.4 GPSCoordinate: "DDD,MM,SSk" or "DDD,MM.mmk"
    assertThat(ImagePositionReader.xmpCoordinate("46,50.592N")).isCloseTo(46.8432, within(1e-6));
    assertThat(ImagePositionReader.xmpCoordinate("9,31,55.56E")).isCloseTo(9.5321, within(1e-6));
    assertThat(ImagePositionReader.xmpCoordinate("33,51.408S")).isCloseTo(-33.8568, within(1e-6));
  }
}
