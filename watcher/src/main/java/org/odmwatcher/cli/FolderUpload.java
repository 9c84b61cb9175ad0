package org.odmwatcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.odmwatcher.manifest.FolderImages;
import org.odmwatcher.manifest.ManifestParser;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;

/**
 * Uploads a flight's folder the way the watcher wants it: images (with their masks and the side
 * files; images in subfolders too, flat, see {@link FlightFolder}) in parallel, skipping those already there with the same size (so an interrupted upload
 * resumes), and {@code
 * odm.json} last — it is the commit marker that starts the job. Without an {@code odm.json} in the
 * folder one is generated from {@code --option name=value}. The manifest is validated before
 * anything is uploaded.
 */
public final class FolderUpload {
  static final String MANIFEST = "odm.json";

  private final S3Client s3;
  private final ManifestParser parser;
  private final ObjectMapper json;
  private final int parallel;
  private final PrintStream out;

  /** What an upload did. */
  public record Result(int uploaded, int skipped, long bytes, String manifestKey) {}

  public FolderUpload(S3Client s3, ManifestParser parser, ObjectMapper json, int parallel, PrintStream out) {
    this.s3 = s3;
    this.parser = parser;
    this.json = json;
    this.parallel = parallel;
    this.out = out;
  }

  public Result upload(Path folder, S3Options.Location target, Map<String, String> options) throws IOException, InterruptedException {
    return upload(folder, target, options, List.of());
  }

