package org.odmwatcher.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.odmwatcher.storage.BucketStore;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.StacSchema;
import org.odmwatcher.workflow.local.RasterGrid;
import org.odmwatcher.workflow.local.TestRasters;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Issue 23 item 4: a finished job's STAC Item, checked against the official STAC 1.1.0 Item and
 * projection extension v2.0.0 JSON schemas (src/test/resources/stac/, see PROVENANCE.md), resolved
 * offline, over real COGs in a real S3 (S3Proxy).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StacItemWriterTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String FOLDER = "farm a/flight 3/";
  private static final String RESULTS = FOLDER + "results/";
  private static final double LAT = 46.8432;
  private static final double LON = 9.5326;

  private final PipelineFixture world = new PipelineFixture("stac");
  private final BucketStore store = new BucketStore(world.s3);
  @TempDir Path dir;

  @AfterAll
  void close() {
    world.close();
  }

  private static Set<ValidationMessage> problems(JsonNode item, String schema) {
    return StacSchema.problems(item, schema);
  }

  private static void assertValidStacItem(JsonNode item) {
    StacSchema.assertValid(item);
  }

  private void put(String key, byte[] bytes) {
    world.s3.putObject(b -> b.bucket(world.bucket).key(key), RequestBody.fromBytes(bytes));
  }

  private void put(String key, Path file) {
    world.s3.putObject(b -> b.bucket(world.bucket).key(key), RequestBody.fromFile(file));
  }

  @Test
  void describesTheOrthophotosExtentInWgs84AndEveryRasterInItsOwnGrid() throws Exception {
    RasterGrid grid = RasterGrid.centredOn(LAT, LON, 0.1, 1040, 520);
    RasterGrid demGrid = RasterGrid.centredOn(LAT, LON, 0.2, 520, 260);
    Path ortho = dir.resolve("ortho.tif");
    Path dsm = dir.resolve("dsm.tif");
    TestRasters.writeOrthophoto(ortho, grid);
    TestRasters.writeDem(dsm, demGrid, true);
    put(RESULTS + "odm_orthophoto/odm_orthophoto.tif", ortho);
    put(RESULTS + "odm_dem/dsm.tif", dsm);
    put(RESULTS + "odm_report/report.pdf", "%PDF-1.4 test".getBytes(StandardCharsets.US_ASCII));
    // ODM's images database (stages/dataset.py): utc_time in milliseconds
    put(RESULTS + "images.json", ("[{\"filename\": \"DJI_0002.JPG\", \"utc_time\": 1780308060000.0},"
        + " {\"filename\": \"DJI_0001.JPG\", \"utc_time\": 1780308000000.0}]").getBytes(StandardCharsets.UTF_8));

    new StacItemWriter(store, JSON).write(world.bucket, RESULTS, "job-1", "Farm A", Instant.parse("2026-06-02T08:00:00Z"));
    JsonNode item = JSON.readTree(world.s3.getObjectAsBytes(b -> b.bucket(world.bucket).key(RESULTS + StacItemWriter.ITEM)).asByteArray());
    System.out.println("STAC Item written by the test:\n" + item.toPrettyString());

    assertValidStacItem(item);
    assertThat(item.path("id").asText()).isEqualTo("job-1");
    JsonNode bbox = item.path("bbox");
    assertThat(bbox.get(0).asDouble()).isLessThan(LON);
    assertThat(bbox.get(2).asDouble()).isGreaterThan(LON);
    assertThat(bbox.get(1).asDouble()).isLessThan(LAT);
    assertThat(bbox.get(3).asDouble()).isGreaterThan(LAT);
    // 104 m of longitude at 46.84 N is about 0.00137 degrees; 52 m of latitude about 0.00047
    assertThat(bbox.get(2).asDouble() - bbox.get(0).asDouble()).isBetween(0.00130, 0.00145);
    assertThat(bbox.get(3).asDouble() - bbox.get(1).asDouble()).isBetween(0.00044, 0.00050);
    JsonNode ring = item.path("geometry").path("coordinates").get(0);
    assertThat(ring).hasSize(5);
    assertThat(ring.get(0)).isEqualTo(ring.get(4));

    JsonNode orthoAsset = item.path("assets").path("orthophoto");
    assertThat(orthoAsset.path("href").asText()).isEqualTo("./odm_orthophoto/odm_orthophoto.tif");
    assertThat(orthoAsset.path("type").asText()).isEqualTo("image/tiff; application=geotiff; profile=cloud-optimized");
    assertThat(orthoAsset.path("roles").toString()).isEqualTo("[\"data\",\"visual\"]");
    assertThat(orthoAsset.path("proj:code").asText()).isEqualTo("EPSG:32632");
    assertThat(orthoAsset.path("proj:shape").toString()).isEqualTo("[520,1040]");
    assertThat(orthoAsset.path("proj:transform").get(0).asDouble()).isEqualTo(0.1);
    assertThat(orthoAsset.path("proj:transform").get(2).asDouble()).isEqualTo(grid.minX());
    assertThat(orthoAsset.path("proj:bbox").get(3).asDouble()).isEqualTo(grid.maxY());
    assertThat(item.path("assets").path("dsm").path("proj:shape").toString()).isEqualTo("[260,520]");
    assertThat(item.path("assets").path("report").path("type").asText()).isEqualTo("application/pdf");
    assertThat(item.path("assets").has("dtm")).isFalse();

    JsonNode properties = item.path("properties");
    assertThat(properties.path("start_datetime").asText()).isEqualTo("2026-06-01T10:00:00Z");
    assertThat(properties.path("end_datetime").asText()).isEqualTo("2026-06-01T10:01:00Z");
    assertThat(properties.path("datetime").asText()).isEqualTo("2026-06-01T10:00:00Z");
    assertThat(properties.path("title").asText()).isEqualTo("Farm A");
  }

  @Test
  void aJobWithoutAReadableRasterStillGetsAValidItemWithoutGeometry() throws Exception {
    String results = "placeholder/results/";
    put(results + "odm_orthophoto/odm_orthophoto.tif", "PLACEHOLDER - not a TIFF".getBytes(StandardCharsets.UTF_8));
    put(results + "odm.log", "log".getBytes(StandardCharsets.UTF_8));

    JsonNode item = new StacItemWriter(store, JSON).write(world.bucket, results, "job-2", null, Instant.parse("2026-06-02T08:00:00Z"));

    assertValidStacItem(JSON.readTree(item.toString()));
    assertThat(item.path("geometry").isNull()).isTrue();
    assertThat(item.has("bbox")).isFalse();
    assertThat(item.path("properties").path("datetime").asText()).isEqualTo("2026-06-02T08:00:00Z");
    assertThat(item.path("assets").path("orthophoto").path("type").asText()).isEqualTo("image/tiff; application=geotiff");
    assertThat(item.path("assets").path("orthophoto").has("proj:code")).isFalse();
  }

  @Test
  void theSchemasRejectAnItemWithoutItsRequiredMembers() throws Exception {
    JsonNode broken = JSON.readTree("{\"type\": \"Feature\", \"stac_version\": \"1.1.0\", \"id\": \"x\", \"geometry\": null,"
        + " \"properties\": {}, \"links\": [], \"assets\": {}, \"stac_extensions\": [\"" + StacItemWriter.PROJECTION + "\"]}");
    assertThat(problems(broken, "https://schemas.stacspec.org/v1.1.0/item-spec/json-schema/item.json"))
        .as("no datetime").isNotEmpty();
    JsonNode badProj = JSON.readTree("{\"type\": \"Feature\", \"stac_version\": \"1.1.0\", \"id\": \"x\", \"geometry\": null,"
        + " \"properties\": {\"datetime\": \"2026-06-01T10:00:00Z\", \"proj:shape\": [1]}, \"links\": [], \"assets\": {},"
        + " \"stac_extensions\": [\"" + StacItemWriter.PROJECTION + "\"]}");
    assertThat(problems(badProj, StacItemWriter.PROJECTION)).as("proj:shape needs two numbers").isNotEmpty();
  }
}
