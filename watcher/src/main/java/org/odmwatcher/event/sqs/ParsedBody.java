package org.odmwatcher.event.sqs;

import java.util.List;
import org.odmwatcher.event.ObjectCreated;

/** What a message body turned out to be. Parsing never does I/O and never throws. */
public sealed interface ParsedBody {

  /** A notification with object-created records ({@code ignored} counts the other records). */
  record Notification(List<ObjectCreated> created, int ignored) implements ParsedBody {
    public Notification {
      created = List.copyOf(created);
    }
  }

  /**
   * A message that is acknowledged without work: {@code s3:TestEvent}, an SNS subscription
   * confirmation. {@code description} says what it was, for the log.
   */
  record Control(String description) implements ParsedBody {}

  /** Not something the watcher understands. Never acknowledged: the DLQ keeps it. */
  record Unparseable(String reason) implements ParsedBody {}
}
