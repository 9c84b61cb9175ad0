package org.odmwatcher.workflow;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * ODM's stages, the one table both engines use for {@code status.json}'s {@code stage} and
 * {@code progress}: local mode reads ODM's console ({@code workflow.local.OdmProgress}), an Argo
 * job reads ODM's own percentage forwarded through Argo's node progress ({@link #ofOdmPercent}).
 *
 * <p>Two scales. The <em>job</em> percentage is where each stage starts in a typical run (the
 * photogrammetry stages take most of the time), inside the job's 5..94 % between download and
 * upload. ODM's own percentage is what ODM broadcasts (opendm/progress.py, {@code PGUP} datagrams):
 * each stage runs from its predecessor's {@code progress} to its own, as set in ODM's
 * stages/odm_app.py ({@code ODMApp.__init__}, OpenDroneMap/ODM 3.6.0) and applied by
 * opendm/types.py ({@code ODM_Stage.update_progress}). split and merge set theirs to 0 unless the
 * dataset is split (stages/splitmerge.py), so a normal run's chain is dataset 0..5, opensfm
 * 5..25 (ODM starts it at 0, never below dataset's 5 once kept never-backwards), openmvs 25..50
 * and so on. The template's {@code process} program uses the same starts ({@link
 * #odmStarts()}; a test checks they agree). In a split-merge run ODM's split stage covers 5..75,
 * which this table reads as opensfm..odm_georeferencing: the percentage is right, the stage name
 * is approximate.
 */
public final class OdmStages {
  /** The job's own stages around ODM. */
  public static final String DOWNLOAD = "download";

  public static final String UPLOAD = "upload";
  public static final int DOWNLOAD_PERCENT = 1;
  public static final int FINISHED_PERCENT = 94;
  public static final int UPLOAD_PERCENT = 95;

  /** A stage and the job's percentage. */
  public record Position(String stage, int percent) {}

  /** One row: the stage, the job's percentage when it starts, ODM's own percentage when it ends. */
  private record Row(String stage, int jobStart, int odmEnd) {}

  private static final List<Row> ROWS = List.of(
      new Row("dataset", 5, 5),
      new Row("split", 8, 0),
      new Row("merge", 9, 0),
      new Row("opensfm", 10, 25),
      new Row("openmvs", 40, 50),
      new Row("odm_filterpoints", 58, 52),
      new Row("odm_meshing", 62, 60),
      new Row("mvs_texturing", 68, 70),
      new Row("odm_georeferencing", 76, 80),
      new Row("odm_dem", 80, 90),
      new Row("odm_orthophoto", 85, 98),
      new Row("odm_report", 90, 99),
      new Row("odm_postprocess", 93, 100));

  /** ODM's stages in order, with the job's percentage when each starts. */
  public static final Map<String, Integer> STAGES = jobStarts();

  private OdmStages() {}

  private static Map<String, Integer> jobStarts() {
    Map<String, Integer> m = new LinkedHashMap<>();
    ROWS.forEach(r -> m.put(r.stage(), r.jobStart()));
    return Collections.unmodifiableMap(m);
  }

  /** The stages of a normal (not split) run, each with ODM's own percentage when it starts. */
  public static Map<String, Integer> odmStarts() {
    Map<String, Integer> m = new LinkedHashMap<>();
    int start = 0;
    for (Row r : chain()) {
      m.put(r.stage(), start);
      start = r.odmEnd();
    }
    return m;
  }

  private static List<Row> chain() {
    return ROWS.stream().filter(r -> r.odmEnd() > 0).toList();
  }

  /**
   * Where a job is when ODM reports {@code odmPercent} (0..100, ODM's scale): the stage whose
   * range holds it and the job's percentage, placed proportionally between that stage's start and
   * the next one's (100 % is ODM finished: odm_postprocess at {@link #FINISHED_PERCENT}).
   */
  public static Optional<Position> ofOdmPercent(int odmPercent) {
    if (odmPercent < 0 || odmPercent > 100) {
      return Optional.empty();
    }
    List<Row> chain = chain();
    int start = 0;
    for (int i = 0; i < chain.size(); i++) {
      Row r = chain.get(i);
      boolean last = i == chain.size() - 1;
      if (odmPercent < r.odmEnd() || last) {
        int jobEnd = last ? FINISHED_PERCENT : chain.get(i + 1).jobStart();
        int span = Math.max(1, r.odmEnd() - start);
        int within = Math.max(0, odmPercent - start);
        return Optional.of(new Position(r.stage(), r.jobStart() + within * (jobEnd - r.jobStart()) / span));
      }
      start = r.odmEnd();
    }
    return Optional.empty();
  }
}
