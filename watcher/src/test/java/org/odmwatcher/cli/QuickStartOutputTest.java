package org.odmwatcher.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 row 8: the README's quick start ({@code mvn -B -q package -DskipTests && java -jar …})
 * printed stray colour codes ({@code ESC[0m ESC[0m…}) first, with its output going to a file or a
 * pipe: Maven 3.8's Jansi writes a reset when it installs and uninstalls its console, whatever the
 * colour mode ({@code -B}, {@code -Dstyle.color=never} do not stop it); the project's
 * {@code .mvn/jvm.config} turns that off.
 */
class QuickStartOutputTest {
  @Test
  void theBuildPrintsNoColourCodesWhenNotATerminal() throws Exception {
    // the same Maven, in the project's root (where .mvn/ is), offline as the build here runs
    ProcessBuilder mvn = new ProcessBuilder("mvn", "-B", "-q", "-o", "-N", "validate")
        .directory(Path.of("..").toAbsolutePath().normalize().toFile())
        .redirectErrorStream(true);
    mvn.environment().remove("MAVEN_OPTS");
    Process process = mvn.start();
    byte[] output = process.getInputStream().readAllBytes();
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isZero();
    assertThat(new String(output, StandardCharsets.UTF_8).replace("\u001b", "ESC")).isEmpty();
  }
}
