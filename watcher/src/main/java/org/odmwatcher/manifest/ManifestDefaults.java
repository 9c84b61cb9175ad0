package org.odmwatcher.manifest;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micronaut.core.annotation.Nullable;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.odmwatcher.manifest.DefaultsMerge.Layer;
import org.odmwatcher.manifest.DefaultsMerge.Merged;
import org.odmwatcher.manifest.DefaultsMerge.Origin;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.storage.BucketStore;

/**
 * Defaults inherited from the bucket: a defaults file ({@code odm.defaults.json}, {@code
 * watcher.manifest.defaults-name}) at the bucket root or any prefix applies to every manifest in
 * the folders below it, merged by {@link DefaultsMerge} (the nearest wins key by key, the
 * manifest beats every defaults file). A defaults file may set what is the same for many jobs
 * ({@code options}, {@code outputs}, {@code resultPaths} and any field the parser knows); not what
 * belongs to one upload ({@link #PER_JOB}). A broken one makes every job under it invalid, with a
 * reason naming the file.
 *
 * <p>Cost: one GET per level above the folder (the bucket root, each prefix) at most, per job; none when
 * the level was read recently enough. Reads are kept in a bounded Caffeine cache, each with the
 * time it was made; a job reuses one made at least {@code margin} after its manifest's upload
 * ({@code Last-Modified}), so a defaults file uploaded before the manifest is always seen (S3 reads
 * are strongly consistent), without relying on the order of notifications (the defaults file's own
 * notification may never come: the bucket's filters usually pass {@code odm.json} only). Otherwise
 * the level is read again: conditionally ({@code If-None-Match} with the ETag held, 304 without a
 * body) when the cache knows the file, plainly when it knows it absent.
 */
public final class ManifestDefaults {
  /** Fields of one upload, not of a folder tree: refused in a defaults file. */
  public static final List<String> PER_JOB = List.of("name", "images", "cancel", "parentJob");

  /** Prefixes remembered at most (each a few hundred bytes; one per folder level ever seen). */
  static final int MAX_LEVELS = 10_000;

  private final @Nullable BucketStore store;
  private final ManifestParser parser;
  private final ObjectMapper json;
  private final String fileName;
  private final long maxBytes;
  private final Duration margin;
  private final Clock clock;
  private final Cache<String, Level> levels;
  private final LongAdder reads = new LongAdder();
  private final List<String> exempt;

  /**
   * @param store the bucket (null: no defaults are read, as with an empty {@code fileName})
   * @param fileName the defaults file's name; empty turns defaults off
   * @param maxBytes largest defaults file read (as for manifests)
   * @param margin how much later than a manifest's upload a cached read must be to be reused
   */
  public ManifestDefaults(@Nullable BucketStore store, ManifestParser parser, ObjectMapper json, String fileName,
      long maxBytes, Duration margin, Clock clock) {
    this(store, parser, json, fileName, maxBytes, margin, clock, List.of());
  }

  /**
   * @param exempt {@code bucket/prefix} entries whose folders take their manifests as they are (the
   *     NodeODM API's tasks: a client states every option it wants, and {@code /task/info} reports
   *     what it sent)
   */
  public ManifestDefaults(@Nullable BucketStore store, ManifestParser parser, ObjectMapper json, String fileName,
      long maxBytes, Duration margin, Clock clock, List<String> exempt) {
    this.exempt = List.copyOf(exempt);
    this.store = store;
    this.parser = parser;
    this.json = json.copyWith(json.getFactory().copy().setStreamReadConstraints(
        StreamReadConstraints.builder().maxNestingDepth(ManifestParser.MAX_DEPTH).build()));
    this.fileName = fileName == null ? "" : fileName;
    this.maxBytes = maxBytes;
    this.margin = margin;
    this.clock = clock;
    this.levels = Caffeine.newBuilder().maximumSize(MAX_LEVELS).build();
  }

