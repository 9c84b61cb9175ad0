package org.odmwatcher.workflow.local;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.odmwatcher.config.LocalConfig;

/**
 * The command that runs ODM for one job, as an argument array (never a shell line): the configured
 * engine's prefix, then {@code --project-path <work> <project>}, then the manifest's options as
 * separate elements. Values from the manifest are only ever appended as whole elements.
 */
public final class OdmCommand {
  /** ODM's project folder name inside the job's work folder (images go to {@code project/images}). */
  public static final String PROJECT = "project";

  private final LocalConfig config;
  private final String image;

  public OdmCommand(LocalConfig config) {
    this(config, config.image());
  }

  /** With the container image of the job's engine (docker/podman only): ODX's for an ODX job. */
  public OdmCommand(LocalConfig config, String image) {
    this.config = config;
    this.image = image;
  }

  /** The container's name for a job (so that a cancel can remove it). */
  public static String containerName(String jobId) {
    return "odm-" + jobId.substring(0, 16);
  }

  public List<String> build(Path workDir, String jobId, List<String> odmOptions) {
    List<String> cmd = new ArrayList<>();
    String work = workDir.toAbsolutePath().toString();
    if (config.command() != null && !config.command().isEmpty()) {
      for (String element : config.command()) {
        cmd.add(element.replace("{work}", work).replace("{project}", PROJECT).replace("{name}", containerName(jobId)));
      }
    } else {
      switch (config.engine()) {
        case "docker", "podman" -> {
          // No network (the watcher downloads and uploads; ODM needs none, and a hostile option or
          // image cannot call out) and a memory limit (a job cannot take the whole machine down).
          cmd.addAll(List.of(runtime(), "run", "--rm", "--name", containerName(jobId),
              "--network", "none", "--memory", memoryLimit(), "--security-opt", "no-new-privileges",
              "-v", work + ":/datasets", image, "--project-path", "/datasets", PROJECT));
        }
        case "native" -> {
          String runPy = config.runPy() == null || config.runPy().isBlank() ? "run.py" : config.runPy();
          cmd.addAll(List.of(config.python(), runPy, "--project-path", work, PROJECT));
        }
        case "test" -> {
          String java = ProcessHandle.current().info().command().orElse("java");
          cmd.addAll(List.of(java, "-Xmx64m", "-cp", absoluteClassPath(),
              TestOdmEngine.class.getName(), "--project-path", work, PROJECT));
        }
        default -> throw new IllegalStateException("unknown engine " + config.engine());
      }
    }
    cmd.addAll(odmOptions);
    return cmd;
  }

  /** This JVM's class path with absolute entries (the engine runs in the job's folder). */
  private static String absoluteClassPath() {
    return java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
        .map(entry -> Path.of(entry).toAbsolutePath().toString())
        .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
  }

  /** What stops a job's ODM besides killing the process (a container outlives its CLI). */
  public Optional<List<String>> stop(String jobId) {
    if ((config.command() == null || config.command().isEmpty())
        && ("docker".equals(config.engine()) || "podman".equals(config.engine()))) {
      return Optional.of(List.of(runtime(), "rm", "-f", containerName(jobId)));
    }
    return Optional.empty();
  }

  private String memoryLimit() {
    if (config.memory() != null && !config.memory().isBlank()) {
      return config.memory();
    }
    long total = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getTotalMemorySize();
    return Math.max(1L << 30, total / 4 * 3) / (1L << 20) + "m";
  }

  private String runtime() {
    return config.runtime() == null || config.runtime().isBlank() ? config.engine() : config.runtime();
  }

  /** What to tell the user when the engine's program is not installed. */
  public String missingHint(String program) {
    return switch (config.command() != null && !config.command().isEmpty() ? "command" : config.engine()) {
      case "docker" -> "docker was not found (" + program + "): install Docker (https://docs.docker.com/get-docker/),"
          + " or set watcher.local.runtime to its path, or start with --engine podman (watcher.local.engine=podman) if you have Podman, or --engine native"
          + " --run-py /path/to/ODM/run.py for a native ODM; --engine test tries the pipeline without ODM";
      case "podman" -> "podman was not found (" + program + "): install Podman (https://podman.io/docs/installation)"
          + " or start with --engine docker (watcher.local.engine=docker)";
      case "native" -> "ODM could not be started (" + program + "): set --run-py (watcher.local.run-py) to the"
          + " run.py of a native ODM install and --python (watcher.local.python) to its interpreter, or use"
          + " --engine docker";
      case "command" -> "the ODM command could not be started (" + program + "): check watcher.local.command";
      default -> "the ODM engine could not be started (" + program + ")";
    };
  }
}
