package org.odmwatcher.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class BackoffCalculatorTest {
  private static final RetryPolicy POLICY = new RetryPolicy(Duration.ofSeconds(10), 2.0, Duration.ofMinutes(15), 0.2);

  /** A random that always returns the same value, to pin jitter. */
  private static RandomGenerator fixed(double value) {
    return new RandomGenerator() {
      @Override
      public long nextLong() {
        return 0;
      }

      @Override
      public double nextDouble() {
        return value;
      }
    };
  }

  @Test
  void growsExponentiallyFromTheReceiveCountUpToTheCap() {
    BackoffCalculator noJitter = new BackoffCalculator(POLICY, fixed(0.0));
    assertThat(noJitter.delayAfter(1)).isEqualTo(Duration.ofSeconds(10));
    assertThat(noJitter.delayAfter(2)).isEqualTo(Duration.ofSeconds(20));
    assertThat(noJitter.delayAfter(4)).isEqualTo(Duration.ofSeconds(80));
    assertThat(noJitter.delayAfter(7)).isEqualTo(Duration.ofSeconds(640));
    assertThat(noJitter.delayAfter(8)).isEqualTo(Duration.ofMinutes(15));
    assertThat(noJitter.delayAfter(1000)).isEqualTo(Duration.ofMinutes(15));
  }

  @Test
  void jitterOnlyShortensAndIsBounded() {
    BackoffCalculator fullJitter = new BackoffCalculator(POLICY, fixed(1.0));
    assertThat(fullJitter.delayAfter(1)).isEqualTo(Duration.ofSeconds(8));
    assertThat(fullJitter.delayAfter(100)).isEqualTo(Duration.ofMinutes(12));
  }

  @Test
  void treatsNonsenseAttemptNumbersAsTheFirst() {
    assertThat(new BackoffCalculator(POLICY, fixed(0)).delayAfter(0)).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void rejectsBadPolicies() {
    assertThatThrownBy(() -> new RetryPolicy(Duration.ZERO, 2, Duration.ofSeconds(1), 0)).hasMessageContaining("positive");
    assertThatThrownBy(() -> new RetryPolicy(Duration.ofSeconds(5), 2, Duration.ofSeconds(1), 0)).hasMessageContaining("below");
    assertThatThrownBy(() -> new RetryPolicy(Duration.ofSeconds(1), 0.5, Duration.ofSeconds(1), 0)).hasMessageContaining("multiplier");
    assertThatThrownBy(() -> new RetryPolicy(Duration.ofSeconds(1), 2, Duration.ofSeconds(1), 1.5)).hasMessageContaining("jitter");
  }
}
