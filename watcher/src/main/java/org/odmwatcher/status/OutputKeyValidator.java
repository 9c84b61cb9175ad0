package org.odmwatcher.status;

import java.util.List;

/**
 * Which {@code outputs} of a {@code status.json} may be listed and served: keys inside the job's
 * own results folder only. A status is written by whoever can write the bucket, so its outputs
 * are untrusted input; the watcher turns an output into {@code folder + key} and reads it with its
 * own credentials. Refused: keys outside {@code resultsFolder}, with an empty, {@code .} or
 * {@code ..} segment (stores such as S3Proxy's filesystem backend and every browser following a
 * presigned link resolve them), with a backslash (browsers treat it as {@code /} in http URLs:
 * WHATWG URL standard, "special" schemes) or with control characters.
 *
 * @param resultsFolder the results folder inside a job's folder, ending with {@code /}
 */
public record OutputKeyValidator(String resultsFolder) {

  public OutputKeyValidator {
    if (!resultsFolder.endsWith("/") || !accepted(resultsFolder + "x", "")) {
      throw new IllegalArgumentException("results folder must be plain segments ending with /: " + resultsFolder);
    }
  }

  /** Whether {@code key} (relative to the job's folder) names something inside its results. */
  public boolean accepts(String key) {
    return key != null && key.startsWith(resultsFolder) && accepted(key, resultsFolder);
  }

  private static boolean accepted(String key, String prefix) {
    if (key.length() == prefix.length() || key.indexOf('\\') >= 0 || key.chars().anyMatch(Character::isISOControl)) {
      return false;
    }
    for (String segment : key.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        return false;
      }
    }
    return true;
  }

  /** The status with only its accepted outputs (the same status when all are). */
  public JobStatus keepAccepted(JobStatus status) {
    if (status.outputs() == null || status.outputs().stream().allMatch(this::accepts)) {
      return status;
    }
    List<String> kept = status.outputs().stream().filter(this::accepts).toList();
    return status.withOutputs(kept);
  }

  /** The outputs {@link #keepAccepted} would drop. */
  public List<String> refused(JobStatus status) {
    return status.outputs() == null ? List.of() : status.outputs().stream().filter(k -> !accepts(k)).toList();
  }
}
