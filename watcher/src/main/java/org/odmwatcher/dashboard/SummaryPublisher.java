package org.odmwatcher.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.odmwatcher.config.DashboardConfig;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.StatusIndex;
import org.odmwatcher.status.StatusListener;
import org.odmwatcher.storage.BucketStore;

/**
 * Writes the summary object ({@code index.json} at a bucket's root): every job of the bucket as a
 * {@link JobRow}, so a copy of the page on a static host lists them with one GET instead of one
 * per folder. Written only for buckets that changed since the last round. Also copies the page
 * itself into a bucket when {@code watcher.dashboard.publish-site} is on.
 */
public final class SummaryPublisher implements StatusListener {
  /**
   * The page's files: its own under {@code classpath:dashboard/}, and the map's libraries under
   * {@code assets/vendor/}, read from their WebJars (see {@link #VENDOR}).
   */
  static final List<String> SITE_FILES = List.of("index.html", "assets/app.js", "assets/style.css",
      "assets/map.js", "assets/vendor/ol.js", "assets/vendor/ol.css", "assets/vendor/geotiff.js");

  /**
   * The map's third-party files and where they lie in their WebJars: OpenLayers' full build
   * ({@code dist/ol.js}, with {@code ol.source.GeoTIFF}, which uses the global {@code GeoTIFF} of
   * geotiff.js's browser build, {@code dist-browser/geotiff.js}). The versions are read from the
   * WebJars' own {@code pom.properties}, so a version bump in the pom is the only change.
   */
  static final Map<String, String[]> VENDOR = Map.of(
      "assets/vendor/ol.js", new String[] {"ol", "dist/ol.js"},
      "assets/vendor/ol.css", new String[] {"ol", "ol.css"},
      "assets/vendor/geotiff.js", new String[] {"geotiff", "dist-browser/geotiff.js"});

  private final BucketStore store;
  private final StatusIndex index;
  private final DashboardConfig config;
  private final String statusName;
  private final Clock clock;
  private final ObjectMapper json =
      new ObjectMapper().registerModule(new JavaTimeModule()).disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
  private final Set<String> dirty = ConcurrentHashMap.newKeySet();
  /** Summary writes take at most 1/DUTY of the time (see {@link #publish}). */
  static final long DUTY = 20;
  private final java.util.function.LongSupplier ticker;
  /** {@link #ticker} time before which no round writes (paced by the last round's length). */
  private long notBefore;

  public SummaryPublisher(
      BucketStore store, StatusIndex index, DashboardConfig config, String statusName, Clock clock) {
    this(store, index, config, statusName, clock, System::nanoTime);
  }

  /** @param ticker nanoseconds, for the pacing of the writes ({@link System#nanoTime} but in tests) */
  SummaryPublisher(BucketStore store, StatusIndex index, DashboardConfig config, String statusName, Clock clock,
      java.util.function.LongSupplier ticker) {
    this.ticker = ticker;
    this.notBefore = ticker.getAsLong();
    this.store = store;
    this.index = index;
    this.config = config;
    this.statusName = statusName;
    this.clock = clock;
  }

  @Override
  public void written(String bucket, String folder, JobStatus status) {
    dirty.add(bucket);
  }

  /** Marks a bucket for the next round (after a seed). */
  public void touch(String bucket) {
    dirty.add(bucket);
  }

  /**
   * Writes the summary of every bucket that changed; returns how many were written. Summary
   * writes take at most one {@link #DUTY}th of the time: after a round that took t, the next comes
   * no sooner than (DUTY - 1)·t later, however often {@code summary-interval} asks. A bucket of a
   * few thousand jobs is written every interval as before; one of 100,000 (a 30 MB object, its
   * JSON and its PUT) is no longer rewritten every 5 s while jobs run, which cost the pipeline's
   * own work the CPU (per-folder 3.5x the floor in the scale bench's big bucket).
   */
  public int publish() throws TransientFailureException {
    if (!config.writesSummary()) {
      dirty.clear();
      return 0;
    }
    long started = ticker.getAsLong();
    if (started - notBefore < 0) {
      return 0; // still paced: the changed buckets stay marked for a later round
    }
    int written = 0;
    try {
      for (String bucket : List.copyOf(dirty)) {
        dirty.remove(bucket);
        try {
          store.put(bucket, config.summaryKey(), summary(bucket), "application/json", null, false);
          written++;
        } catch (TransientFailureException e) {
          dirty.add(bucket); // next round
          throw e;
        }
      }
    } finally {
      long took = ticker.getAsLong() - started;
      notBefore = started + took * DUTY;
    }
    return written;
  }

