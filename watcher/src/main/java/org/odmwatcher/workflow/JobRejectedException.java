package org.odmwatcher.workflow;

/**
 * The executor refused a job for good: sending the same job again would be refused again (for
 * Argo, the API server's 400 Bad Request, 413 or 422 Invalid about the Workflow object itself). The
 * job ends {@code failed} with {@link #reason()}; the event is acknowledged, not retried.
 */
public final class JobRejectedException extends Exception {
  private final String reason;

  public JobRejectedException(String reason, Throwable cause) {
    super(reason, cause);
    this.reason = reason;
  }

  /** What the executor said, for {@code status.json}. */
  public String reason() {
    return reason;
  }
}
