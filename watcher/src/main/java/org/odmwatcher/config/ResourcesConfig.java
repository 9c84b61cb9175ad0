package org.odmwatcher.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.NotBlank;

/**
 * What a job may ask for its ODM step ({@code "resources"} in {@code odm.json}) and how much more
 * memory a job killed for memory gets ({@code watcher.resources.*}).
 *
 * @param maxMemory the most memory a job may ask for (a Kubernetes quantity: the largest node
 *     class's allocatable memory); more is lowered to this
 * @param maxCpu the most CPU a job may ask for; more is lowered to this
 * @param oomStepUp after an out-of-memory kill, the resume hint (and the automatic step-up) asks
 *     for this many times the memory the job had, up to {@code max-memory}
 * @param autoStepUp whether a resumed job whose earlier run was killed for memory gets the
 *     stepped-up memory without asking for it in {@code resources}
 */
@ConfigurationProperties(ResourcesConfig.PREFIX)
public record ResourcesConfig(
    @Bindable(defaultValue = "256Gi") @NotBlank String maxMemory,
    @Bindable(defaultValue = "32") @NotBlank String maxCpu,
    @Bindable(defaultValue = "2") @DecimalMin("1.0") double oomStepUp,
    @Bindable(defaultValue = "false") boolean autoStepUp) {

  public static final String PREFIX = "watcher.resources";

  public static ResourcesConfig defaults() {
    return new ResourcesConfig("256Gi", "32", 2, false);
  }
}
