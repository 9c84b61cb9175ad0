package org.odmwatcher.api.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;

/**
 * NodeODM's {@code GET /info}. {@code maxImages} is {@code null} when there is no limit, and is
 * written as {@code null} (clients read the key).
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record NodeInfo(
    String version,
    int taskQueueCount,
    long totalMemory,
    long availableMemory,
    int cpuCores,
    @Nullable Integer maxImages,
    int maxParallelTasks,
    String engineVersion,
    String engine) {}
