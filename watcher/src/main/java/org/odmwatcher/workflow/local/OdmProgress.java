package org.odmwatcher.workflow.local;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads ODM's console output line by line and says which stage it is in and how far the whole job
 * is. ODM announces each stage with {@code [INFO]    Running <stage> stage} and ends with {@code
 * ODM app finished}. The percentages are where each stage starts in a typical run (the
 * photogrammetry stages take most of the time), placed inside the job's 5..94 % between download
 * and upload.
 */
public final class OdmProgress {
  /** The job's own stages around ODM. */
  public static final String DOWNLOAD = "download";

  public static final String UPLOAD = "upload";
  public static final int DOWNLOAD_PERCENT = 1;
  public static final int FINISHED_PERCENT = 94;
  public static final int UPLOAD_PERCENT = 95;

  /** ODM's stages in order, with the job's percentage when each starts. */
  public static final Map<String, Integer> STAGES = stages();

  private static final Pattern RUNNING = Pattern.compile("Running ([a-z_]+) stage");
  private static final String FINISHED = "ODM app finished";

  /** A stage and the job's percentage. */
  public record Position(String stage, int percent) {}

  private Position current = new Position(DOWNLOAD, DOWNLOAD_PERCENT);

  private static Map<String, Integer> stages() {
    Map<String, Integer> m = new LinkedHashMap<>();
    m.put("dataset", 5);
    m.put("split", 8);
    m.put("merge", 9);
    m.put("opensfm", 10);
    m.put("openmvs", 40);
    m.put("odm_filterpoints", 58);
    m.put("odm_meshing", 62);
    m.put("mvs_texturing", 68);
    m.put("odm_georeferencing", 76);
    m.put("odm_dem", 80);
    m.put("odm_orthophoto", 85);
    m.put("odm_report", 90);
    m.put("odm_postprocess", 93);
    return java.util.Collections.unmodifiableMap(m);
  }

  /** Feeds one line; returns the new position when the line moved it forward. */
  public Optional<Position> accept(String line) {
    Position next = null;
    if (line.contains(FINISHED)) {
      next = new Position("odm_postprocess", FINISHED_PERCENT);
    } else {
      Matcher m = RUNNING.matcher(line);
      if (m.find() && STAGES.containsKey(m.group(1))) {
        next = new Position(m.group(1), STAGES.get(m.group(1)));
      }
    }
    if (next == null || next.percent() <= current.percent()) {
      return Optional.empty(); // unknown line, or a stage ODM re-announces (split-merge submodels)
    }
    current = next;
    return Optional.of(next);
  }

  public Position current() {
    return current;
  }
}
