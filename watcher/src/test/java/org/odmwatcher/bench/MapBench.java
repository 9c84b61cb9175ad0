package org.odmwatcher.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.gaul.s3proxy.CrossOriginResourceSharing;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.odmwatcher.testing.Principal;
import org.odmwatcher.config.S3Config;
import org.odmwatcher.dashboard.SiteFilesForBench;
import org.odmwatcher.storage.ObjectLinks;
import org.odmwatcher.testing.Browser;
import org.odmwatcher.testing.S3Requests;
import org.odmwatcher.workflow.local.CogWriter;
import org.odmwatcher.workflow.local.RasterGrid;
import org.odmwatcher.workflow.local.TestRasters;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The job map's first view of a large Cloud Optimized GeoTIFF, as the dashboard draws it: the
 * page's own {@code map.js} (OpenLayers + geotiff.js) in Chromium, on a page served from another
 * origin than the store, reading the COG through a presigned link from S3Proxy (filesystem store,
 * so the file is on disk, not in the heap). Figures: the bytes the store served for the first view
 * (summed over the {@code Range} headers it received) as a share of the file, and the time from
 * the map's start to its first complete render (libraries already loaded; their load is given
 * apart).
 */
final class MapBench {
  private static final String KEY = "ortho/odm_orthophoto.tif";
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d+)");

  private MapBench() {}

  static Map<String, Object> measure(int side, int views, DashboardBench.Rows rows) throws Exception {
    Map<String, Object> figures = new LinkedHashMap<>();
    Path dir = Files.createTempDirectory("mapbench");
    try {
      Path cog = dir.resolve("ortho.tif");
      long t = System.nanoTime();
      RasterGrid grid = RasterGrid.centredOn(46.8432, 9.5321, 0.05, side, side);
      CogWriter.writeRgba(cog, grid, TestRasters.DESCRIPTION, TestRasters.orthophoto(grid));
      long size = Files.size(cog);
      double writeS = (System.nanoTime() - t) / 1e9;

      Properties props = new Properties();
      Files.createDirectories(dir.resolve("store"));
      props.setProperty("jclouds.filesystem.basedir", dir.resolve("store").toString());
      S3Requests requests = new S3Requests();
      S3Proxy proxy = S3Proxy.builder()
          .blobStore(org.gaul.s3proxy.BlobStores.create("filesystem", props))
          .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, Principal.PILOT.accessKey(), Principal.PILOT.secretKey())
          .endpoint(URI.create("http://127.0.0.1:0"))
          .corsRules(new CrossOriginResourceSharing(List.of("http://127\\.0\\.0\\.1:\\d+"), List.of("GET", "HEAD"),
              List.of("Range"), List.of("Content-Range", "Content-Length", "ETag", "Accept-Ranges"), "false"))
          .build();
      S3Requests.install(proxy, requests);
      proxy.start();
      while (!"STARTED".equals(proxy.getState())) {
        Thread.sleep(20); // bench code: waiting for a server, not a test
      }
      HttpServer pages = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      try (S3Client s3 = S3Client.builder()
              .endpointOverride(URI.create("http://127.0.0.1:" + proxy.getPort()))
              .region(Region.US_EAST_1)
              .forcePathStyle(true)
              .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(Principal.PILOT.accessKey(), Principal.PILOT.secretKey())))
              .build();
          ObjectLinks links = new ObjectLinks(
              new S3Config("http://127.0.0.1:" + proxy.getPort(), "us-east-1", true, Principal.PILOT.accessKey(), Principal.PILOT.secretKey(), "auto"),
              Duration.ofMinutes(15))) {
        s3.createBucket(b -> b.bucket("mapbench"));
        s3.putObject(b -> b.bucket("mapbench").key(KEY).contentType("image/tiff"), cog);
        pages.createContext("/", exchange -> {
          String path = exchange.getRequestURI().getPath().substring(1);
          byte[] body;
          String type;
          if (path.equals("bench.html")) {
            body = PAGE.getBytes(StandardCharsets.UTF_8);
            type = "text/html; charset=utf-8";
          } else {
            try {
              body = SiteFilesForBench.bytes(path);
              type = SiteFilesForBench.contentType(path);
            } catch (IllegalArgumentException e) {
              exchange.sendResponseHeaders(404, -1);
              exchange.close();
              return;
            }
          }
          exchange.getResponseHeaders().add("Content-Type", type);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
        pages.start();
        String base = "http://127.0.0.1:" + pages.getAddress().getPort() + "/bench.html?cog=";

        double[] ms = new double[views];
        double[] libraryMs = new double[views];
        long[] bytes = new long[views];
        int[] reads = new int[views];
        try (Browser browser = new Browser(1400, 1000)) {
          for (int i = 0; i < views; i++) {
            String url = links.view("mapbench", KEY).toString();
            int before = cogReads(requests).size();
            browser.driver.get("about:blank");
            browser.driver.get(base + URLEncoder.encode(url, StandardCharsets.UTF_8));
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            Object done = null;
            while (done == null && System.nanoTime() < deadline) {
              done = browser.driver.executeScript("return window.benchDone || null;");
              if (done == null) {
                Thread.sleep(20); // bench code
              }
            }
            if (!(done instanceof Map<?, ?> result)) {
              throw new IllegalStateException("the map never rendered: "
                  + browser.driver.executeScript("return window.benchError || document.body.innerText"));
            }
            ms[i] = ((Number) result.get("mapMs")).doubleValue();
            libraryMs[i] = ((Number) result.get("libraryMs")).doubleValue();
            List<S3Requests.Request> got = cogReads(requests);
            got = got.subList(before, got.size());
            reads[i] = got.size();
            bytes[i] = got.stream().mapToLong(r -> rangeLength(r.range(), size)).sum();
            if (i == 0) {
              browser.screenshot("map-bench-first-view");
            }
          }
        }
        int last = views - 1; // the first view also pays the JIT of the servers; report the last (same work)
        double share = 100.0 * bytes[last] / size;
        figures.put("map.cogBytes", size);
        figures.put("map.cogWriteS", Math.round(writeS * 10) / 10.0);
        figures.put("map.firstView.bytes", bytes[last]);
        figures.put("map.firstView.reads", reads[last]);
        figures.put("map.firstView.sharePercent", Math.round(share * 1000) / 1000.0);
        figures.put("map.firstView.ms", Math.round(ms[last]));
        figures.put("map.firstView.coldMs", Math.round(ms[0]));
        figures.put("map.libraryLoadMs", Math.round(libraryMs[0]));
        rows.row(String.format("map, first view of a %,d MB COG (%dx%d RGBA)", size >> 20, side, side),
            String.format("%.3f %% of its bytes (%,d in %d range reads); pixels in %.0f ms (first time %.0f ms)",
                share, bytes[last], reads[last], ms[last], ms[0]),
            "goal <= 1 %, < 1000 ms", String.format("libraries %.0f ms", libraryMs[0]));
      } finally {
        pages.stop(0);
        proxy.stop();
      }
    } finally {
      try (Stream<Path> walk = Files.walk(dir)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException ignored) {
        // temp files left behind are harmless
      }
    }
    return figures;
  }

  private static List<S3Requests.Request> cogReads(S3Requests requests) {
    return requests.matching(r -> r.path().endsWith(KEY) && "GET".equals(r.method()));
  }

  private static long rangeLength(String range, long size) {
    if (range == null) {
      return size; // a whole-file read
    }
    Matcher m = RANGE.matcher(range);
    if (!m.find()) {
      return size;
    }
    long end = Math.min(Long.parseLong(m.group(2)), size - 1);
    return end - Long.parseLong(m.group(1)) + 1;
  }

  /** The job view's map alone: map.js's JobMap with just the orthophoto, timed from its start. */
  private static final String PAGE = """
      <!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="assets/style.css"></head>
      <body><section id="map-panel" class="map-panel"></section>
      <script type="module">
      import { JobMap, loadLibraries } from './assets/map.js';
      try {
        const cog = new URLSearchParams(location.search).get('cog');
        const t0 = performance.now();
        await loadLibraries();
        const t1 = performance.now();
        const panel = document.getElementById('map-panel');
        new MutationObserver(() => {
          if (panel.dataset.ready === 'orthophoto' && !window.benchDone) {
            window.benchDone = { libraryMs: t1 - t0, mapMs: performance.now() - t1 };
          }
        }).observe(panel, { attributes: true });
        await new JobMap(panel).show({ layers: { orthophoto: cog } }, 'bench');
      } catch (e) { window.benchError = String(e); }
      </script></body></html>
      """;
}
