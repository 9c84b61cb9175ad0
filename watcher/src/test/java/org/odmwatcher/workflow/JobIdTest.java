package org.odmwatcher.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class JobIdTest {
  @Test
  void sameManifestVersionGivesSameIdAndWorkflowName() {
    JobId a = JobId.derive("drone", "farm a/flight 3/", "etag-1");
    JobId b = JobId.derive("drone", "farm a/flight 3/", "etag-1");
    assertThat(a).isEqualTo(b);
    assertThat(a.workflowName()).isEqualTo(b.workflowName()).matches("odm-[0-9a-f]{16}");
  }

  @Test
  void anyChangeGivesANewId() {
    JobId base = JobId.derive("drone", "f/", "e1");
    assertThat(JobId.derive("drone", "f/", "e2")).isNotEqualTo(base);
    assertThat(JobId.derive("drone", "g/", "e1")).isNotEqualTo(base);
    assertThat(JobId.derive("drone2", "f/", "e1")).isNotEqualTo(base);
    // the separator keeps "a" + "b/c" apart from "ab" + "/c"
    assertThat(JobId.derive("a", "b/", "c")).isNotEqualTo(JobId.derive("a\nb/", "", "c"));
  }

  @Test
  void idIsA32HexLabelSafeValue() {
    String value = JobId.derive("drone", "f/", "e").value();
    assertThat(value).matches("[0-9a-f]{32}").hasSizeLessThanOrEqualTo(63);
    assertThat(JobId.shortHash("my.bucket.with.dots")).matches("[0-9a-f]{16}");
    assertThatThrownBy(() -> new JobId("not-hex")).isInstanceOf(IllegalArgumentException.class);
  }
}