  /**
   * The summary object's bytes for one bucket, written a row at a time (at 100,000 jobs a list of
   * every {@link JobRow} and a tree of the whole object before its bytes was the heap's peak).
   */
  byte[] summary(String bucket) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(64 * 1024);
    try (com.fasterxml.jackson.core.JsonGenerator g = json.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("schemaVersion", 1);
      g.writeStringField("bucket", bucket);
      g.writeStringField("statusName", statusName);
      g.writeFieldName("generatedAt");
      json.writeValue(g, clock.instant());
      g.writeArrayFieldStart("jobs");
      com.fasterxml.jackson.databind.ObjectWriter rows = json.writerFor(JobRow.class);
      for (StatusIndex.Row row : index.rows(bucket)) {
        rows.writeValue(g, JobRow.of(row));
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * Writes the page into {@code bucket} under the site prefix, with a {@code dashboard.json} that
   * points it at the summary object.
   */
  public void publishSite(String bucket) throws TransientFailureException {
    for (String file : SITE_FILES) {
      store.put(bucket, config.sitePrefix() + file, resource(file), contentType(file), null, false);
    }
    String up = "../".repeat((int) config.sitePrefix().chars().filter(c -> c == '/').count());
    Map<String, Object> site = new LinkedHashMap<>();
    site.put("source", "static");
    site.put("summary", up + config.summaryKey());
    if (config.argoUiUrl() != null) {
      site.put("argoUiUrl", config.argoUiUrl());
    }
    putBaseMap(site, config);
    try {
      store.put(bucket, config.sitePrefix() + "dashboard.json", json.writeValueAsBytes(site), "application/json", null, false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The base map the page draws under the job's map, when the operator set one. */
  static void putBaseMap(Map<String, Object> settings, DashboardConfig config) {
    if (config.baseMapUrl() != null) {
      Map<String, Object> base = new LinkedHashMap<>();
      base.put("url", config.baseMapUrl());
      if (config.baseMapAttribution() != null) {
        base.put("attribution", config.baseMapAttribution());
      }
      settings.put("baseMap", base);
    }
  }

  static byte[] resource(String file) {
    String path = "/dashboard/" + file;
    String[] vendor = VENDOR.get(file);
    if (vendor != null) {
      path = "/META-INF/resources/webjars/" + vendor[0] + "/" + webjarVersion(vendor[0]) + "/" + vendor[1];
    }
    try (InputStream in = SummaryPublisher.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("the dashboard's " + file + " is missing from the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final Map<String, String> WEBJAR_VERSIONS = new ConcurrentHashMap<>();

  /** The version of the WebJar {@code org.webjars.npm:<name>} on the class path. */
  static String webjarVersion(String name) {
    return WEBJAR_VERSIONS.computeIfAbsent(name, n -> {
      String file = "/META-INF/maven/org.webjars.npm/" + n + "/pom.properties";
      try (InputStream in = SummaryPublisher.class.getResourceAsStream(file)) {
        if (in == null) {
          throw new IllegalStateException("the WebJar org.webjars.npm:" + n + " is missing from the class path");
        }
        java.util.Properties props = new java.util.Properties();
        props.load(in);
        return props.getProperty("version");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  static String contentType(String file) {
    if (file.endsWith(".html")) {
      return "text/html; charset=utf-8";
    }
    if (file.endsWith(".js")) {
      return "text/javascript; charset=utf-8";
    }
    if (file.endsWith(".css")) {
      return "text/css; charset=utf-8";
    }
    if (file.endsWith(".png")) {
      return "image/png";
    }
    return "application/octet-stream";
  }
}
