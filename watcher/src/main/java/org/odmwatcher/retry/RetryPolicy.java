package org.odmwatcher.retry;

import java.time.Duration;
import java.util.Objects;

/**
 * An immutable exponential backoff policy: the n-th attempt waits {@code initial *
 * multiplier^(n-1)}, never more than {@code max}, and up to {@code jitter} of that is taken away at
 * random so that many failing messages do not come back at the same instant.
 */
public record RetryPolicy(Duration initial, double multiplier, Duration max, double jitter) {

  public RetryPolicy {
    Objects.requireNonNull(initial, "initial");
    Objects.requireNonNull(max, "max");
    if (initial.isNegative() || initial.isZero()) {
      throw new IllegalArgumentException("initial backoff must be positive, was " + initial);
    }
    if (max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("max backoff " + max + " is below initial " + initial);
    }
    if (multiplier < 1.0) {
      throw new IllegalArgumentException("multiplier must be >= 1, was " + multiplier);
    }
    if (jitter < 0.0 || jitter > 1.0) {
      throw new IllegalArgumentException("jitter must be within 0..1, was " + jitter);
    }
  }
}
