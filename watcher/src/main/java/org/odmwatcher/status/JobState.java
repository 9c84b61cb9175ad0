package org.odmwatcher.status;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * A job's state as {@code status.json} shows it. States only move forward in {@link #rank()}: a
 * late or duplicated update can never take a job back (e.g. {@code succeeded} to {@code running}).
 */
public enum JobState {
  WAITING(0),
  SUBMITTED(1),
  RUNNING(2),
  SUCCEEDED(3),
  FAILED(3),
  CANCELED(3),
  INVALID(3);

  private final int rank;

  JobState(int rank) {
    this.rank = rank;
  }

  public int rank() {
    return rank;
  }

  public boolean isFinal() {
    return rank == 3;
  }

  @JsonValue
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static JobState fromWire(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
