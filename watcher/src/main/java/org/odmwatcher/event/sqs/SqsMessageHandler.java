package org.odmwatcher.event.sqs;

import java.time.Duration;
import org.odmwatcher.event.ObjectCreated;
import org.odmwatcher.event.ObjectCreatedHandler;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.retry.BackoffCalculator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides the fate of one SQS message: parse the body, hand every record to the pipeline, then
 * delete it (all records handled), or hide it for a backoff grown from its receive count (a
 * transient failure: SQS redelivers it), or keep it for the dead-letter queue (unparseable).
 */
public final class SqsMessageHandler {
  private static final Logger LOG = LoggerFactory.getLogger(SqsMessageHandler.class);

  private final SqsBodyParser parser;
  private final ObjectCreatedHandler handler;
  private final BackoffCalculator backoff;

  public SqsMessageHandler(SqsBodyParser parser, ObjectCreatedHandler handler, BackoffCalculator backoff) {
    this.parser = parser;
    this.handler = handler;
    this.backoff = backoff;
  }

  /** What to do with a message. */
  public sealed interface Decision {
    /** Every record was handled: delete the message. */
    record Delete() implements Decision {}

    /** Leave it; make it visible again after {@code delay}. */
    record RetryLater(Duration delay, String reason) implements Decision {}
  }

  public Decision handle(String messageId, String body, int receiveCount) {
    ParsedBody parsed;
    try {
      parsed = parser.parse(body);
    } catch (RuntimeException e) {
      // Parsers must not throw; if one does, the message is still only left for the DLQ.
      LOG.error("message {}: the parser failed; left for the dead-letter queue (receive {})", messageId, receiveCount, e);
      parsed = new ParsedBody.Unparseable("parser failure: " + e);
    }
    if (parsed instanceof ParsedBody.Control control) {
      LOG.info("message {}: {}; acknowledged", messageId, control.description());
      return new Decision.Delete();
    }
    if (parsed instanceof ParsedBody.Unparseable bad) {
      // Never deleted: the queue's redrive policy moves it to the DLQ after maxReceiveCount.
      LOG.warn("message {} cannot be parsed ({}); left for the dead-letter queue (receive {})",
          messageId, bad.reason(), receiveCount);
      return new Decision.RetryLater(backoff.delayAfter(receiveCount), bad.reason());
    }
    return dispatch(messageId, (ParsedBody.Notification) parsed, receiveCount);
  }

  private Decision dispatch(String messageId, ParsedBody.Notification notification, int receiveCount) {
    for (ObjectCreated object : notification.created()) {
      try {
        ObjectCreatedHandler.Outcome outcome = handler.handle(object);
        if (outcome != ObjectCreatedHandler.Outcome.IGNORED) {
          LOG.info("message {}: s3://{}/{} → {}", messageId, object.bucket(), object.key(), outcome);
        }
      } catch (TransientFailureException e) {
        Duration delay = backoff.delayAfter(receiveCount);
        LOG.warn("message {}: s3://{}/{} failed transiently ({}); retry in {} s (receive {})",
            messageId, object.bucket(), object.key(), e.getMessage(), delay.toSeconds(), receiveCount);
        return new Decision.RetryLater(delay, e.getMessage());
      } catch (RuntimeException e) {
        // A bug must not lose the event: keep it, and let the DLQ hold it if it keeps failing.
        Duration delay = backoff.delayAfter(receiveCount);
        LOG.error("message {}: unexpected failure on s3://{}/{}; retry in {} s",
            messageId, object.bucket(), object.key(), delay.toSeconds(), e);
        return new Decision.RetryLater(delay, e.toString());
      }
    }
    return new Decision.Delete();
  }
}
