package org.odmwatcher.workflow.local;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.odmwatcher.workflow.OdmStages;
import org.odmwatcher.workflow.OdmStages.Position;

/**
 * Reads ODM's console output line by line and says which stage it is in and how far the whole job
 * is. ODM announces each stage with {@code [INFO]    Running <stage> stage} and ends with {@code
 * ODM app finished}. The percentages are where each stage starts in a typical run (the
 * photogrammetry stages take most of the time), placed inside the job's 5..94 % between download
 * and upload: the table Argo jobs use too, {@link OdmStages}.
 */
public final class OdmProgress {
  private static final Pattern RUNNING = Pattern.compile("Running ([a-z_]+) stage");
  private static final String FINISHED = "ODM app finished";

  private Position current = new Position(OdmStages.DOWNLOAD, OdmStages.DOWNLOAD_PERCENT);

  /** Feeds one line; returns the new position when the line moved it forward. */
  public Optional<Position> accept(String line) {
    Position next = null;
    if (line.contains(FINISHED)) {
      next = new Position("odm_postprocess", OdmStages.FINISHED_PERCENT);
    } else {
      Matcher m = RUNNING.matcher(line);
      if (m.find() && OdmStages.STAGES.containsKey(m.group(1))) {
        next = new Position(m.group(1), OdmStages.STAGES.get(m.group(1)));
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
