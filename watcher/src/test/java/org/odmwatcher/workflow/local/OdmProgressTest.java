package org.odmwatcher.workflow.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.odmwatcher.workflow.OdmStages;

/** The progress parser against recorded ODM console logs. */
class OdmProgressTest {

  private static List<OdmStages.Position> replay(String resource) throws IOException {
    OdmProgress progress = new OdmProgress();
    List<OdmStages.Position> moves = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(
        OdmProgressTest.class.getResourceAsStream(resource), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        progress.accept(line).ifPresent(moves::add);
      }
    }
    return moves;
  }

  @Test
  void aCompleteRunMovesThroughEveryStageInOrderWithRisingPercentages() throws IOException {
    List<OdmStages.Position> moves = replay("/odm/test-engine-console.log");

    assertThat(moves).extracting(OdmStages.Position::stage).containsExactly(
        "dataset", "split", "merge", "opensfm", "openmvs", "odm_filterpoints", "odm_meshing", "mvs_texturing",
        "odm_georeferencing", "odm_dem", "odm_orthophoto", "odm_report", "odm_postprocess", "odm_postprocess");
    assertThat(moves).extracting(OdmStages.Position::percent).isSorted().doesNotHaveDuplicates();
    assertThat(moves.get(moves.size() - 1).percent()).isEqualTo(OdmStages.FINISHED_PERCENT);
    assertThat(OdmStages.FINISHED_PERCENT).isLessThan(OdmStages.UPLOAD_PERCENT);
  }

  @Test
  void aRunThatFailsInOpensfmStopsThereWithoutClaimingMore() throws IOException {
    List<OdmStages.Position> moves = replay("/odm/console-failed-in-opensfm.log");

    assertThat(moves).extracting(OdmStages.Position::stage).containsExactly("dataset", "split", "merge", "opensfm");
    assertThat(moves.get(moves.size() - 1).percent()).isEqualTo(OdmStages.STAGES.get("opensfm"));
  }

  @Test
  void reAnnouncedOrUnknownStagesNeverMoveProgressBackwards() {
    OdmProgress progress = new OdmProgress();
    assertThat(progress.accept("[INFO]    Running openmvs stage")).isPresent();
    assertThat(progress.accept("[INFO]    Running opensfm stage")).isEmpty(); // split-merge submodel
    assertThat(progress.accept("[INFO]    Running some_future stage")).isEmpty();
    assertThat(progress.accept("2026-11-26 INFO: Running dense reconstruction")).isEmpty();
    assertThat(progress.current().stage()).isEqualTo("openmvs");
  }

  @Test
  void exitCodesReadAsNodeOdmExplainsThem() {
    assertThat(OdmExitCode.describe(137, "docker")).contains("out of memory");
    assertThat(OdmExitCode.describe(132, "docker")).contains("CPU instructions");
    for (int code : new int[] {1, 134, 139}) {
      assertThat(OdmExitCode.describe(code, "docker")).contains("could not process this dataset");
    }
    assertThat(OdmExitCode.describe(125, "docker")).contains("docker daemon");
  }
}
