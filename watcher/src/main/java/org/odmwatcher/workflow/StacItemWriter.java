package org.odmwatcher.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.core.annotation.Nullable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.locationtech.proj4j.CRSFactory;
import org.locationtech.proj4j.CoordinateTransform;
import org.locationtech.proj4j.CoordinateTransformFactory;
import org.locationtech.proj4j.ProjCoordinate;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.storage.BucketStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a finished job's STAC Item ({@value #ITEM} beside its outputs, under the results prefix,
 * so a catalogue or the dashboard finds it where the files are and its relative asset links stay
 * valid in any copy of the folder): STAC 1.1.0 (item-spec) with the projection extension v2.0.0.
 *
 * <ul>
 *   <li>geometry and bbox: the orthophoto's extent (else a DEM's) in WGS84, its four corners
 *       transformed with proj4j from the CRS of the GeoTIFF's GeoKeys;
 *   <li>datetime: the images' capture times from ODM's {@code images.json} ({@code utc_time},
 *       milliseconds, opendm/photo.py ODM_Photo, saved by stages/dataset.py), as start/end; without
 *       them the job's creation time;
 *   <li>assets: the products found, with roles and media types; rasters with their {@code proj:*}
 *       fields, as COG ({@code profile=cloud-optimized}) when tiled with overviews.
 * </ul>
 *
 * Only each raster's head is read, by ranged GETs through {@link BucketStore}.
 */
public final class StacItemWriter {
  private static final Logger LOG = LoggerFactory.getLogger(StacItemWriter.class);

  /** The Item's name under the results prefix. */
  public static final String ITEM = "stac-item.json";

  public static final String STAC_VERSION = "1.1.0";
  public static final String PROJECTION = "https://stac-extensions.github.io/projection/v2.0.0/schema.json";
  public static final String COG = "image/tiff; application=geotiff; profile=cloud-optimized";
  public static final String GEOTIFF = "image/tiff; application=geotiff";

  /** First read of a raster's head; a COG's IFDs are usually far smaller. Grown ×16 up to {@link #MAX_HEAD}. */
  static final int FIRST_HEAD = 64 * 1024;
  static final int MAX_HEAD = 16 * 1024 * 1024;

  /** Products an Item lists: key, path under the results prefix, title, media type (null: a raster), roles. */
  private record Product(String key, String path, String title, @Nullable String type, List<String> roles) {}

  private static final List<Product> PRODUCTS = List.of(
      new Product("orthophoto", "odm_orthophoto/odm_orthophoto.tif", "Orthophoto", null, List.of("data", "visual")),
      new Product("dsm", "odm_dem/dsm.tif", "Digital surface model", null, List.of("data")),
      new Product("dtm", "odm_dem/dtm.tif", "Digital terrain model", null, List.of("data")),
      new Product("pointcloud", "odm_georeferencing/odm_georeferenced_model.laz", "Point cloud (LAZ)",
          "application/vnd.laszip", List.of("data")),
      new Product("pointcloud-copc", "odm_georeferencing/odm_georeferenced_model.copc.laz", "Point cloud (COPC)",
          "application/vnd.laszip+copc", List.of("data")),
      new Product("report", "odm_report/report.pdf", "Processing report", "application/pdf", List.of("metadata")),
      new Product("log", "odm.log", "ODM log", "text/plain", List.of("metadata")));

  private static final CRSFactory CRS = new CRSFactory();

  private final BucketStore store;
  private final ObjectMapper json;

  public StacItemWriter(BucketStore store, ObjectMapper json) {
    this.store = store;
    this.json = json;
  }

  /**
   * Writes the Item of a job that just succeeded, before its status says so (so the status's
   * {@code outputs} list it, as {@code results/}{@value #ITEM}). The name and creation time come
   * from the job's current status. A transient store failure is thrown (the caller retries); any
   * other failure is logged: a job does not fail over its catalogue entry.
   */
  public void writeForSucceededJob(String bucket, String folder, String resultsPrefix, String jobId,
      Optional<JobStatus> status, Instant now) throws TransientFailureException {
    try {
      write(bucket, resultsPrefix, jobId, status.map(JobStatus::name).orElse(null),
          status.map(JobStatus::createdAt).orElse(now));
    } catch (RuntimeException e) {
      LOG.warn("no STAC Item for job {} in {}: {}", jobId, folder, e.toString());
    }
  }

