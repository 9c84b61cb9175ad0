package org.odmwatcher.api;

import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.storage.BucketStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NodeODM's {@code all.zip}: the task's results packed once into {@code <results>/all.zip} and
 * then served from S3 with ranged GETs, so that every byte range a client asks for is a slice of
 * the same file (pyODM downloads large archives in parallel ranges). The zip is streamed from S3
 * to S3 through a pipe — never held in memory or on disk — with entries in key order and a fixed
 * timestamp.
 */
public final class ResultsArchive {
  public static final String NAME = "all.zip";
  private static final Logger LOG = LoggerFactory.getLogger(ResultsArchive.class);
  private static final long FIXED_TIME = 315532800000L; // 1980-01-01, the zip format's epoch

  private final BucketStore store;
  private final String resultsFolder;
  private final ConcurrentHashMap<String, Object> building = new ConcurrentHashMap<>();

  public ResultsArchive(BucketStore store, String resultsFolder) {
    this.store = store;
    this.resultsFolder = resultsFolder;
  }

  public String key(String folder) {
    return folder + resultsFolder + NAME;
  }

  public boolean exists(String bucket, String folder) throws TransientFailureException {
    return store.size(bucket, key(folder)).isPresent();
  }

  /**
   * Builds the archive unless it exists. {@code outputs} (NodeODM's task option) limits it to
   * those paths relative to the results; empty means everything.
   */
  public void ensure(String bucket, String folder, List<String> outputs) throws TransientFailureException {
    String key = key(folder);
    Object lock = building.computeIfAbsent(bucket + "/" + key, k -> new Object());
    synchronized (lock) {
      try {
        if (store.size(bucket, key).isPresent()) {
          return;
        }
        build(bucket, folder, key, outputs);
      } finally {
        building.remove(bucket + "/" + key);
      }
    }
  }

  private void build(String bucket, String folder, String key, List<String> outputs)
      throws TransientFailureException {
    String results = folder + resultsFolder;
    List<BucketStore.Entry> entries =
        store.listAll(bucket, results).stream()
            .filter(e -> !e.key().equals(key) && !e.key().endsWith("/"))
            .filter(e -> wanted(e.key().substring(results.length()), outputs))
            .sorted(Comparator.comparing(BucketStore.Entry::key))
            .toList();
    AtomicReference<Exception> failure = new AtomicReference<>();
    try (PipedInputStream in = new PipedInputStream(1 << 16)) {
      PipedOutputStream out = new PipedOutputStream(in);
      Thread writer =
          new Thread(
              () -> {
                ZipOutputStream zip = new ZipOutputStream(out);
                try {
                  zip.setLevel(Deflater.BEST_SPEED); // as NodeODM: most results are compressed already
                  java.util.Set<String> names = new java.util.HashSet<>();
                  for (BucketStore.Entry entry : entries) {
                    java.util.Optional<String> name = entryName(entry.key().substring(results.length()));
                    if (name.isEmpty() || !names.add(name.get())) {
                      LOG.warn("all.zip of s3://{}/{}: result key {} skipped (it would unpack outside the archive's folder"
                          + " or onto another entry)", bucket, folder, entry.key());
                      continue;
                    }
                    ZipEntry zipEntry = new ZipEntry(name.get());
                    zipEntry.setTime(FIXED_TIME);
                    zip.putNextEntry(zipEntry);
                    if (!(store.open(bucket, entry.key(), null) instanceof BucketStore.RangeRead.Found found)) {
                      throw new IOException("s3://" + bucket + "/" + entry.key() + " vanished while packing");
                    }
                    try (BucketStore.Opened object = found.object()) {
                      object.body().transferTo(zip);
                    }
                    zip.closeEntry();
                  }
                } catch (Exception e) {
                  failure.set(e); // set before the pipe closes: the reader fails and aborts the upload
                } finally {
                  try {
                    zip.close();
                  } catch (IOException ignored) {
                    // the reader gave up (its own failure is reported there)
                  }
                }
              },
              "all-zip");
      writer.setDaemon(true);
      writer.start();
      long size = store.putStream(bucket, key, new FailingAtEnd(in, failure), "application/zip");
      LOG.info("packed {} results of s3://{}/{} into {} ({} bytes)", entries.size(), bucket, folder, key, size);
    } catch (IOException e) {
      Exception cause = failure.get() != null ? failure.get() : e;
      throw new TransientFailureException("cannot pack " + key + ": " + cause.getMessage(), cause);
    }
  }

  /**
   * The entry name a result key gets: relative, {@code /}-separated, without empty or {@code .}
   * segments; empty (skipped) when it has a {@code ..} segment or a drive letter, so that no client
   * unpacking the archive writes outside its folder (zip-slip). A backslash counts as a separator,
   * as Windows unzippers treat it.
   */
  static java.util.Optional<String> entryName(String relative) {
    List<String> segments = new java.util.ArrayList<>();
    for (String segment : relative.replace('\\', '/').split("/")) {
      if (segment.isEmpty() || segment.equals(".")) {
        continue;
      }
      if (segment.equals("..") || segment.contains(":")) {
        return java.util.Optional.empty();
      }
      segments.add(segment);
    }
    return segments.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(String.join("/", segments));
  }

  private static boolean wanted(String relative, List<String> outputs) {
    return outputs.isEmpty()
        || outputs.stream().anyMatch(o -> relative.equals(o) || relative.startsWith(o.endsWith("/") ? o : o + "/"));
  }

  /** Turns a writer failure into a read failure, so a half-written archive is never completed. */
  private static final class FailingAtEnd extends java.io.FilterInputStream {
    private final AtomicReference<Exception> failure;

    FailingAtEnd(PipedInputStream in, AtomicReference<Exception> failure) {
      super(in);
      this.failure = failure;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n < 0 && failure.get() != null) {
        throw new IOException("packing failed", failure.get());
      }
      return n;
    }

    @Override
    public int read() throws IOException {
      int n = super.read();
      if (n < 0 && failure.get() != null) {
        throw new IOException("packing failed", failure.get());
      }
      return n;
    }
  }
}
