package org.odmwatcher.testing.argo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The test Argo's {@code when}: govaluate's regex operators, as the exit handler's release step uses them. */
class WhenExpressionTest {
  @Test
  void theReleaseStepRunsUnlessTheStatusIsOneTheWorkspaceIsKeptFor() {
    assertThat(TestArgo.when("'Failed' !~ '^(Failed|Error)$'")).isFalse();
    assertThat(TestArgo.when("'Error' !~ '^(Failed|Error)$'")).isFalse();
    assertThat(TestArgo.when("'Succeeded' !~ '^(Failed|Error)$'")).isTrue();
    assertThat(TestArgo.when("'Succeeded' !~ '^$'")).isTrue(); // nothing kept
    assertThat(TestArgo.when("'Failed' =~ 'Fail'")).isTrue(); // regexp.MatchString: anywhere
    assertThatThrownBy(() -> TestArgo.when("{{workflow.status}} == Succeeded"))
        .hasMessageContaining("not emulated");
  }
}