  /** Builds the Item for the results under {@code resultsPrefix} and writes it there; returns it. */
  public ObjectNode write(String bucket, String resultsPrefix, String jobId, @Nullable String title, Instant jobCreated)
      throws TransientFailureException {
    ObjectNode item = build(bucket, resultsPrefix, jobId, title, jobCreated);
    try {
      store.put(bucket, resultsPrefix + ITEM, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(item),
          "application/geo+json", null, false);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return item;
  }

  ObjectNode build(String bucket, String resultsPrefix, String jobId, @Nullable String title, Instant jobCreated)
      throws TransientFailureException {
    Map<String, Long> found = new LinkedHashMap<>();
    store.listAll(bucket, resultsPrefix).forEach(e -> found.put(e.key().substring(resultsPrefix.length()), e.size()));

    ObjectNode item = json.createObjectNode();
    item.put("type", "Feature");
    item.put("stac_version", STAC_VERSION);
    item.putArray("stac_extensions").add(PROJECTION);
    item.put("id", jobId);
    ObjectNode properties = json.createObjectNode();
    ObjectNode assets = json.createObjectNode();
    GeoTiffHeader extent = null;
    for (Product product : PRODUCTS) {
      if (!found.containsKey(product.path())) {
        continue;
      }
      ObjectNode asset = assets.putObject(product.key());
      asset.put("href", "./" + product.path());
      asset.put("title", product.title());
      if (product.type() != null) {
        asset.put("type", product.type());
      } else {
        Optional<GeoTiffHeader> header = header(bucket, resultsPrefix + product.path());
        asset.put("type", header.map(h -> h.cloudOptimized() ? COG : GEOTIFF).orElse(GEOTIFF));
        if (header.isPresent()) {
          GeoTiffHeader h = header.get();
          asset.put("proj:code", "EPSG:" + h.epsg());
          ArrayNode bbox = asset.putArray("proj:bbox");
          bbox.add(h.minX()).add(h.minY()).add(h.maxX()).add(h.maxY());
          asset.putArray("proj:shape").add(h.height()).add(h.width());
          ArrayNode transform = asset.putArray("proj:transform");
          for (double v : h.transform()) {
            transform.add(v);
          }
          if (extent == null) {
            extent = h;
          }
        }
      }
      ArrayNode roles = asset.putArray("roles");
      product.roles().forEach(roles::add);
    }
    if (extent != null) {
      try {
        double[][] corners = wgs84Corners(extent);
        ObjectNode geometry = item.putObject("geometry");
        geometry.put("type", "Polygon");
        ArrayNode ring = geometry.putArray("coordinates").addArray();
        double minLon = Double.MAX_VALUE, minLat = Double.MAX_VALUE, maxLon = -Double.MAX_VALUE, maxLat = -Double.MAX_VALUE;
        for (double[] c : corners) {
          ring.addArray().add(c[0]).add(c[1]);
          minLon = Math.min(minLon, c[0]);
          maxLon = Math.max(maxLon, c[0]);
          minLat = Math.min(minLat, c[1]);
          maxLat = Math.max(maxLat, c[1]);
        }
        item.putArray("bbox").add(minLon).add(minLat).add(maxLon).add(maxLat);
      } catch (RuntimeException e) {
        LOG.warn("no WGS84 extent for EPSG:{} ({}); the STAC Item has no geometry", extent.epsg(), e.getMessage());
        item.remove("geometry");
        item.putNull("geometry");
      }
    } else {
      item.putNull("geometry");
    }
    if (title != null && !title.isBlank()) {
      properties.put("title", title);
    }
    Optional<Instant[]> captured = captureTimes(bucket, resultsPrefix + "images.json");
    if (captured.isPresent()) {
      properties.put("datetime", captured.get()[0].toString());
      properties.put("start_datetime", captured.get()[0].toString());
      properties.put("end_datetime", captured.get()[1].toString());
    } else {
      properties.put("datetime", jobCreated.toString());
    }
    properties.put("created", jobCreated.toString());
    item.set("properties", properties);
    ArrayNode links = item.putArray("links");
    links.addObject().put("rel", "related").put("href", "../status.json").put("type", "application/json")
        .put("title", "The job's status");
    item.set("assets", assets);
    // GeoJSON member order: type, stac_version, stac_extensions, id, geometry, bbox, properties, links, assets
    ObjectNode ordered = json.createObjectNode();
    for (String name : List.of("type", "stac_version", "stac_extensions", "id", "geometry", "bbox", "properties", "links", "assets")) {
      if (item.has(name)) {
        ordered.set(name, item.get(name));
      }
    }
    return ordered;
  }

  /** The raster's header from ranged GETs of its head, growing the range until the first IFD fits. */
  private Optional<GeoTiffHeader> header(String bucket, String key) throws TransientFailureException {
    for (int size = FIRST_HEAD; size <= MAX_HEAD; size *= 16) {
      byte[] head;
      BucketStore.RangeRead read = store.open(bucket, key, "bytes=0-" + (size - 1));
      if (!(read instanceof BucketStore.RangeRead.Found found)) {
        return Optional.empty();
      }
      try (BucketStore.Opened object = found.object(); InputStream in = object.body()) {
        head = in.readNBytes(size);
      } catch (IOException e) {
        throw new TransientFailureException("cannot read " + key + ": " + e.getMessage(), e);
      }
      try {
        return Optional.of(GeoTiffHeader.read(head));
      } catch (EOFException e) {
        if (head.length < size) {
          LOG.info("{} is not a GeoTIFF this reads ({}); its STAC asset has no proj fields", key, e.getMessage());
          return Optional.empty();
        }
      } catch (IOException | RuntimeException e) {
        LOG.info("{} is not a GeoTIFF this reads ({}); its STAC asset has no proj fields", key, e.getMessage());
        return Optional.empty();
      }
    }
    LOG.info("{}: no GeoTIFF header in its first {} bytes", key, MAX_HEAD);
    return Optional.empty();
  }

  /** The four corners (and the first again) in WGS84 longitude/latitude, counter-clockwise (RFC 7946 §3.1.6). */
  static double[][] wgs84Corners(GeoTiffHeader h) {
    CoordinateTransform toWgs84 = new CoordinateTransformFactory()
        .createTransform(CRS.createFromName("EPSG:" + h.epsg()), CRS.createFromName("EPSG:4326"));
    double[][] corners = {
      {h.minX(), h.maxY()}, {h.minX(), h.minY()}, {h.maxX(), h.minY()}, {h.maxX(), h.maxY()}, {h.minX(), h.maxY()}};
    double[][] out = new double[corners.length][];
    for (int i = 0; i < corners.length; i++) {
      ProjCoordinate p = toWgs84.transform(new ProjCoordinate(corners[i][0], corners[i][1]), new ProjCoordinate());
      // 1e-7 degrees is about a centimetre: more digits would only be noise
      out[i] = new double[] {Math.round(p.x * 1e7) / 1e7, Math.round(p.y * 1e7) / 1e7};
    }
    return out;
  }

  /** First and last capture time from ODM's images database, when it has them. */
  private Optional<Instant[]> captureTimes(String bucket, String key) throws TransientFailureException {
    Optional<BucketStore.Blob> blob = store.get(bucket, key, 64L * 1024 * 1024);
    if (blob.isEmpty()) {
      return Optional.empty();
    }
    JsonNode photos;
    try {
      photos = json.readTree(new String(blob.get().bytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      return Optional.empty();
    }
    Instant first = null;
    Instant last = null;
    for (JsonNode photo : photos.isArray() ? photos : json.createArrayNode()) {
      JsonNode utc = photo.get("utc_time");
      if (utc != null && utc.isNumber() && utc.asDouble() > 0) {
        Instant t = Instant.ofEpochMilli((long) utc.asDouble());
        first = first == null || t.isBefore(first) ? t : first;
        last = last == null || t.isAfter(last) ? t : last;
      }
    }
    return first == null ? Optional.empty() : Optional.of(new Instant[] {first, last});
  }
}
