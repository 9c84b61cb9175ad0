package org.odmwatcher.event.sqs;

import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Deletes handled messages in batches of up to ten ({@code DeleteMessageBatch}): a busy queue
 * costs a tenth of the delete calls. A batch leaves when it is full or when the oldest waiting
 * acknowledgement is {@code window} old. A delete that fails is only logged: the message comes back
 * after its visibility timeout and is handled again, idempotently.
 */
final class SqsAcknowledger implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SqsAcknowledger.class);
  private static final int MAX_BATCH = 10; // SQS's limit
  private static final Message STOP = Message.builder().messageId("stop").build();

  private final SqsClient sqs;
  private final String queueUrl;
  private final Duration window;
  private final Timer lag;
  private final BlockingQueue<Message> pending = new LinkedBlockingQueue<>();
  private final Thread flusher;

  SqsAcknowledger(SqsClient sqs, String queueUrl, Duration window, Timer lag) {
    this.sqs = sqs;
    this.queueUrl = queueUrl;
    this.window = window;
    this.lag = lag;
    this.flusher = new Thread(this::run, "sqs-acknowledger");
    flusher.setDaemon(true);
    flusher.start();
  }

  /** Queues a handled message for deletion. */
  void acknowledge(Message message) {
    pending.add(message);
  }

  private void run() {
    boolean stopping = false;
    while (!stopping) {
      List<Message> batch = new ArrayList<>(MAX_BATCH);
      try {
        Message first = pending.take();
        if (first == STOP) {
          stopping = true;
        } else {
          batch.add(first);
        }
        long deadline = System.nanoTime() + window.toNanos();
        while (!stopping && batch.size() < MAX_BATCH) {
          Message next = pending.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
          if (next == null) {
            break;
          }
          if (next == STOP) {
            stopping = true;
          } else {
            batch.add(next);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        stopping = true;
      }
      if (stopping) {
        pending.drainTo(batch);
        batch.remove(STOP);
      }
      for (int i = 0; i < batch.size(); i += MAX_BATCH) {
        delete(batch.subList(i, Math.min(batch.size(), i + MAX_BATCH)));
      }
    }
  }

  private void delete(List<Message> batch) {
    if (batch.isEmpty()) {
      return;
    }
    List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      entries.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(i)).receiptHandle(batch.get(i).receiptHandle()).build());
    }
    try {
      DeleteMessageBatchResponse response = sqs.deleteMessageBatch(b -> b.queueUrl(queueUrl).entries(entries));
      Map<String, Message> byId =
          entries.stream().collect(Collectors.toMap(DeleteMessageBatchRequestEntry::id, e -> batch.get(Integer.parseInt(e.id()))));
      response.failed().forEach(f -> LOG.warn("message {}: delete failed ({} {}); it will be redelivered and handled again",
          byId.get(f.id()).messageId(), f.code(), f.message()));
      response.successful().forEach(s -> SqsPoller.recordLag(lag, byId.get(s.id())));
    } catch (SdkException e) {
      LOG.warn("deleting {} messages failed ({}); they will be redelivered and handled again", batch.size(), e.getMessage());
    }
  }

  /** Deletes everything still queued, then stops. */
  @Override
  public void close() {
    pending.add(STOP);
    try {
      flusher.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
