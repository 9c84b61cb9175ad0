package org.odmwatcher.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import java.util.List;

/**
 * The local executor ({@code watcher.local.*}, used when {@code watcher.executor=local}): runs jobs
 * on this machine, ODM in a container (docker, podman), a native install, or the test engine.
 *
 * @param workDir where jobs download their images and ODM writes (one folder per job)
 * @param engine {@code docker}, {@code podman}, {@code native} or {@code test} (replays a recorded
 *     ODM log and writes placeholder files: never real processing)
 * @param image the pinned ODM image for docker/podman
 * @param runtime the container runtime's program for docker/podman (default: the engine's name, found on PATH)
 * @param runPy path of ODM's {@code run.py} for {@code native}
 * @param python interpreter for {@code native}
 * @param command replaces the whole ODM command (an argument array; {@code {work}}, {@code
 *     {project}} and {@code {name}} are replaced inside elements); the manifest's options follow it
 * @param concurrency jobs run at the same time
 * @param statusInterval least time between two progress writes to status.json
 * @param manifestCheck how often a running job checks its odm.json is still there and unchanged
 * @param testPace pause between two replayed log lines of the test engine
 * @param logTailLines lines of the log kept in status.json on failure
 * @param memory memory limit of the ODM container for docker/podman ({@code --memory}, e.g. {@code
 *     16g}); default: three quarters of this machine's memory. The container also runs with {@code
 *     --network none}: ODM needs no network, the watcher downloads and uploads for it
 */
@ConfigurationProperties(LocalConfig.PREFIX)
@Requires(property = "watcher.executor", value = "local")
public record LocalConfig(
    @Bindable(defaultValue = "odm-data/work") @NotBlank String workDir,
    @Bindable(defaultValue = "docker")
        @Pattern(regexp = "docker|podman|native|test", message = "watcher.local.engine must be docker, podman, native or test")
        String engine,
    @Bindable(defaultValue = "docker.io/opendronemap/odm:3.6.0") @NotBlank String image,
    @Nullable String runtime,
    @Nullable String runPy,
    @Bindable(defaultValue = "python3") @NotBlank String python,
    @Nullable List<String> command,
    @Bindable(defaultValue = "1") @Min(1) @Max(64) int concurrency,
    @Bindable(defaultValue = "1s") @NotNull Duration statusInterval,
    @Bindable(defaultValue = "2s") @NotNull Duration manifestCheck,
    @Bindable(defaultValue = "150ms") @NotNull Duration testPace,
    @Bindable(defaultValue = "30") @Min(1) int logTailLines,
    @Nullable @Pattern(regexp = "\\d+[bkmgBKMG]?", message = "watcher.local.memory must be like 16g") String memory) {

  public LocalConfig(String workDir, String engine, String image, @Nullable String runtime, @Nullable String runPy,
      String python, @Nullable List<String> command, int concurrency, Duration statusInterval, Duration manifestCheck,
      Duration testPace, int logTailLines) {
    this(workDir, engine, image, runtime, runPy, python, command, concurrency, statusInterval, manifestCheck, testPace,
        logTailLines, null);
  }

  public static final String PREFIX = "watcher.local";

  /** The value {@code status.json} shows as {@code engine}. */
  public String engineName() {
    return "test".equals(engine) ? "test" : "local";
  }
}
