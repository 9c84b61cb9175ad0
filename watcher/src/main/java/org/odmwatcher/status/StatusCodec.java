package org.odmwatcher.status;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * Reads and writes {@code status.json}. Owns its own mapper so that the file's format (ISO-8601
 * UTC times, no nulls, pretty-printed for humans opening it in a console) never depends on the
 * application's global JSON settings.
 */
public final class StatusCodec {
  private final JsonMapper mapper =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .build();

  public byte[] encode(JobStatus status) {
    try {
      return mapper.writeValueAsBytes(status);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Decodes a status; empty when the bytes are not a status this version understands. */
  public Optional<JobStatus> decode(byte[] bytes) {
    try {
      JobStatus status = mapper.readValue(bytes, JobStatus.class);
      return status.jobId() == null || status.state() == null ? Optional.empty() : Optional.of(status);
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
