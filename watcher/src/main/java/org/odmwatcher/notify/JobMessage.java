package org.odmwatcher.notify;

import io.micronaut.core.annotation.Nullable;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.odmwatcher.status.JobStatus;

/**
 * What every notification says about a job's state, whatever its kind: where the job is, what
 * happened, how long it took, why it failed, and links.
 *
 * @param id the idempotency id ({@link #idOf}), the same for every target and attempt
 * @param bucket the job's bucket
 * @param folder its folder
 * @param status its status as written when the notification was due
 * @param dashboardUrl the dashboard's address as users reach it, or null
 * @param statusFile the name of the status file ({@code status.json})
 */
public record JobMessage(String id, String bucket, String folder, JobStatus status, @Nullable String dashboardUrl,
    String statusFile) {

  /** The results a message lists (ODM's main products), when the job has them. */
  private static final List<String> MAIN_OUTPUTS = List.of("odm_orthophoto.tif", "dsm.tif", "dtm.tif",
      "odm_georeferenced_model.laz", "report.pdf", "odm_textured_model_geo.obj", "tileset.json");
  private static final int MAX_LISTED = 10;

  /**
   * The idempotency id of the message about {@code jobId} reaching {@code state}: the job id is
   * derived from bucket, folder and the manifest's version, so this is job + state + manifest
   * version, and a receiver drops a message whose id it has seen.
   */
  public static String idOf(String jobId, String state) {
    return "odmw_" + jobId + "_" + state;
  }

  public String state() {
    return status.state().wireName();
  }

  /** The job's name, or its folder when it has none. */
  public String title() {
    return status.name() != null && !status.name().isBlank() ? status.name() : folder;
  }

  /** Seconds from the job's creation to its end (or to now, while running). */
  public long durationSeconds() {
    Instant end = status.finishedAt() != null ? status.finishedAt() : status.updatedAt();
    return Math.max(0, Duration.between(status.createdAt(), end).toSeconds());
  }

  /** {@code 1 h 02 min}, {@code 4 min 05 s}, {@code 12 s}. */
  public String durationText() {
    long s = durationSeconds();
    if (s >= 3600) {
      return String.format("%d h %02d min", s / 3600, (s % 3600) / 60);
    }
    if (s >= 60) {
      return String.format("%d min %02d s", s / 60, s % 60);
    }
    return s + " s";
  }

  /** Why the job failed or was refused: its message and every reason, or empty when it did not. */
  public List<String> failureReasons() {
    List<String> reasons = new ArrayList<>();
    switch (status.state()) {
      case FAILED, CANCELED, INVALID -> {
        reasons.add(status.message());
        if (status.errors() != null) {
          reasons.addAll(status.errors());
        }
      }
      default -> { }
    }
    return reasons;
  }

  /** The job's main results as keys in the bucket (ODM's products; at most ten). */
  public List<String> mainOutputs() {
    if (status.outputs() == null) {
      return List.of();
    }
    List<String> main = status.outputs().stream()
        .filter(o -> MAIN_OUTPUTS.stream().anyMatch(o::endsWith))
        .limit(MAX_LISTED)
        .map(o -> folder + o)
        .toList();
    return main.isEmpty() ? status.outputs().stream().limit(MAX_LISTED).map(o -> folder + o).toList() : main;
  }

  /** {@code dashboard} (when configured), {@code status} and {@code folder}, in that order. */
  public Map<String, String> links() {
    Map<String, String> links = new LinkedHashMap<>();
    if (dashboardUrl != null && !dashboardUrl.isBlank()) {
      links.put("dashboard", dashboardUrl + "#job=" + URLEncoder.encode(bucket + "/" + folder, StandardCharsets.UTF_8));
    }
    links.put("status", "s3://" + bucket + "/" + folder + statusFile);
    links.put("folder", "s3://" + bucket + "/" + folder);
    return links;
  }

  /** One line for subjects and fallbacks: {@code ✔ farm-a/2026-12-06 succeeded (1 h 02 min)}. */
  public String headline() {
    String mark = switch (status.state()) {
      case SUCCEEDED -> "✅";
      case RUNNING -> "⏳";
      case CANCELED -> "⏹";
      default -> "❌";
    };
    return mark + " " + title() + " " + state() + " (" + durationText() + ")";
  }
}
