package org.odmwatcher.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;

/**
 * Where each step of a job runs and with what ({@code watcher.placement.*}), set once by the
 * operator; the node classes themselves are {@link NodeClassConfig} ({@code
 * watcher.placement.node-classes.<name>.*}). With no node class configured nothing is placed and
 * nothing is capped: the ODM step only gets its sizing, as before.
 *
 * @param swapRatio swap per byte of RAM on the nodes (0: no swap); the ODM step then requests
 *     {@code peak / (1 + swapRatio)} of memory (ScaleODM's decision 0003, production value 1.0)
 * @param onDemandAboveImages from this many images the ODM step runs on on-demand capacity with
 *     {@code karpenter.sh/do-not-disrupt} (ScaleODM's {@code onDemandImageThreshold}, 5000)
 * @param transfersOnSpot whether download, seed and upload may run on spot nodes (cheap; they are
 *     retried, and each is idempotent)
 * @param odmImage ODM's image for the ODM step
 * @param odmGpuImage ODM's GPU image (OpenDroneMap publishes {@code <version>-gpu}), for GPU jobs
 * @param unschedulableAfter how long a step's pod may stay Pending as unschedulable before
 *     {@code status.json} says so (the scheduler's own reason) and the dashboard shows a hint;
 *     an autoscaler usually brings a node in a few minutes
 */
@ConfigurationProperties(PlacementConfig.PREFIX)
public record PlacementConfig(
    @Bindable(defaultValue = "0") @DecimalMin("0") double swapRatio,
    @Bindable(defaultValue = "5000") @Min(1) int onDemandAboveImages,
    @Bindable(defaultValue = "true") boolean transfersOnSpot,
    @Bindable(defaultValue = "docker.io/opendronemap/odm:3.6.0") @NotBlank String odmImage,
    @Bindable(defaultValue = "docker.io/opendronemap/odm:3.6.0-gpu") @NotBlank String odmGpuImage,
    @Bindable(defaultValue = "10m") @NotNull Duration unschedulableAfter) {

  public static final String PREFIX = "watcher.placement";

  public PlacementConfig {
    if (swapRatio < 0 || Double.isNaN(swapRatio)) {
      throw new IllegalArgumentException(PREFIX + ".swap-ratio must be 0 or more, found " + swapRatio);
    }
    if (unschedulableAfter == null || unschedulableAfter.isNegative()) {
      throw new IllegalArgumentException(PREFIX + ".unschedulable-after must be a positive duration");
    }
  }

  /** The defaults: no swap, on-demand from 5000 images, transfers on spot, ODM 3.6.0's images, 10 minutes. */
  public static PlacementConfig defaults() {
    return new PlacementConfig(0, 5000, true, "docker.io/opendronemap/odm:3.6.0",
        "docker.io/opendronemap/odm:3.6.0-gpu", Duration.ofMinutes(10));
  }
}