  /** No defaults: every manifest is taken as it is. */
  public static ManifestDefaults off(ManifestParser parser, ObjectMapper json) {
    return new ManifestDefaults(null, parser, json, "", 0, Duration.ZERO, Clock.systemUTC());
  }

  /**
   * What a folder's defaults make of its manifest.
   *
   * @param result the effective manifest, or every reason it is not one (a broken defaults file's
   *     reasons name that file)
   * @param files the defaults files that apply, root first; empty when none does
   * @param effective the merged manifest and each value's origin; null when no defaults file
   *     applies or the layers could not be merged (a broken file, a manifest that is not an object)
   */
  public record Applied(ManifestParser.Result result, List<Origin> files, @Nullable Merged effective) {}

  /** One level's defaults file as last read: absent ({@code layer} null, no errors), good or broken. */
  public record Level(@Nullable Layer layer, @Nullable Origin file, List<String> errors, Instant checkedAt) {
    public boolean exists() {
      return file != null;
    }
  }

  /** S3 requests this made so far (reads of defaults files, each a GET or a conditional GET). */
  public long reads() {
    return reads.sum();
  }

  /** The defaults files' name, empty when defaults are off. */
  public String fileName() {
    return fileName;
  }

  /**
   * The manifest {@code manifest} (at {@code manifestKey} in {@code folder}) with its folder's
   * defaults applied. Costs at most one request per level of the folder ({@link ManifestDefaults}).
   */
  public Applied apply(String bucket, String folder, String manifestKey, BucketStore.Blob manifest)
      throws TransientFailureException {
    if (store == null || fileName.isEmpty() || exempt.stream().anyMatch((bucket + "/" + folder)::startsWith)) {
      return new Applied(parser.parse(manifest.bytes()), List.of(), null);
    }
    Instant needed = manifest.lastModified() == null ? null : manifest.lastModified().plus(margin);
    List<Level> found = new ArrayList<>();
    for (String prefix : levelsOf(folder)) {
      Level level = level(bucket, prefix + fileName, needed);
      if (level.exists()) {
        found.add(level);
      }
    }
    return apply(found, new Origin(manifestKey, manifest.eTag()), manifest.bytes());
  }

  /**
   * Applies defaults files already read (root first) to manifest bytes: what {@link #apply(String,
   * String, String, BucketStore.Blob)} does after reading, and what the {@code render} command
   * shows for files on disk.
   */
  public Applied apply(List<Level> defaults, Origin manifestOrigin, byte[] manifestBytes) {
    List<Origin> files = defaults.stream().map(Level::file).toList();
    if (defaults.isEmpty()) {
      return new Applied(parser.parse(manifestBytes), files, null);
    }
    List<String> errors = new ArrayList<>();
    defaults.forEach(d -> errors.addAll(d.errors()));
    JsonNode tree = readObject(manifestBytes);
    if (tree == null) {
      errors.addAll(parser.parse(manifestBytes).errors()); // the parser says what is wrong with it
    }
    if (!errors.isEmpty()) {
      return new Applied(new ManifestParser.Result(null, List.copyOf(errors)), files, null);
    }
    List<Layer> layers = new ArrayList<>();
    defaults.forEach(d -> layers.add(d.layer()));
    layers.add(new Layer(manifestOrigin, (ObjectNode) tree));
    Merged merged = DefaultsMerge.merge(layers);
    ManifestParser.Result result = parser.parse(bytes(merged.manifest()));
    if (!result.valid()) {
      List<String> withNote = new ArrayList<>(result.errors());
      withNote.add("(checked with the defaults of " + String.join(", ", files.stream().map(Origin::key).toList())
          + " applied; status.json's defaults.origins says which file set each value)");
      result = new ManifestParser.Result(null, List.copyOf(withNote));
    }
    return new Applied(result, files, merged);
  }

