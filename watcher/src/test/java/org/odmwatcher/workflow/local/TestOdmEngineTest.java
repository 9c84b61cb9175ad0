package org.odmwatcher.workflow.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 21 row 3: the test engine wrote the same three placeholders whatever was asked. */
class TestOdmEngineTest {

  @Test
  void writesAPlaceholderForExactlyWhatTheArgumentsAskFor() {
    assertThat(TestOdmEngine.products(List.of("--project-path", "/w", "project", "--dsm")))
        .contains("odm_dem/dsm.tif", "odm_orthophoto/odm_orthophoto.tif", "odm_report/report.pdf",
            "odm_georeferencing/odm_georeferenced_model.laz", "odm_texturing/odm_textured_model_geo.obj")
        .doesNotContain("odm_dem/dtm.tif", "3d_tiles/tileset.json");
    assertThat(TestOdmEngine.products(List.of("--fast-orthophoto", "--skip-report", "--3d-tiles", "--pc-las")))
        .containsExactlyInAnyOrder("odm_georeferencing/odm_georeferenced_model.laz",
            "odm_georeferencing/odm_georeferenced_model.las", "3d_tiles/tileset.json", "odm_orthophoto/odm_orthophoto.tif");
  }
}
