package org.odmwatcher.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keys are whatever a bucket writer chose: one holding ESC (which XML 1.0 cannot carry, so a plain
 * listing of the embedded store fails) or only blanks must not stop the sweep, and every other
 * folder's job still starts (issue 22, row 11).
 */
class LocalModeOddKeysTest {

  @Test
  void aKeyHoldingEscOrOnlyBlanksNeverStopsOtherFoldersJobs(@TempDir Path data) throws Exception {
    try (LocalWorld world = LocalWorld.start(data, "test", Map.of())) {
      world.put("odd/\u001b[31mred\u001b[0m.txt", "odd");
      world.put("odd/\u001b]0;title\u0007/odm.json", "{}");
      world.put(" ", "blank");
      world.uploadSample("flight/");
      world.awaitState("flight/", "succeeded", Duration.ofSeconds(60));
      assertThat(world.text("odd/\u001b[31mred\u001b[0m.txt")).isEqualTo("odd");
    }
  }
}
