package org.odmwatcher.dashboard;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import java.time.Instant;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.StatusIndex;

/**
 * One line of the job list, as {@code /jobs} and the summary object ({@code index.json}) carry it:
 * where the job is plus the status fields a list shows. The job view reads the whole {@code
 * status.json}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobRow(
    String bucket,
    String folder,
    String jobId,
    @Nullable String name,
    String state,
    String message,
    @Nullable String stage,
    @Nullable Integer progress,
    @Nullable Integer images,
    @Nullable Integer expectedImages,
    @Nullable String engine,
    @Nullable String workflow,
    Instant createdAt,
    Instant updatedAt,
    @Nullable Instant finishedAt,
    @Nullable Integer errors) {

  static JobRow of(StatusIndex.Row row) {
    JobStatus s = row.status();
    return new JobRow(
        row.bucket(), row.folder(), s.jobId(), s.name(), s.state().wireName(), s.message(), s.stage(),
        s.progress(), s.images(), s.expectedImages(), s.engine(),
        s.workflow() == null ? null : s.workflow().name(), s.createdAt(), s.updatedAt(), s.finishedAt(),
        s.errors() == null ? null : s.errors().size());
  }
}
