package org.odmwatcher.retry;

/**
 * A failure that may go away by itself (storage or Kubernetes unreachable, 5xx, throttling). The
 * event must not be acknowledged; its source offers it again later.
 */
public class TransientFailureException extends Exception {
  public TransientFailureException(String message, Throwable cause) {
    super(message, cause);
  }

  public TransientFailureException(String message) {
    super(message);
  }
}
