package org.odmwatcher.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;

/**
 * How long a job's workspace (ODM's project: the Argo workspace volume, local mode's work folder)
 * outlives the job ({@code watcher.workspace.*}), so that a failed run can be resumed where it
 * stopped ({@code "resume": true} in a new {@code odm.json}): ODM skips the stages whose products
 * are already there. A kept workspace is removed when it expires, when its folder's
 * {@code odm.json} is deleted, or when a newer run of the folder does not resume on it.
 *
 * @param keepFailed how long a failed job's workspace is kept ({@code 0s}: not kept)
 * @param keepSucceeded how long a succeeded job's workspace is kept ({@code 0s}: not kept)
 * @param sweepInterval how often kept workspaces are checked for removal
 * @param settleLimit how long the NodeODM API may go on reporting a failed Argo job as running
 *     while its workspace is being kept (the keeper records it right after the failure), so that a
 *     client that sees FAILED can restart it with {@code rerun-from} at once and resume there
 */
@ConfigurationProperties(WorkspaceConfig.PREFIX)
public record WorkspaceConfig(
    @Bindable(defaultValue = "72h") @NotNull Duration keepFailed,
    @Bindable(defaultValue = "0s") @NotNull Duration keepSucceeded,
    @Bindable(defaultValue = "10m") @NotNull Duration sweepInterval,
    @Bindable(defaultValue = "30s") @NotNull Duration settleLimit) {

  public static final String PREFIX = "watcher.workspace";

  /** Nothing kept (tests and callers that predate kept workspaces). */
  public static WorkspaceConfig off() {
    return new WorkspaceConfig(Duration.ZERO, Duration.ZERO, Duration.ofMinutes(10), Duration.ofSeconds(30));
  }

  /**
   * The template's {@code keep-workspace-on}: a regular expression over Argo's final Workflow
   * status ({@code Succeeded}, {@code Failed}, {@code Error}).
   */
  public String keepOnPattern() {
    boolean failed = !keepFailed.isZero() && !keepFailed.isNegative();
    boolean succeeded = !keepSucceeded.isZero() && !keepSucceeded.isNegative();
    if (failed && succeeded) {
      return "^(Succeeded|Failed|Error)$";
    }
    return failed ? "^(Failed|Error)$" : succeeded ? "^Succeeded$" : "^$";
  }
}
