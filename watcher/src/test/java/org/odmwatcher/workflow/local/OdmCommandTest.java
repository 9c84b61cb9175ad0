package org.odmwatcher.workflow.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.odmwatcher.config.LocalConfig;

/** The ODM command is an argument array: the engine's prefix, the project, then the options. */
class OdmCommandTest {
  private static final String JOB = "0123456789abcdef0123456789abcdef";

  private static LocalConfig config(String engine, String runPy, List<String> command) {
    return new LocalConfig("work", engine, "docker.io/opendronemap/odm:3.6.0", null, runPy, "python3", command, 1,
        Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofMillis(150), 30);
  }

  @Test
  void dockerMountsTheJobFolderAndRunsThePinnedImage() {
    List<String> cmd = new OdmCommand(config("docker", null, null))
        .build(Path.of("/data/work/" + JOB), JOB, List.of("--dsm", "--orthophoto-resolution", "5; rm -rf /"));
    assertThat(cmd).hasSize(20).startsWith("docker", "run", "--rm", "--name", "odm-0123456789abcdef",
        "--network", "none", "--memory");
    assertThat(cmd.get(8)).matches("\\d+m");
    assertThat(cmd.subList(9, cmd.size())).containsExactly("--security-opt", "no-new-privileges",
        "-v", "/data/work/" + JOB + ":/datasets", "docker.io/opendronemap/odm:3.6.0",
        "--project-path", "/datasets", "project", "--dsm", "--orthophoto-resolution", "5; rm -rf /");
    assertThat(new OdmCommand(config("docker", null, null)).stop(JOB))
        .contains(List.of("docker", "rm", "-f", "odm-0123456789abcdef"));
  }

  /** Defence in depth (issue 13): the ODM container has no network and a memory limit. */
  @Test
  void containersRunWithoutNetworkAndWithTheConfiguredMemoryLimit() {
    LocalConfig c = new LocalConfig("work", "podman", "img", null, null, "python3", null, 1,
        Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofMillis(150), 30, "12g");
    List<String> cmd = new OdmCommand(c).build(Path.of("/w"), JOB, List.of());
    assertThat(String.join(" ", cmd)).contains("--network none --memory 12g --security-opt no-new-privileges");
  }

  @Test
  void podmanAndNativeAreAlternatives() {
    assertThat(new OdmCommand(config("podman", null, null)).build(Path.of("/w"), JOB, List.of()).get(0))
        .isEqualTo("podman");
    assertThat(new OdmCommand(config("native", "/opt/ODM/run.py", null)).build(Path.of("/w"), JOB, List.of("--fast-orthophoto")))
        .containsExactly("python3", "/opt/ODM/run.py", "--project-path", "/w", "project", "--fast-orthophoto");
  }

  @Test
  void aCustomCommandHasItsPlaceholdersReplacedInsideElementsOnly() {
    List<String> cmd = new OdmCommand(config("docker", null, List.of("nerdctl", "run", "-v", "{work}:/datasets", "odm", "--project-path", "/datasets", "{project}")))
        .build(Path.of("/w"), JOB, List.of("--pc-quality", "{work}"));
    assertThat(cmd).containsExactly("nerdctl", "run", "-v", "/w:/datasets", "odm", "--project-path", "/datasets", "project",
        "--pc-quality", "{work}");
  }
}
