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

  /**
   * Whether a job in this state may be recorded as {@code next}: forward in {@link #rank()}, or
   * from {@code failed} to {@code canceled}. The one sideways move exists because Argo reports a
   * Workflow stopped on request ({@code spec.shutdown: Stop}) as {@code Failed}, and its exit
   * handler ({@code job-finished --phase Failed}) may record that before the watcher, which asked
   * for the stop, records the cancel.
   */
  public boolean canMoveTo(JobState next) {
    return next == this || next.rank > rank || (this == FAILED && next == CANCELED);
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
