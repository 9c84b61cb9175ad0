package org.odmwatcher.api;

/**
 * A request NodeODM would answer with HTTP 200 and {@code {"error": "…"}}; {@code noRetry} tells
 * upload clients (pyODM) that sending the same request again cannot help.
 */
public final class ApiException extends Exception {
  private final boolean noRetry;

  public ApiException(String message) {
    this(message, false);
  }

  public ApiException(String message, boolean noRetry) {
    super(message, null, false, false);
    this.noRetry = noRetry;
  }

  public boolean noRetry() {
    return noRetry;
  }
}
