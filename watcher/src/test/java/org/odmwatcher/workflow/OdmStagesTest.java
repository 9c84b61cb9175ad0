package org.odmwatcher.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.odmwatcher.testing.argo.WorkflowTemplateFile;

class OdmStagesTest {
  @Test
  void theTemplatesProgramRaisesTheFloorAtTheSameOdmStageStartsAsTheWatcherReadsThem() {
    @SuppressWarnings("unchecked")
    List<Object> command = (List<Object>) ((Map<String, Object>) WorkflowTemplateFile.load().template("process").get("container")).get("command");
    String program = String.valueOf(command.get(2));
    Matcher table = Pattern.compile("stage_start = \\{([^}]*)}").matcher(program);
    assertThat(table.find()).as("the program's stage table").isTrue();
    Map<String, Integer> programStarts = new LinkedHashMap<>();
    Matcher entry = Pattern.compile("\"([a-z_]+)\":\\s*(\\d+)").matcher(table.group(1));
    while (entry.find()) {
      programStarts.put(entry.group(1), Integer.parseInt(entry.group(2)));
    }
    assertThat(programStarts).containsExactlyEntriesOf(OdmStages.odmStarts());
  }

  @Test
  void odmsPercentageMapsToItsStageAndRisesWithItThroughLocalModesPercentages() {
    assertThat(OdmStages.ofOdmPercent(0)).contains(new OdmStages.Position("dataset", 5));
    assertThat(OdmStages.ofOdmPercent(5)).contains(new OdmStages.Position("opensfm", 10));
    assertThat(OdmStages.ofOdmPercent(25)).contains(new OdmStages.Position("openmvs", 40));
    assertThat(OdmStages.ofOdmPercent(50).orElseThrow().stage()).isEqualTo("odm_filterpoints");
    assertThat(OdmStages.ofOdmPercent(99).orElseThrow().stage()).isEqualTo("odm_postprocess");
    assertThat(OdmStages.ofOdmPercent(100)).contains(new OdmStages.Position("odm_postprocess", OdmStages.FINISHED_PERCENT));
    assertThat(OdmStages.ofOdmPercent(101)).isEmpty();
    List<Integer> job = new ArrayList<>();
    for (int odm = 0; odm <= 100; odm++) {
      OdmStages.Position p = OdmStages.ofOdmPercent(odm).orElseThrow();
      assertThat(p.percent()).isGreaterThanOrEqualTo(OdmStages.STAGES.get(p.stage()));
      job.add(p.percent());
    }
    assertThat(job).isSorted();
    assertThat(job.get(0)).isGreaterThan(OdmStages.DOWNLOAD_PERCENT);
    assertThat(job.get(100)).isLessThan(OdmStages.UPLOAD_PERCENT);
  }
}
