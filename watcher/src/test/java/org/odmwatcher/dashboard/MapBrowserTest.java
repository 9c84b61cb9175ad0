package org.odmwatcher.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.samples.SampleImages;
import org.odmwatcher.testing.Browser;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.S3Requests;
import org.odmwatcher.testing.argo.TestArgo;
import org.odmwatcher.workflow.local.CogWriter;
import org.odmwatcher.workflow.local.RasterGrid;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;

/**
 * The job's map in a real headless Chromium against the real watcher and S3Proxy: a finished
 * job's orthophoto drawn where it lies (the pixels on screen, read back from a screenshot at the
 * map coordinates of known parts of the raster), the DSM's colour ramp after the toggle, ODM's
 * camera positions; the same from the copy of the page in the bucket; the store's side of it (every
 * read of the rasters carried a {@code Range} header, recorded by the S3 server); and the image
 * positions of a job that has not run yet.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MapBrowserTest implements TestPropertyProvider {
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final double LAT = 46.8432;
  private static final double LON = 9.5321;
  /** 1024 × 768 px at 10 cm: the left half red, the right half blue (alpha 255). */
  private static final RasterGrid GRID = RasterGrid.centredOn(LAT, LON, 0.1, 1024, 768);
  private static final int[] RED = {220, 30, 30};
  private static final int[] BLUE = {30, 30, 220};
  private static final int[] SHOT = {0xd8, 0x1b, 0x60}; // map.js: camera positions
  private static final int[] IMAGE = {0x1e, 0x88, 0xe5}; // map.js: image positions

  private final PipelineFixture world = new PipelineFixture("map", "map");
  private Browser browser;

  @Inject EmbeddedServer server;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> p = new LinkedHashMap<>(world.properties());
    p.put("watcher.dashboard.buckets", world.bucket);
    p.put("watcher.dashboard.summary-interval", "300ms");
    p.put("watcher.dashboard.publish-site", "true");
    return p;
  }

  @BeforeAll
  void open() {
    browser = new Browser(1400, 1000);
  }

  @AfterAll
  void close() {
    try {
      if (browser != null) {
        browser.close();
      }
    } finally {
      world.close();
    }
  }

  @Test
  void aFinishedJobShowsItsOrthophotoWhereItLiesThenItsDsmAndCameras() throws Exception {
    String folder = "farm-m/done/";
    finishedJob(folder);

    browser.driver.get(base() + "#job=" + world.bucket + "%2F" + folder.replace("/", "%2F"));
    assertMapShowsTheJob(browser.driver, "map-watcher");
    List<S3Requests.Request> reads = rasterReads(folder);
    assertThat(reads).as("the store saw the map's reads").isNotEmpty();
    assertThat(reads).allSatisfy(r -> assertThat(r.range()).as(r.toString()).startsWith("bytes="));
  }

  @Test
  void theCopyOfThePageInTheBucketShowsTheSameMap() throws Exception {
    String folder = "farm-m/static/";
    finishedJob(folder);
    await().atMost(PATIENCE).until(() -> summaryMentions(folder));
    // anonymous reads of exactly what the static page needs (see DashboardBrowserTest)
    List<String> keys = new java.util.ArrayList<>(List.of("dashboard/dashboard.json", "index.json", folder + "status.json"));
    for (String file : SummaryPublisher.SITE_FILES) {
      keys.add("dashboard/" + file);
    }
    for (String key : RESULTS.keySet()) {
      keys.add(folder + key);
    }
    for (String key : keys) {
      world.s3.putObjectAcl(b -> b.bucket(world.bucket).key(key).acl(ObjectCannedACL.PUBLIC_READ));
    }
    try (Browser reader = new Browser(1400, 1000)) {
      reader.driver.get(world.servers.s3Endpoint() + "/" + world.bucket + "/dashboard/index.html#job="
          + world.bucket + "%2F" + folder.replace("/", "%2F"));
      assertMapShowsTheJob(reader.driver, "map-static");
    }
    assertThat(rasterReads(folder)).isNotEmpty().allSatisfy(r -> assertThat(r.range()).as(r.toString()).startsWith("bytes="));
  }

  @Test
  void imagePositionsShowBeforeOdmRuns() throws Exception {
    String folder = "farm-m/waiting/";
    Instant uploaded = Instant.now();
    for (int i = 1; i <= 3; i++) {
      byte[] jpeg = SampleImages.withExif(SampleImages.image(i), LAT + i * 0.0003, LON, 520);
      String key = folder + String.format("DJI_%04d.JPG", i);
      world.s3.putObject(b -> b.bucket(world.bucket).key(key), RequestBody.fromBytes(jpeg));
    }
    // one image without any GPS: counted and named
    world.s3.putObject(b -> b.bucket(world.bucket).key(folder + "NOGPS_0004.JPG"), RequestBody.fromBytes(plainJpeg()));
    world.putManifest(folder, "{\"name\": \"Not flown yet\"}");
    world.notifyCreated(folder + "odm.json");
    world.awaitState(folder, "submitted"); // no Argo runs in this test: the job stays submitted

    String positions = await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
        .until(() -> world.s3.getObjectAsBytes(b -> b.bucket(world.bucket).key(folder + ImagePositions.KEY)).asUtf8String(), t -> !t.isEmpty());
    assertThat(Duration.between(uploaded, Instant.now())).isLessThan(Duration.ofMinutes(1));
    assertThat(positions).contains("\"images\":4").contains("NOGPS_0004.JPG");
    // the headers were read with ranged GETs, not whole images
    List<S3Requests.Request> headerReads = world.servers.s3Requests()
        .matching(r -> r.method().equals("GET") && r.path().contains("/" + folder + "DJI_"));
    assertThat(headerReads).isNotEmpty().allSatisfy(r -> assertThat(r.range()).startsWith("bytes=0-"));

    browser.driver.get(base() + "#job=" + world.bucket + "%2F" + folder.replace("/", "%2F"));
    WebElement panel = await().atMost(PATIENCE).ignoreExceptions()
        .until(() -> browser.driver.findElement(By.id("map-panel")), p -> "3".equals(p.getAttribute("data-points-shown")));
    assertThat(browser.driver.findElement(By.id("map-notes")).getText())
        .contains("3 of 4 images have a GPS position").contains("NOGPS_0004.JPG");
    assertThat(browser.driver.findElement(By.id("detail")).getText()).contains("submitted");
    for (int i = 1; i <= 3; i++) {
      double lat = LAT + i * 0.0003;
      int[] rgb = pixelAt(browser.driver, "ol.proj.fromLonLat([" + LON + "," + lat + "], m.getView().getProjection())");
      assertThat(near(rgb, IMAGE, 40)).as("image %d's dot: %s", i, java.util.Arrays.toString(rgb)).isTrue();
    }
    browser.screenshot("map-image-positions");
    assertThat(panel.isDisplayed()).isTrue();
  }

  private static byte[] plainJpeg() throws IOException {
    BufferedImage img = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    ImageIO.write(img, "jpg", out);
    return out.toByteArray();
  }

  /**
   * The picture of the map for the README's Dashboard page (target/screenshots/map-docs.png): a
   * made-up but real-looking orthophoto (fields, a road, hedges) through the same COG writer as
   * the test engine, its DSM, cameras and image positions.
   */
  @Test
  void aRealLookingMapForTheDocs() throws Exception {
    String folder = "docs/field-survey/";
    RasterGrid grid = RasterGrid.centredOn(LAT, LON, 0.08, 1600, 1100);
    Path dir = Files.createTempDirectory("map-docs");
    Path ortho = dir.resolve("ortho.tif");
    CogWriter.writeRgba(ortho, grid, "made-up imagery for the documentation", Countryside.orthophoto(grid));
    Path dsm = dir.resolve("dsm.tif");
    CogWriter.writeFloat32(dsm, grid, "made-up elevation for the documentation", -9999, Countryside.surface(grid));
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("results/odm_orthophoto/odm_orthophoto.tif", Files.readAllBytes(ortho));
    files.put("results/odm_dem/dsm.tif", Files.readAllBytes(dsm));
    files.put("results/odm_dem/dtm.tif", Files.readAllBytes(dsm));
    files.put("results/odm_report/shots.geojson", Countryside.shots(LAT, LON).getBytes(StandardCharsets.UTF_8));
    finishedJob(folder, files);
    browser.driver.get(base() + "#job=" + world.bucket + "%2F" + folder.replace("/", "%2F"));
    await().atMost(PATIENCE).ignoreExceptions()
        .until(() -> browser.driver.findElement(By.id("map-panel")), p -> "orthophoto".equals(p.getAttribute("data-ready")));
    browser.driver.executeScript("document.getElementById('map-panel').scrollIntoView();");
    assertThat(browser.driver.findElement(By.id("map-panel")).getAttribute("data-shots")).isEqualTo(String.valueOf(Countryside.SHOTS));
    browser.screenshot("map-docs");
  }

  // ---------- the finished job ----------

  private static final Map<String, String> RESULTS = Map.of(
      "results/odm_orthophoto/odm_orthophoto.tif", "image/tiff",
      "results/odm_dem/dsm.tif", "image/tiff",
      "results/odm_dem/dtm.tif", "image/tiff",
      "results/odm_report/shots.geojson", "application/geo+json");

  /**
   * A job run through the pipeline to {@code succeeded}, whose results are then this test's own
   * rasters (known pixels): they are put before the run, so the job's outputs list them whatever
   * the test engine writes, and again after it, over what the engine uploaded.
   */
  private void finishedJob(String folder) throws Exception {
    finishedJob(folder, resultFiles());
  }

  private void finishedJob(String folder, Map<String, byte[]> files) throws Exception {
    putResults(folder, files);
    world.uploadImages(folder, 3);
    world.putManifest(folder, "{\"name\": \"Mapped\", \"options\": {\"dsm\": true, \"dtm\": true}}");
    try (TestArgo argo = world.startArgo()) {
      world.notifyCreated(folder + "odm.json");
      // the whole run on a busy machine: more than PipelineFixture's 30 s
      var done = await().atMost(Duration.ofSeconds(150)).ignoreExceptions()
          .until(() -> world.status(folder).orElseThrow(), st -> st.path("state").asText().matches("succeeded|failed"));
      assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("succeeded");
      argo.awaitStatus(done.path("workflow").path("name").asText(), s -> s.get("finishedAt") != null);
      assertThat(done.path("outputs").toString()).contains("odm_orthophoto/odm_orthophoto.tif").contains("odm_dem/dsm.tif");
    }
    // The test engine's own rasters may still land after the run is reported finished: put ours
    // until they are the ones in the bucket for a few checks in a row.
    java.util.concurrent.atomic.AtomicInteger steady = new java.util.concurrent.atomic.AtomicInteger();
    await().atMost(PATIENCE).pollInterval(Duration.ofMillis(500)).until(() -> {
      boolean ours = files.entrySet().stream().allMatch(e -> world.s3.headObject(b -> b.bucket(world.bucket).key(folder + e.getKey()))
          .eTag().replace("\"", "").equals(md5(e.getValue())));
      if (!ours) {
        putResults(folder, files);
        steady.set(0);
        return false;
      }
      return steady.incrementAndGet() >= 4;
    });
  }

  private static String md5(byte[] bytes) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void putResults(String folder, Map<String, byte[]> files) {
    files.forEach((key, bytes) -> world.s3.putObject(
        b -> b.bucket(world.bucket).key(folder + key).contentType(RESULTS.get(key)), RequestBody.fromBytes(bytes)));
  }

  private static Map<String, byte[]> resultFiles() throws IOException {
    Path dir = Files.createTempDirectory("map-results");
    Path ortho = dir.resolve("ortho.tif");
    CogWriter.writeRgba(ortho, GRID, "TEST DATA - MapBrowserTest", (x, y, rgba) -> {
      int[] c = x < GRID.width() / 2.0 ? RED : BLUE;
      rgba[0] = c[0];
      rgba[1] = c[1];
      rgba[2] = c[2];
      rgba[3] = 255;
    });
    Path dsm = dir.resolve("dsm.tif");
    CogWriter.writeFloat32(dsm, GRID, "TEST DATA - MapBrowserTest", -9999, (x, y, z) -> z[0] = 500 + 30 * x / GRID.width());
    Path dtm = dir.resolve("dtm.tif");
    CogWriter.writeFloat32(dtm, GRID, "TEST DATA - MapBrowserTest", -9999, (x, y, z) -> z[0] = 498 + 20 * x / GRID.width());
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("results/odm_orthophoto/odm_orthophoto.tif", Files.readAllBytes(ortho));
    files.put("results/odm_dem/dsm.tif", Files.readAllBytes(dsm));
    files.put("results/odm_dem/dtm.tif", Files.readAllBytes(dtm));
    files.put("results/odm_report/shots.geojson", shots().getBytes(StandardCharsets.UTF_8));
    return files;
  }

  /** ODM's shots.geojson shape (opendm/shots.py get_geojson_shots_from_opensfm): WGS84 points with the file name. */
  private static String shots() {
    StringBuilder s = new StringBuilder("{\"type\":\"FeatureCollection\",\"features\":[");
    for (int i = 0; i < SHOT_POINTS.length; i++) {
      s.append(i == 0 ? "" : ",").append("{\"type\":\"Feature\",\"properties\":{\"filename\":\"DJI_000").append(i + 1)
          .append(".JPG\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":[").append(SHOT_POINTS[i][0]).append(',')
          .append(SHOT_POINTS[i][1]).append(",520]}}");
    }
    return s.append("]}").toString();
  }

  /** Four camera positions over the upper right (blue) part of the orthophoto. */
  private static final double[][] SHOT_POINTS = {
    {LON + 0.0002, LAT + 0.0002}, {LON + 0.0004, LAT + 0.0002}, {LON + 0.0002, LAT + 0.00025}, {LON + 0.0004, LAT + 0.00025},
  };

  private void assertMapShowsTheJob(ChromeDriver driver, String screenshot) throws IOException {
    WebElement panel = await().atMost(PATIENCE).ignoreExceptions()
        .until(() -> driver.findElement(By.id("map-panel")), p -> "orthophoto".equals(p.getAttribute("data-ready")));
    // the orthophoto's left half red, right half blue, each where the raster puts it
    int[] left = pixelAt(driver, gridPoint(0.25, 0.75));
    int[] right = pixelAt(driver, gridPoint(0.75, 0.75));
    assertThat(near(left, RED, 40)).as("left half: %s", java.util.Arrays.toString(left)).isTrue();
    assertThat(near(right, BLUE, 40)).as("right half: %s", java.util.Arrays.toString(right)).isTrue();
    // the camera positions, drawn over the blue half
    assertThat(panel.getAttribute("data-shots")).isEqualTo("4");
    for (double[] shot : SHOT_POINTS) {
      int[] rgb = pixelAt(driver, "ol.proj.fromLonLat([" + shot[0] + "," + shot[1] + "], m.getView().getProjection())");
      assertThat(near(rgb, SHOT, 40)).as("camera at %s: %s", java.util.Arrays.toString(shot), java.util.Arrays.toString(rgb)).isTrue();
    }
    Browser.save(driver, screenshot + "-orthophoto");

    // the DSM: its colour ramp, low (dark violet) on the left, high (yellow) on the right, and the legend
    driver.findElement(By.cssSelector("input[name=map-raster][value=dsm]")).click();
    await().atMost(PATIENCE).until(() -> "dsm".equals(panel.getAttribute("data-ready")));
    int[] low = pixelAt(driver, gridPoint(0.1, 0.75));
    int[] high = pixelAt(driver, gridPoint(0.9, 0.75));
    assertThat(low[2]).as("low end: %s", java.util.Arrays.toString(low)).isGreaterThan(low[1]);
    assertThat(low[1]).as("low end: %s", java.util.Arrays.toString(low)).isLessThan(100);
    assertThat(high[1]).as("high end: %s", java.util.Arrays.toString(high)).isGreaterThan(180);
    assertThat(high[2]).as("high end: %s", java.util.Arrays.toString(high)).isLessThan(120);
    String legend = driver.findElement(By.id("map-legend")).getText();
    // the ramp's ends: the DSM's lowest and highest values (500 m + 30 m across the grid)
    assertThat(legend).containsPattern("^500\\.\\d m").containsPattern("\\b(529|530)\\.\\d m").contains("surface");
    Browser.save(driver, screenshot + "-dsm");

    // no base map is set: the page read only its own origin and the store
    @SuppressWarnings("unchecked")
    List<String> origins = (List<String>) driver.executeScript(
        "return [...new Set(performance.getEntriesByType('resource').map(e => new URL(e.name).origin))];");
    String page = (String) driver.executeScript("return location.origin;");
    assertThat(origins).allSatisfy(o -> assertThat(o).isIn(page, world.servers.s3Endpoint()));
  }

  /** A point of the raster grid (fractions of its width and height) as map coordinates (its UTM zone). */
  private static String gridPoint(double fx, double fy) {
    double e = GRID.minX() + fx * GRID.width() * GRID.pixelSize();
    double n = GRID.maxY() - fy * GRID.height() * GRID.pixelSize();
    return "[" + e + "," + n + "]";
  }

  /**
   * The colour on screen at a map coordinate (a JS expression where {@code m} is the OpenLayers
   * map): the page converts it to a pixel of the map's element, the screenshot is read there.
   */
  private static int[] pixelAt(ChromeDriver driver, String coordinate) throws IOException {
    @SuppressWarnings("unchecked")
    List<Number> xy = (List<Number>) driver.executeScript(
        "const m = window.odmJobMap.map; const p = m.getPixelFromCoordinate(" + coordinate + ");"
            + "const r = m.getTargetElement().getBoundingClientRect();"
            + "return [(r.left + p[0]) * devicePixelRatio, (r.top + p[1]) * devicePixelRatio];");
    BufferedImage shot = ImageIO.read(new ByteArrayInputStream(driver.getScreenshotAs(OutputType.BYTES)));
    int argb = shot.getRGB((int) Math.round(xy.get(0).doubleValue()), (int) Math.round(xy.get(1).doubleValue()));
    return new int[] {(argb >> 16) & 0xff, (argb >> 8) & 0xff, argb & 0xff};
  }

  private static boolean near(int[] rgb, int[] want, int tolerance) {
    for (int i = 0; i < 3; i++) {
      if (Math.abs(rgb[i] - want[i]) > tolerance) {
        return false;
      }
    }
    return true;
  }

  private List<S3Requests.Request> rasterReads(String folder) {
    return world.servers.s3Requests().matching(r -> r.method().equals("GET")
        && r.path().contains("/" + folder + "results/") && r.path().endsWith(".tif"));
  }

  private boolean summaryMentions(String folder) {
    try {
      String summary = world.s3.getObjectAsBytes(b -> b.bucket(world.bucket).key("index.json")).asUtf8String();
      return summary.contains("\"folder\":\"" + folder + "\"") && summary.contains("succeeded");
    } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
      return false;
    }
  }

  private String base() {
    return "http://localhost:" + server.getPort() + "/";
  }
}
