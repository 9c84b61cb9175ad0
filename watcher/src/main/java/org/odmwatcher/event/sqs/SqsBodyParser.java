package org.odmwatcher.event.sqs;

/** Turns an SQS message body into a {@link ParsedBody}. Implementations do no I/O. */
@FunctionalInterface
public interface SqsBodyParser {
  ParsedBody parse(String body);
}
