package org.odmwatcher.samples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.imaging.Imaging;
import org.apache.commons.imaging.formats.jpeg.JpegImageMetadata;
import org.apache.commons.imaging.formats.tiff.TiffImageMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.odmwatcher.manifest.FolderImages;
import org.odmwatcher.manifest.ManifestParser;
import org.odmwatcher.manifest.ManifestValidator;
import org.odmwatcher.manifest.OptionCatalogue;

/** What {@code samples/} promises: valid manifests and a small geotagged image set. */
class SamplesTest {
  private static final Path SAMPLES = Path.of("..", "samples");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ManifestParser PARSER =
      new ManifestParser(JSON, new ManifestValidator(OptionCatalogue.load(JSON)));

  static List<Path> manifests() throws IOException {
    try (Stream<Path> walk = Files.walk(SAMPLES)) {
      return walk.filter(p -> p.getFileName().toString().equals("odm.json")).sorted().toList();
    }
  }

  static List<Path> images() throws IOException {
    try (Stream<Path> walk = Files.walk(SAMPLES)) {
      return walk.filter(p -> FolderImages.isImage(p.toString())).sorted().toList();
    }
  }

  @Test
  void theThreeDocumentedSamplesExist() throws IOException {
    assertThat(manifests()).extracting(p -> p.getParent().getFileName().toString())
        .contains("quick-orthophoto", "high-quality-dsm", "multispectral");
  }

  @ParameterizedTest
  @MethodSource("manifests")
  void everySampleManifestIsValidForOdm360(Path manifest) throws IOException {
    ManifestParser.Result result = PARSER.parse(Files.readAllBytes(manifest));
    assertThat(result.errors()).as(manifest.toString()).isEmpty();
  }

  @Test
  void theQuickStartFolderHasAsManyImagesAsItsManifestExpects() throws IOException {
    ManifestParser.Result result = PARSER.parse(Files.readAllBytes(SAMPLES.resolve("quick-orthophoto/odm.json")));
    assertThat(images()).filteredOn(p -> p.startsWith(SAMPLES.resolve("quick-orthophoto")))
        .hasSize(result.manifest().expectedImages());
  }

  @ParameterizedTest
  @MethodSource("images")
  void everySampleImageIsSmallAndGeotagged(Path image) throws IOException {
    assertThat(Files.size(image)).isLessThanOrEqualTo(20 * 1024);
    JpegImageMetadata metadata = (JpegImageMetadata) Imaging.getMetadata(image.toFile());
    TiffImageMetadata.GpsInfo gps = metadata.getExif().getGpsInfo();
    assertThat(gps).as("GPS EXIF of " + image).isNotNull();
    assertThat(gps.getLatitudeAsDegreesNorth()).isBetween(46.0, 47.0);
    assertThat(gps.getLongitudeAsDegreesEast()).isBetween(9.0, 10.0);
  }
}
