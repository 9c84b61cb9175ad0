package org.odmwatcher.workflow;

/**
 * The executor refused a job for good: sending the same job again would be refused again (for
 * Argo, the API server's 400 Bad Request, 413 or 422 Invalid about the Workflow object itself). The
 * job ends {@code failed} with {@link #reason()}; the event is acknowledged, not retried.
 */
public final class JobRejectedException extends Exception {
  private final String reason;
  private final java.util.List<String> invalidReasons;

  public JobRejectedException(String reason, Throwable cause) {
    super(reason, cause);
    this.reason = reason;
    this.invalidReasons = java.util.List.of();
  }

  /** The job itself cannot run here (no node class can hold it): {@code invalid}, with every reason. */
  public JobRejectedException(NoNodeFitsException cause) {
    super(cause.getMessage(), cause);
    this.reason = cause.getMessage();
    this.invalidReasons = cause.reasons();
  }

  /** Whether the job is {@code invalid} (its own needs, not the executor's refusal). */
  public boolean invalid() {
    return !invalidReasons.isEmpty();
  }

  /** Why it is invalid, one sentence each; empty when it is not. */
  public java.util.List<String> invalidReasons() {
    return invalidReasons;
  }

  /** What the executor said, for {@code status.json}. */
  public String reason() {
    return reason;
  }
}
