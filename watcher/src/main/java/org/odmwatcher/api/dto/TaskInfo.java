package org.odmwatcher.api.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.core.annotation.Nullable;
import java.util.List;

/**
 * NodeODM's {@code TaskInfo} ({@code GET /task/:uuid/info}), field for field.
 *
 * @param uuid the task
 * @param name its name
 * @param dateCreated milliseconds since the epoch
 * @param processingTime milliseconds spent processing, -1 before processing started
 * @param status code and, when failed, the reason
 * @param options {@code [{"name", "value"}]}
 * @param imagesCount images in the task
 * @param progress 0..100
 * @param output log lines, only when {@code with_output} was asked
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TaskInfo(
    String uuid,
    String name,
    long dateCreated,
    long processingTime,
    Status status,
    JsonNode options,
    int imagesCount,
    int progress,
    @Nullable List<String> output) {

  public static final int QUEUED = 10;
  public static final int RUNNING = 20;
  public static final int FAILED = 30;
  public static final int COMPLETED = 40;
  public static final int CANCELED = 50;

  /** {@code {"code": 10..50, "errorMessage": "…"}}; errorMessage only when failed. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Status(int code, @Nullable String errorMessage) {}

  public TaskInfo withOutput(List<String> lines) {
    return new TaskInfo(uuid, name, dateCreated, processingTime, status, options, imagesCount,
        progress, List.copyOf(lines));
  }

  public boolean isFinal() {
    return status.code() == FAILED || status.code() == COMPLETED || status.code() == CANCELED;
  }
}
