package org.odmwatcher.testing.argo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The test Argo's rclone filter against the examples of rclone's docs/content/filtering.md. */
class RcloneFilterTest {
  @Test
  void globsMatchAsRcloneDocumentsThem() {
    RcloneFilter jpg = RcloneFilter.include(List.of("*.jpg"), false);
    assertThat(jpg.includes("file.jpg")).isTrue();
    assertThat(jpg.includes("directory/file.jpg")).isTrue(); // unanchored: any level
    assertThat(jpg.includes("afile.jpg.png")).isFalse();
    assertThat(jpg.includes("file.JPG")).isFalse();

    RcloneFilter rooted = RcloneFilter.include(List.of("/file.jpg"), false);
    assertThat(rooted.includes("file.jpg")).isTrue();
    assertThat(rooted.includes("directory/file.jpg")).isFalse();

    RcloneFilter alternatives = RcloneFilter.include(List.of("*.{jpg,tif}"), true);
    assertThat(alternatives.includes("DJI_0001.JPG")).isTrue();
    assertThat(alternatives.includes("map.Tif")).isTrue();
    assertThat(alternatives.includes("odm.json")).isFalse(); // the implicit "- **" after includes
  }

  @Test
  void filterFileRulesApplyInOrderAndTheFirstMatchDecides() {
    RcloneFilter upload = new RcloneFilter();
    for (String line : List.of("+ /odm.log", "+ /odm_dem/dsm.tif", "+ /odm_report/**", "- **")) {
      upload.addFilterLine(line, false);
    }
    assertThat(upload.includes("odm.log")).isTrue();
    assertThat(upload.includes("odm_dem/dsm.tif")).isTrue();
    assertThat(upload.includes("odm_dem/dtm.tif")).isFalse();
    assertThat(upload.includes("odm_report/report.pdf")).isTrue();
    assertThat(upload.includes("odm_report/charts/a.png")).isTrue(); // ** crosses directories
    assertThat(upload.includes("opensfm/reconstruction.json")).isFalse();
    assertThat(new RcloneFilter().includes("anything")).isTrue(); // no rule: included
    assertThatThrownBy(() -> new RcloneFilter().addFilterLine("odm.log", false)).isInstanceOf(IllegalArgumentException.class);
  }
}
