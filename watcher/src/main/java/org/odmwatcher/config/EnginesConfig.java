package org.odmwatcher.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import java.util.List;

/**
 * The photogrammetry engines jobs may ask for ({@code watcher.engines.*}) and the image each runs
 * from: the operator's allowlist. A manifest names an engine ({@code "engine": "odx"}), never an
 * image. ODM's own images are {@code watcher.placement.odm-image} and {@code odm-gpu-image}.
 *
 * @param enabled the engines manifests may name; {@code odm} (the default engine) must be one
 * @param odxImage ODX's image (WebODM's fork, {@code webodm/odx})
 * @param odxGpuImage ODX's image for GPU jobs (ODX publishes a {@code gpu} tag)
 */
@ConfigurationProperties(EnginesConfig.PREFIX)
public record EnginesConfig(
    @Bindable(defaultValue = "odm") @NotEmpty List<String> enabled,
    @Bindable(defaultValue = "docker.io/webodm/odx:latest") @NotBlank String odxImage,
    @Bindable(defaultValue = "docker.io/webodm/odx:gpu") @NotBlank String odxGpuImage) {

  public static final String PREFIX = "watcher.engines";
}