  /**
   * Uploads {@code folder} to {@code target}; a generated odm.json gets {@code options} and
   * {@code outputs} (none: the default outputs). A bucket's root is refused: each job has a folder.
   */
  public Result upload(Path folder, S3Options.Location target, Map<String, String> options, List<String> outputs)
      throws IOException, InterruptedException {
    if (target.prefix().isEmpty()) {
      throw new IllegalArgumentException(target + " is a bucket without a folder; a job needs a folder of its own,"
          + " e.g. s3://" + target.bucket() + "/my-flight/");
    }
    byte[] manifest = manifest(folder, target, options, outputs);
    ManifestParser.Result parsed = parser.parse(manifest);
    if (!parsed.valid()) {
      throw new IllegalArgumentException("odm.json is invalid:\n  - " + String.join("\n  - ", parsed.errors()));
    }
    FlightFolder flight = FlightFolder.read(folder);
    if (!flight.hasImages()) {
      throw new IllegalArgumentException("no images (" + FolderImages.describeExtensions() + ") in " + folder + " or its subfolders");
    }
    Map<String, Path> files = flight.files();
    Map<String, Long> present = existing(target);
    List<String> todo = new ArrayList<>();
    int skipped = 0;
    for (Map.Entry<String, Path> file : files.entrySet()) {
      Long size = present.get(target.prefix() + file.getKey());
      if (size != null && size == Files.size(file.getValue())) {
        skipped++;
      } else {
        todo.add(file.getKey());
      }
    }
    long total = 0;
    for (String name : todo) {
      total += Files.size(files.get(name));
    }
    if (!flight.subfolders().isEmpty()) {
      out.println("images from subfolders, uploaded flat (ODM takes one folder): " + flight.subfolders().entrySet().stream()
          .map(e -> e.getKey() + " (" + e.getValue() + ")").collect(Collectors.joining(", ")));
    }
    out.printf("%d files to upload (%s), %d already there%n", todo.size(), bytes(total), skipped);
    AtomicInteger done = new AtomicInteger();
    AtomicLong sent = new AtomicLong();
    long started = System.nanoTime();
    final long totalBytes = total;
    ExecutorService pool = Executors.newFixedThreadPool(parallel);
    ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
    ticker.scheduleAtFixedRate(() -> progress(done.get(), todo.size(), sent.get(), totalBytes, started), 1, 1, TimeUnit.SECONDS);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (String name : todo) {
        Path file = files.get(name);
        futures.add(pool.submit(() -> {
          long size = Files.size(file);
          s3.putObject(b -> b.bucket(target.bucket()).key(target.prefix() + name).contentType(contentType(file)),
              RequestBody.fromFile(file));
          sent.addAndGet(size);
          done.incrementAndGet();
          return null;
        }));
      }
      List<String> failures = new ArrayList<>();
      for (int i = 0; i < futures.size(); i++) {
        try {
          futures.get(i).get();
        } catch (ExecutionException e) {
          failures.add(todo.get(i) + ": " + e.getCause().getMessage());
        }
      }
      progress(done.get(), todo.size(), sent.get(), totalBytes, started);
      out.println();
      if (!failures.isEmpty()) {
        throw new IOException(failures.size() + " files failed after retries; odm.json NOT uploaded, run the same"
            + " command again to resume:\n  " + String.join("\n  ", failures));
      }
    } finally {
      ticker.shutdownNow();
      pool.shutdownNow();
    }
    String manifestKey = target.prefix() + MANIFEST;
    s3.putObject(b -> b.bucket(target.bucket()).key(manifestKey).contentType("application/json"), RequestBody.fromBytes(manifest));
    // Every upload of odm.json is a new run, the same bytes too: so this is true on a retry as well.
    out.println("uploaded " + MANIFEST + " last: the job starts now.");
    return new Result(todo.size(), skipped, totalBytes, manifestKey);
  }

  /** The folder's odm.json, or one made from {@code options} and {@code outputs}, named after the job's folder in the bucket. */
  private byte[] manifest(Path folder, S3Options.Location target, Map<String, String> options, List<String> outputs)
      throws IOException {
    Path file = folder.resolve(MANIFEST);
    if (Files.exists(file)) {
      if (!options.isEmpty() || !outputs.isEmpty()) {
        throw new IllegalArgumentException(folder + " has an odm.json already: edit it, or leave out --option and --output");
      }
      return Files.readAllBytes(file);
    }
    ObjectNode root = json.createObjectNode();
    root.put("schemaVersion", 1);
    String prefix = target.prefix().endsWith("/") ? target.prefix().substring(0, target.prefix().length() - 1) : target.prefix();
    // the job's own name: one folder of images uploaded to three job folders makes three jobs
    root.put("name", prefix.isEmpty() ? folder.toAbsolutePath().normalize().getFileName().toString()
        : prefix.substring(prefix.lastIndexOf('/') + 1));
    ObjectNode opts = root.putObject("options");
    options.forEach((name, value) -> opts.set(name, value(value)));
    if (!outputs.isEmpty()) {
      outputs.forEach(root.putArray("outputs")::add);
    }
    return json.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
  }

  /** {@code true}, {@code 5}, {@code 0.5} become JSON booleans and numbers; anything else a string. */
  private JsonNode value(String text) {
    try {
      JsonNode node = json.readTree(text);
      if (node != null && (node.isBoolean() || node.isNumber())) {
        return node;
      }
    } catch (IOException e) {
      // not JSON: a string
    }
    return json.getNodeFactory().textNode(text);
  }

  private Map<String, Long> existing(S3Options.Location target) {
    Map<String, Long> sizes = new HashMap<>();
    for (ListObjectsV2Response page :
        s3.listObjectsV2Paginator(b -> b.bucket(target.bucket()).prefix(target.prefix()).delimiter("/"))) {
      page.contents().forEach(o -> sizes.put(o.key(), o.size()));
    }
    return sizes;
  }

  private void progress(int files, int totalFiles, long sent, long total, long startedNanos) {
    double seconds = Math.max(0.001, (System.nanoTime() - startedNanos) / 1e9);
    double rate = sent / seconds;
    String eta = rate <= 0 || sent >= total ? "--:--" : duration(Duration.ofSeconds((long) ((total - sent) / rate)));
    out.printf("\r  %d/%d files  %s/%s  %s/s  ETA %s   ", files, totalFiles, bytes(sent), bytes(total), bytes((long) rate), eta);
    out.flush();
  }

  private static String duration(Duration d) {
    return String.format(Locale.ROOT, "%d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart());
  }

  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KB", "MB", "GB", "TB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  private static String contentType(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".jpg") || name.endsWith(".jpeg")) {
      return "image/jpeg";
    }
    if (name.endsWith(".tif") || name.endsWith(".tiff")) {
      return "image/tiff";
    }
    if (name.endsWith(".png")) {
      return "image/png";
    }
    return name.endsWith(".txt") ? "text/plain" : "application/octet-stream";
  }
}
