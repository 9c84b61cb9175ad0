package org.odmwatcher.storage;

/**
 * The store answered in a way that will not change however often the call is repeated (400 for
 * a malformed request, 414 for a key too long): retrying is pointless, unlike a {@link
 * org.odmwatcher.retry.TransientFailureException}. Unchecked, so the callers that can give a
 * verdict (the pipeline: {@code REFUSED}) catch it, and the others fail as for any bug.
 */
public class PermanentFailureException extends RuntimeException {
  public PermanentFailureException(String message, Throwable cause) {
    super(message, cause);
  }
}
