package org.odmwatcher.workflow;

import java.util.List;

/**
 * A job needs more than any configured node class offers (or a GPU where there is none): it would
 * stay Pending for ever, so it is {@code invalid} instead, with what it needs, what exists and what
 * would fit.
 */
public final class NoNodeFitsException extends RuntimeException {
  private final List<String> reasons;

  public NoNodeFitsException(List<String> reasons) {
    super(String.join("; ", reasons));
    this.reasons = List.copyOf(reasons);
  }

  /** One sentence per problem, for {@code status.json}'s {@code errors}. */
  public List<String> reasons() {
    return reasons;
  }
}
