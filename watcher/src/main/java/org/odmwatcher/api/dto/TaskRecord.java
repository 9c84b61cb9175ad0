package org.odmwatcher.api.dto;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.core.annotation.Nullable;
import java.util.List;

/**
 * {@code task.json}: what {@code /task/new/init} was told, kept in the task's folder so that any
 * replica can answer for the task. The folder itself is the task; there is no database.
 *
 * @param uuid the task's uuid (also its folder name)
 * @param name the name given at init, or NodeODM's default {@code "Task of <ISO date>"}
 * @param options options in NodeODM's list form {@code [{"name", "value"}]}, validated
 * @param webhook URL to POST the task info to when it ends, if any
 * @param outputs NodeODM {@code outputs}: paths relative to the results that {@code all.zip}
 *     holds; empty means everything
 * @param skipPostProcessing as given (stored; ODM on the cluster decides its own post-processing)
 * @param dateCreated milliseconds since the epoch
 * @param generation how many times the task was (re)started; part of the manifest's bytes so a
 *     restart is a new manifest version, hence a new job
 * @param notifiedJobId the job whose end was already delivered to the webhook
 * @param parentJob the split-merge job whose ODM created this task (its {@code sm-cluster} token),
 *     or null for a task of an ordinary API client
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record TaskRecord(
    String uuid,
    String name,
    JsonNode options,
    @Nullable String webhook,
    List<String> outputs,
    boolean skipPostProcessing,
    long dateCreated,
    int generation,
    @Nullable String notifiedJobId,
    @Nullable String parentJob) {

  @com.fasterxml.jackson.annotation.JsonCreator
  public TaskRecord {}

  public TaskRecord(String uuid, String name, JsonNode options, @Nullable String webhook, List<String> outputs,
      boolean skipPostProcessing, long dateCreated, int generation, @Nullable String notifiedJobId) {
    this(uuid, name, options, webhook, outputs, skipPostProcessing, dateCreated, generation, notifiedJobId, null);
  }

  public TaskRecord withOptions(JsonNode value) {
    return new TaskRecord(uuid, name, value, webhook, outputs, skipPostProcessing, dateCreated,
        generation, notifiedJobId, parentJob);
  }

  public TaskRecord restarted(long now) {
    return new TaskRecord(uuid, name, options, webhook, outputs, skipPostProcessing, now,
        generation + 1, null, parentJob);
  }

  public TaskRecord notified(String jobId) {
    return new TaskRecord(uuid, name, options, webhook, outputs, skipPostProcessing, dateCreated,
        generation, jobId, parentJob);
  }
}
