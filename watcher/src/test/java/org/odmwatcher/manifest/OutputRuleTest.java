package org.odmwatcher.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.odmwatcher.testing.argo.WorkflowTemplateFile;

/** The one rule between options and outputs (issue 21 row 3), and the template agreeing with it. */
class OutputRuleTest {
  private static final JsonNode ON = BooleanNode.TRUE;

  @Test
  void optionsThatMakeAProductAddItsOutputToThoseAskedFor() {
    assertThat(OutputRule.outputs(Map.of(), List.of())).isEqualTo(OdmManifest.DEFAULT_OUTPUTS);
    assertThat(OutputRule.outputs(Map.of("dsm", ON), List.of())).containsExactly("orthophoto", "pointcloud", "report", "dsm");
    assertThat(OutputRule.outputs(ordered("3d-tiles", ON, "pc-csv", TextNode.valueOf("true"), "dtm", BooleanNode.FALSE),
        List.of("orthophoto"))).containsExactly("orthophoto", "3d-tiles", "pointcloud");
  }

  @Test
  void theApiAsksForWhatNodeOdmsAllZipHolds() {
    assertThat(OutputRule.nodeOdmOutputs(Map.of("dsm", ON, "dtm", ON)))
        .containsExactly("orthophoto", "pointcloud", "report", "textured-model", "dsm", "dtm");
    assertThat(OutputRule.nodeOdmOutputs(Map.of("skip-3dmodel", ON))).doesNotContain("textured-model");
    assertThat(OutputRule.nodeOdmOutputs(Map.of("fast-orthophoto", ON))).doesNotContain("textured-model");
    assertThat(OutputRule.nodeOdmOutputs(Map.of("skip-3dmodel", ON, "use-3dmesh", ON))).contains("textured-model");
  }

  @Test
  void aManifestGetsTheRuleAndItsOutputsSwitchOnTheirOptions() {
    OdmManifest manifest = new OdmManifest(null, Map.of("pc-las", ON), List.of("dtm"), null, false);
    assertThat(manifest.outputs()).containsExactly("dtm", "pointcloud");
    assertThat(OutputRule.optionsSwitchedOn(manifest.outputs())).containsExactly("dtm");
  }

  @Test
  void onlyTheWantedOutputsAndResultPathsAreUploaded() {
    List<String> outputs = List.of("orthophoto", "report");
    assertThat(OutputRule.uploaded("odm_orthophoto/odm_orthophoto.tif", outputs, List.of())).isTrue();
    assertThat(OutputRule.uploaded("odm_report/nested/report.pdf", outputs, List.of())).isTrue();
    assertThat(OutputRule.uploaded("log.json", outputs, List.of())).isTrue();
    assertThat(OutputRule.uploaded("odm_dem/dsm.tif", outputs, List.of())).isFalse();
    assertThat(OutputRule.uploaded("odm_reporter/x", outputs, List.of())).isFalse();
    assertThat(OutputRule.uploaded("opensfm/reconstruction.json", outputs, List.of("opensfm/reconstruction.json"))).isTrue();
    assertThat(OutputRule.uploaded("opensfm/features/a.npz", outputs, List.of("opensfm/features"))).isTrue();
    assertThat(OutputRule.uploaded("opensfm/tracks.csv", outputs, List.of("opensfm/features"))).isFalse();
  }

  /** The template's process step writes its upload filter from its own copy of the table. */
  @Test
  void theTemplatesUploadFilterHasTheSameTable() throws Exception {
    String template = Files.readString(WorkflowTemplateFile.PATH);
    ObjectMapper lenient = JsonMapper.builder().enable(JsonReadFeature.ALLOW_TRAILING_COMMA).build();
    Matcher paths = Pattern.compile("(?s)\\n\\s*paths = (\\{.*?\\n\\s*})\\n").matcher(template);
    assertThat(paths.find()).as("paths = {...} in the template").isTrue();
    Map<String, List<String>> table = lenient.readValue(paths.group(1), new TypeReference<LinkedHashMap<String, List<String>>>() {});
    assertThat(table).containsExactlyEntriesOf(OutputRule.PATHS);
    assertThat(table.keySet()).containsExactlyInAnyOrderElementsOf(OdmManifest.KNOWN_OUTPUTS);
    // the upload filter's first rules, after the table (the download step has a list of its own)
    Matcher always = Pattern.compile("\\n\\s*rules = (\\[[^\\]]*])\\n").matcher(template);
    assertThat(always.find(paths.end())).as("rules = [...] after the table").isTrue();
    assertThat(lenient.readValue(always.group(1), new TypeReference<List<String>>() {}))
        .isEqualTo(OutputRule.ALWAYS.stream().map(p -> "+ " + p).toList());
  }

  private static Map<String, JsonNode> ordered(Object... pairs) {
    Map<String, JsonNode> map = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      map.put((String) pairs[i], (JsonNode) pairs[i + 1]);
    }
    return map;
  }
}
