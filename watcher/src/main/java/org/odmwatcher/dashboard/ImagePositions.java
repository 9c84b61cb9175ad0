package org.odmwatcher.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.odmwatcher.manifest.FolderImages;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.status.JobState;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.StatusListener;
import org.odmwatcher.storage.BucketStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a folder's images were taken, on the job's map before ODM has run: told of every status
 * this process writes for a job that has not finished, it reads each new image's GPS from a ranged
 * GET of the image's first bytes ({@link ImagePositionReader}) and writes {@code
 * <folder>.odm-watcher/positions.geojson}: a GeoJSON FeatureCollection, one Point per image with
 * its {@code name}, plus the foreign members {@code images} (how many were read) and {@code
 * withoutGps} (the names of those without a position).
 *
 * <p>A file of its own rather than a field of {@code status.json}: the status is rewritten at every
 * progress step and read by every list refresh, and thousands of positions would weigh on each of
 * those; the positions change only when images arrive, and the static copy of the page reads them
 * from the bucket as it reads the status.
 *
 * <p>The work runs on its own small pool with a bounded queue, never on the thread that wrote the
 * status: a folder already queued is not queued twice, and when the queue is full the folder waits
 * for its next status write. Positions already read are remembered per image and ETag, so a folder
 * that grows costs one ranged GET per new image.
 */
public final class ImagePositions implements StatusListener, AutoCloseable {
  /** The positions object's key inside a job's folder. */
  public static final String KEY = ".odm-watcher/positions.geojson";

  private static final Logger LOG = LoggerFactory.getLogger(ImagePositions.class);
  private static final int MAX_HEADER_BYTES = 4 * 1024 * 1024;

  private final BucketStore store;
  private final int headerBytes;
  private final Clock clock;
  private final ThreadPoolExecutor pool;
  private final Set<String> queued = ConcurrentHashMap.newKeySet();
  private final Map<String, Optional<ImagePositionReader.Position>> known = new ConcurrentHashMap<>();
  private final Map<String, String> written = new ConcurrentHashMap<>();
  private final ObjectMapper json = new ObjectMapper();

  public ImagePositions(BucketStore store, int threads, int headerBytes, Clock clock) {
    this.store = store;
    this.headerBytes = headerBytes;
    this.clock = clock;
    AtomicInteger n = new AtomicInteger();
    this.pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(256), r -> {
      Thread t = new Thread(r, "image-positions-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    }, new ThreadPoolExecutor.AbortPolicy());
    pool.allowCoreThreadTimeOut(true);
  }

  @Override
  public void written(String bucket, String folder, JobStatus status) {
    if (status.state() == JobState.WAITING || status.state() == JobState.SUBMITTED || status.state() == JobState.RUNNING) {
      schedule(bucket, folder);
    }
  }

  /** Queues a folder for a round (no-op when it is queued already or the queue is full). */
  public void schedule(String bucket, String folder) {
    String id = bucket + "/" + folder;
    if (!queued.add(id)) {
      return;
    }
    try {
      pool.execute(() -> {
        queued.remove(id);
        try {
          update(bucket, folder);
        } catch (TransientFailureException | RuntimeException e) {
          LOG.warn("image positions of s3://{}/{} not written: {}", bucket, folder, e.getMessage());
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      queued.remove(id); // busy: the folder's next status write asks again
    }
  }

  /** Reads the positions of the folder's images not read yet and writes the object if it changed. */
  void update(String bucket, String folder) throws TransientFailureException {
    List<BucketStore.Entry> images = store.listFolder(bucket, folder).files().stream()
        .filter(e -> FolderImages.isImage(e.key()))
        .toList();
    ObjectNode collection = json.createObjectNode();
    collection.put("type", "FeatureCollection");
    ArrayNode features = collection.putArray("features");
    List<String> withoutGps = new ArrayList<>();
    StringBuilder signature = new StringBuilder();
    for (BucketStore.Entry image : images) {
      String name = image.key().substring(folder.length());
      Optional<ImagePositionReader.Position> position = position(bucket, image);
      signature.append(name).append('@').append(image.eTag()).append(';');
      if (position.isEmpty()) {
        withoutGps.add(name);
        continue;
      }
      ImagePositionReader.Position p = position.get();
      ObjectNode feature = features.addObject();
      feature.put("type", "Feature");
      ObjectNode geometry = feature.putObject("geometry");
      geometry.put("type", "Point");
      ArrayNode coordinates = geometry.putArray("coordinates").add(p.longitude()).add(p.latitude());
      if (!Double.isNaN(p.altitude())) {
        coordinates.add(p.altitude());
      }
      feature.putObject("properties").put("name", name);
    }
    if (signature.toString().equals(written.get(bucket + "/" + folder))) {
      return;
    }
    collection.put("images", images.size());
    ArrayNode missing = collection.putArray("withoutGps");
    withoutGps.forEach(missing::add);
    collection.put("generatedAt", clock.instant().toString());
    try {
      store.put(bucket, folder + KEY, json.writeValueAsBytes(collection), "application/geo+json", null, false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    written.put(bucket + "/" + folder, signature.toString());
  }

  private Optional<ImagePositionReader.Position> position(String bucket, BucketStore.Entry image)
      throws TransientFailureException {
    String id = bucket + "/" + image.key() + "@" + image.eTag();
    Optional<ImagePositionReader.Position> cached = known.get(id);
    if (cached != null) {
      return cached;
    }
    Optional<ImagePositionReader.Position> found = Optional.empty();
    for (long want = headerBytes; ; want *= 4) {
      byte[] head = head(bucket, image.key(), want);
      boolean whole = head.length < want || (image.size() >= 0 && head.length >= image.size()) || want >= MAX_HEADER_BYTES;
      try {
        found = ImagePositionReader.read(head, whole);
        break;
      } catch (ImagePositionReader.NeedMoreBytes e) {
        // the tags run past this read: read a larger head
      }
    }
    known.put(id, found);
    return found;
  }

  private byte[] head(String bucket, String key, long bytes) throws TransientFailureException {
    BucketStore.RangeRead read = store.open(bucket, key, "bytes=0-" + (bytes - 1));
    if (read instanceof BucketStore.RangeRead.Found found) {
      try (InputStream in = found.object().body()) {
        return in.readNBytes((int) bytes);
      } catch (IOException e) {
        throw new TransientFailureException("cannot read s3://" + bucket + "/" + key + ": " + e.getMessage(), e);
      }
    }
    return new byte[0]; // gone or empty: no position
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
