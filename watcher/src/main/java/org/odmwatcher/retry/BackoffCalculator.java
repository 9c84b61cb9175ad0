package org.odmwatcher.retry;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/** Turns a {@link RetryPolicy} and an attempt number into a delay. Random is injectable. */
public final class BackoffCalculator {
  private final RetryPolicy policy;
  private final RandomGenerator random;

  public BackoffCalculator(RetryPolicy policy, RandomGenerator random) {
    this.policy = Objects.requireNonNull(policy);
    this.random = Objects.requireNonNull(random);
  }

  /**
   * The delay before attempt {@code attempt + 1}, given that {@code attempt} (1-based, e.g. SQS's
   * ApproximateReceiveCount) failed.
   */
  public Duration delayAfter(int attempt) {
    int n = Math.max(1, attempt);
    double maxMillis = policy.max().toMillis();
    double base = policy.initial().toMillis() * Math.pow(policy.multiplier(), n - 1);
    double capped = Math.min(base, maxMillis);
    double jittered = capped * (1.0 - policy.jitter() * random.nextDouble());
    return Duration.ofMillis(Math.round(jittered));
  }
}
