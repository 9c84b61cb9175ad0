package org.odmwatcher.event;

import org.odmwatcher.retry.TransientFailureException;

/**
 * The one dispatch interface every event source calls. Implementations are idempotent: the same
 * object may be announced any number of times (at-least-once delivery), and the result is the same
 * as announcing it once.
 */
@FunctionalInterface
public interface ObjectCreatedHandler {

  /**
   * Handles one object. Returns normally when the object is dealt with for good (the source may
   * acknowledge it); throws {@link TransientFailureException} when it must be offered again later.
   *
   * @return what happened, for logs and metrics
   */
  Outcome handle(ObjectCreated object) throws TransientFailureException;

  /** What handling an object ended in. All of them are final: the event may be acknowledged. */
  enum Outcome {
    /** Filtered out: not a manifest, or the watcher's own write. */
    IGNORED,
    /** A Workflow was created for this manifest version. */
    SUBMITTED,
    /** The Workflow for this manifest version existed already (a redelivery or duplicate). */
    ALREADY_SUBMITTED,
    /** The folder has fewer images than the manifest expects; recorded as waiting. */
    WAITING,
    /** The manifest is broken; recorded as invalid with the reasons. */
    INVALID,
    /** The manifest is gone (deleted after the event was sent). */
    GONE,
    /** The manifest asked to cancel the folder's running job. */
    CANCELED,
    /** The executor refused the job for good; recorded as failed with its reason. */
    REJECTED,
    /**
     * The key can never be handled: it would resolve to another object in some stores (an empty,
     * {@code .} or {@code ..} segment), or the store refuses it for good (too long, malformed).
     * Logged; nothing is read or written for it, not even a status.
     */
    REFUSED
  }
}
