package org.odmwatcher.manifests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code kubectl kustomize <dir>} (an argument array, no shell). The binary is {@code kubectl}
 * on the PATH unless the {@code kubectl} system property or the {@code KUBECTL} environment
 * variable names another.
 */
final class Kustomize {
  record Result(int exitCode, String stdout, String stderr) {}

  private Kustomize() {}

  static String kubectl() {
    String fromProperty = System.getProperty("kubectl");
    if (fromProperty != null && !fromProperty.isBlank()) {
      return fromProperty;
    }
    String fromEnv = System.getenv("KUBECTL");
    return fromEnv != null && !fromEnv.isBlank() ? fromEnv : "kubectl";
  }

  /** Renders {@code dir}; fails unless kubectl exits 0. */
  static Result render(Path dir) {
    Result result = run(dir);
    if (result.exitCode() != 0) {
      throw new AssertionError(
          "kubectl kustomize " + dir + " exited " + result.exitCode() + ":\n" + result.stderr());
    }
    return result;
  }

  static Result run(Path dir) {
    try {
      Path err = Files.createTempFile("kustomize", ".err");
      Path out = Files.createTempFile("kustomize", ".out");
      try {
        Process process =
            new ProcessBuilder(List.of(kubectl(), "kustomize", dir.toString()))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new AssertionError("kubectl kustomize " + dir + " did not finish in 120 s");
        }
        return new Result(
            process.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(err);
        Files.deleteIfExists(out);
      }
    } catch (IOException e) {
      throw new AssertionError(
          "cannot run '" + kubectl() + "' (install kubectl >= 1.21, or set -Dkubectl=/path)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
