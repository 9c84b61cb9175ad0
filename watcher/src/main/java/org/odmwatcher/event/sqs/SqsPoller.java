package org.odmwatcher.event.sqs;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.odmwatcher.config.SqsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Long-polls the queue and hands each message to a bounded pool of workers. Besides the messages
 * being handled, at most one batch ({@code min(maxMessages, concurrency)}) waits locally for a
 * worker: under a backlog the next receive is made while the workers are busy and asks for a full
 * batch, so a backlog costs one ReceiveMessage per ten messages (not one per freed worker), and a
 * waiting message is started within about one handling time, well inside its visibility timeout.
 * With no backlog a receive asks for whatever is free and returns as soon as a message arrives.
 * Shutdown stops polling, lets in-flight messages finish for a grace period (messages not yet
 * started are released at once) and makes the rest visible again.
 */
public final class SqsPoller implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SqsPoller.class);
  private static final int MAX_VISIBILITY_SECONDS = 12 * 60 * 60; // SQS's limit

  private final SqsClient sqs;
  private final SqsConfig config;
  private final SqsMessageHandler handler;
  private final Semaphore free;
  private final int batch;
  /** Messages received and not yet started by a worker. */
  private final AtomicInteger waiting = new AtomicInteger();
  private final ExecutorService workers;
  private final Map<String, Message> inFlight = new ConcurrentHashMap<>();
  private final AtomicInteger threadCount = new AtomicInteger();
  private final Timer acknowledged;
  private final Timer retried;
  private final Timer handling;
  private final DistributionSummary received;
  private final SqsAcknowledger acknowledger;
  private volatile boolean running;
  private Thread pollThread;

  /**
   * @param metrics where the lag from a message being sent to it being settled is recorded, as
   *     {@code odm.watcher.sqs.lag} tagged {@code result=acknowledged|retry}: the end-to-end delay
   *     a pilot sees between upload and Workflow
   */
  public SqsPoller(SqsClient sqs, SqsConfig config, SqsMessageHandler handler, MeterRegistry metrics) {
    this.sqs = sqs;
    this.config = config;
    this.handler = handler;
    this.acknowledged = lagTimer(metrics, "acknowledged");
    this.retried = lagTimer(metrics, "retry");
    this.handling =
        Timer.builder("odm.watcher.sqs.handling")
            .description("time from a message being received to it being settled (handled and acknowledged or retried)")
            .publishPercentiles(0.5, 0.95, 0.99)
            .register(metrics);
    this.received =
        DistributionSummary.builder("odm.watcher.sqs.received")
            .description("messages per ReceiveMessage call (its count is the number of calls; 10 is SQS's most)")
            .register(metrics);
    this.acknowledger = new SqsAcknowledger(sqs, config.queueUrl(), config.batchWindow(), acknowledged);
    this.batch = Math.min(config.maxMessages(), config.concurrency());
    this.free = new Semaphore(config.concurrency() + batch);
    this.workers =
        Executors.newFixedThreadPool(
            config.concurrency(),
            r -> {
              Thread t = new Thread(r, "sqs-worker-" + threadCount.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  public synchronized void start() {
    if (running) {
      return;
    }
    running = true;
    pollThread = new Thread(this::pollLoop, "sqs-poller");
    pollThread.setDaemon(true);
    pollThread.start();
    LOG.info("polling {} (wait {} s, batch {}, {} workers)", config.queueUrl(),
        config.waitTime().toSeconds(), config.maxMessages(), config.concurrency());
  }

  private void pollLoop() {
    int failures = 0;
    while (running) {
      int wanted = 0;
      try {
        free.acquire();
        wanted = 1;
        wanted += gatherUpTo(batch - 1);
        List<Message> messages = receive(wanted);
        received.record(messages.size());
        free.release(wanted - messages.size());
        wanted = 0;
        failures = 0;
        for (Message message : messages) {
          if (!running) {
            release(message);
            free.release();
            continue;
          }
          inFlight.put(message.messageId(), message);
          waiting.incrementAndGet();
          workers.execute(() -> process(message));
        }
      } catch (InterruptedException e) {
        free.release(wanted);
        Thread.currentThread().interrupt();
        return;
      } catch (SdkException e) {
        free.release(wanted);
        if (!running) {
          return; // shutdown interrupted the long poll
        }
        failures++;
        long pause = Math.min(30_000L, 500L << Math.min(failures, 6));
        LOG.warn("receive from {} failed ({}); polling again in {} ms", config.queueUrl(), e.getMessage(), pause);
        if (!pauseFor(pause)) {
          return;
        }
      }
    }
  }

  /**
   * Takes up to {@code max} more free places: while messages wait locally for a worker (a backlog),
   * as many as it takes to fill a batch, for as long as some still wait (the workers stay busy
   * meanwhile); otherwise those free now, and those freed within the batch window. Workers free up
   * one at a time; without this each receive would fetch a single message, one SQS call per
   * message.
   */
  private int gatherUpTo(int max) throws InterruptedException {
    int got = 0;
    while (got < max && running && waiting.get() > 0) {
      if (free.tryAcquire(5, TimeUnit.MILLISECONDS)) {
        got++;
      }
    }
    while (got < max && free.tryAcquire()) {
      got++;
    }
    if (got == 0 && max > 0 && config.concurrency() > 1) {
      long deadline = System.nanoTime() + config.batchWindow().toNanos();
      long left;
      while (got < max && (left = deadline - System.nanoTime()) > 0
          && free.tryAcquire(left, java.util.concurrent.TimeUnit.NANOSECONDS)) {
        got++;
      }
    }
    return got;
  }

  private List<Message> receive(int count) {
    return sqs.receiveMessage(
            b ->
                b.queueUrl(config.queueUrl())
                    .maxNumberOfMessages(count)
                    .waitTimeSeconds((int) Math.min(20, config.waitTime().toSeconds()))
                    .visibilityTimeout((int) config.visibilityTimeout().toSeconds())
                    .messageSystemAttributeNames(
                        MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, MessageSystemAttributeName.SENT_TIMESTAMP))
        .messages();
  }

  private void process(Message message) {
    waiting.decrementAndGet();
    if (!running) {
      // received, never started: visible again now, not after the visibility timeout
      if (inFlight.remove(message.messageId()) != null) {
        release(message);
      }
      free.release();
      return;
    }
    long start = System.nanoTime();
    try {
      int receiveCount = receiveCount(message);
      SqsMessageHandler.Decision decision = handler.handle(message.messageId(), message.body(), receiveCount);
      if (inFlight.remove(message.messageId()) == null) {
        return; // released by shutdown meanwhile; SQS will redeliver it
      }
      if (decision instanceof SqsMessageHandler.Decision.RetryLater retry) {
        changeVisibility(message, retry.delay());
        recordLag(retried, message);
      } else {
        acknowledger.acknowledge(message);
      }
    } catch (SdkException e) {
      // Delete/visibility failed: the message comes back after its visibility timeout and is
      // handled again, idempotently.
      LOG.warn("message {}: acknowledging failed ({}); it will be redelivered", message.messageId(), e.getMessage());
    } finally {
      inFlight.remove(message.messageId());
      handling.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
      free.release();
    }
  }

  private void changeVisibility(Message message, Duration delay) {
    int seconds = (int) Math.max(0, Math.min(MAX_VISIBILITY_SECONDS, delay.toSeconds()));
    sqs.changeMessageVisibility(
        b -> b.queueUrl(config.queueUrl()).receiptHandle(message.receiptHandle()).visibilityTimeout(seconds));
  }

  private void release(Message message) {
    try {
      changeVisibility(message, Duration.ZERO);
    } catch (SdkException e) {
      LOG.debug("could not release message {}: {}", message.messageId(), e.getMessage());
    }
  }

  private static Timer lagTimer(MeterRegistry metrics, String result) {
    return Timer.builder("odm.watcher.sqs.lag")
        .description("time from a message being sent to the queue to it being acknowledged or retried")
        .tag("result", result)
        .publishPercentiles(0.5, 0.95, 0.99)
        .register(metrics);
  }

  /** Records how long ago SQS accepted the message (its SentTimestamp). */
  static void recordLag(Timer timer, Message message) {
    String sent = message.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP);
    if (sent != null) {
      try {
        timer.record(Duration.ofMillis(Math.max(0, System.currentTimeMillis() - Long.parseLong(sent))));
      } catch (NumberFormatException e) {
        // not a number: no lag to record
      }
    }
  }

  private static int receiveCount(Message message) {
    String count = message.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT);
    try {
      return count == null ? 1 : Integer.parseInt(count);
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  private boolean pauseFor(long millis) {
    try {
      TimeUnit.MILLISECONDS.sleep(millis);
      return running;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Messages being handled right now. */
  public int inFlight() {
    return inFlight.size();
  }

  @Override
  public void close() {
    synchronized (this) {
      if (!running) {
        return;
      }
      running = false;
    }
    if (pollThread != null) {
      pollThread.interrupt();
    }
    workers.shutdown();
    try {
      if (!workers.awaitTermination(config.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("{} messages still in flight after {}; releasing them", inFlight.size(), config.shutdownGrace());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    inFlight.values().forEach(this::release);
    inFlight.clear();
    acknowledger.close();
    workers.shutdownNow();
    LOG.info("stopped polling {}", config.queueUrl());
  }
}