  /**
   * Checks one defaults file's bytes on its own: valid JSON, an object, no {@link #PER_JOB} field,
   * and what it sets valid as a manifest's (unknown fields, options and outputs); every reason
   * starts with {@code shownAs}.
   */
  public Level check(Origin file, String shownAs, byte[] bytes, boolean truncated, Instant checkedAt) {
    List<String> errors = new ArrayList<>();
    String prefix = "defaults file " + shownAs + ": ";
    if (truncated) {
      return new Level(null, file, List.of(prefix + "larger than the limit of " + maxBytes + " bytes"), checkedAt);
    }
    ObjectNode tree;
    try {
      JsonNode node = json.readTree(bytes);
      if (node == null || node.isMissingNode() || !node.isObject()) {
        return new Level(null, file, List.of(prefix + "must be a JSON object"), checkedAt);
      }
      tree = (ObjectNode) node;
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      return new Level(null, file, List.of(prefix + "is not valid JSON: " + e.getOriginalMessage()
          + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")")), checkedAt);
    } catch (IOException e) {
      return new Level(null, file, List.of(prefix + "cannot be read: " + e.getMessage()), checkedAt);
    }
    for (String field : PER_JOB) {
      if (tree.has(field)) {
        errors.add(prefix + "'" + field + "' belongs to one folder's manifest and cannot be a default");
      }
    }
    parser.parse(bytes(DefaultsMerge.withoutNulls(tree))).errors().forEach(e -> errors.add(prefix + e));
    return errors.isEmpty()
        ? new Level(new Layer(file, tree), file, List.of(), checkedAt)
        : new Level(null, file, List.copyOf(errors), checkedAt);
  }

  /**
   * The prefixes whose defaults apply to {@code folder}: those above it, root first ("", "a/" for
   * "a/b/"; none for the bucket root). Not the folder itself: its own manifest is right there, and
   * every job would pay a read for a file that is almost never there.
   */
  public static List<String> levelsOf(String folder) {
    List<String> prefixes = new ArrayList<>();
    if (folder.isEmpty()) {
      return prefixes;
    }
    prefixes.add("");
    for (int i = folder.indexOf('/'); i >= 0 && i < folder.length() - 1; i = folder.indexOf('/', i + 1)) {
      prefixes.add(folder.substring(0, i + 1));
    }
    return prefixes;
  }

  /** A level as read at or after {@code needed} (null: read it now), from the cache when it can. */
  private Level level(String bucket, String key, @Nullable Instant needed) throws TransientFailureException {
    String cacheKey = bucket + "/" + key;
    Level cached = levels.getIfPresent(cacheKey);
    if (cached != null && needed != null && !cached.checkedAt().isBefore(needed)) {
      return cached;
    }
    Instant now = clock.instant(); // before the read: what it finds was there at least then
    reads.increment();
    Level fresh;
    String shownAs = "s3://" + bucket + "/" + key;
    if (cached != null && cached.exists()) {
      BucketStore.Revalidated answer = store.getIfChanged(bucket, key, maxBytes, cached.file().eTag());
      if (answer instanceof BucketStore.Revalidated.Changed changed) {
        fresh = read(key, shownAs, changed.blob(), now);
      } else if (answer instanceof BucketStore.Revalidated.NotModified) {
        fresh = new Level(cached.layer(), cached.file(), cached.errors(), now);
      } else {
        fresh = new Level(null, null, List.of(), now);
      }
    } else {
      fresh = store.get(bucket, key, maxBytes)
          .map(blob -> read(key, shownAs, blob, now))
          .orElseGet(() -> new Level(null, null, List.of(), now));
    }
    levels.put(cacheKey, fresh);
    return fresh;
  }

  private Level read(String key, String shownAs, BucketStore.Blob blob, Instant now) {
    return check(new Origin(key, blob.eTag()), shownAs, blob.bytes(), blob.truncated(), now);
  }

  private @Nullable JsonNode readObject(byte[] bytes) {
    try {
      JsonNode node = json.readTree(bytes);
      return node != null && node.isObject() ? node : null;
    } catch (IOException e) {
      return null;
    }
  }

  private byte[] bytes(JsonNode node) {
    try {
      return json.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serializes", e);
    }
  }
}
