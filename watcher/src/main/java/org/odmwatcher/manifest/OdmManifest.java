package org.odmwatcher.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.core.annotation.Nullable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed {@code odm.json} (format v1). Options keep the manifest's order and their JSON values
 * (validated separately against the catalogue).
 *
 * @param name human-readable job name, may be null
 * @param options ODM option name → JSON value
 * @param outputs wanted outputs ({@link #KNOWN_OUTPUTS})
 * @param expectedImages images the folder must hold before the job starts, or null
 * @param cancel {@code true} asks a running job to stop
 */
public record OdmManifest(
    @Nullable String name,
    Map<String, JsonNode> options,
    List<String> outputs,
    @Nullable Integer expectedImages,
    boolean cancel) {

  /** Output names a manifest may ask for. */
  public static final List<String> KNOWN_OUTPUTS =
      List.of("orthophoto", "dsm", "dtm", "pointcloud", "report", "textured-model", "3d-tiles");

  /** What is produced when a manifest names no outputs. */
  public static final List<String> DEFAULT_OUTPUTS = List.of("orthophoto", "pointcloud", "report");

  public OdmManifest {
    options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    outputs = List.copyOf(outputs.isEmpty() ? DEFAULT_OUTPUTS : outputs);
  }
}
