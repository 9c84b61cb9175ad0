package org.odmwatcher.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.concurrent.CompletableFuture;
import org.odmwatcher.api.dto.TaskInfo;
import org.odmwatcher.notify.WebhookDeliverer;
import org.odmwatcher.retry.BackoffCalculator;

/**
 * Delivers a task's info to its webhook as NodeODM does (POST, JSON body) when the task ends,
 * through the watcher's one {@link WebhookDeliverer} (the SSRF rules, Standard Webhooks headers and
 * signature of the manifest's {@code notify} webhooks): asynchronously, tried again with
 * exponential backoff until a 2xx answer or the attempts are spent. Its {@code webhook-id} is the
 * task's uuid and status code, the same at every attempt.
 */
public final class Webhooks implements AutoCloseable {
  private final ObjectMapper json;
  private final int attempts;
  private final BackoffCalculator backoff;
  private final WebhookDeliverer deliverer;

  public Webhooks(ObjectMapper json, int attempts, BackoffCalculator backoff, WebhookDeliverer deliverer) {
    this.json = json;
    this.attempts = attempts;
    this.backoff = backoff;
    this.deliverer = deliverer;
  }

  /**
   * Starts delivering; the future completes with whether the webhook took it (after {@code
   * onDelivered} ran) or {@code false} once delivery stopped (refused, redirected, attempts spent).
   */
  public CompletableFuture<Boolean> deliver(String url, TaskInfo info, Runnable onDelivered) {
    byte[] body;
    try {
      body = json.writeValueAsBytes(info);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    String id = "task_" + info.uuid() + "_" + info.status().code();
    return deliverer.deliver(url, body, id, "task " + info.uuid(), attempts, backoff, onDelivered);
  }

  /** Stops the deliverer (its own {@code close}, which may run twice). */
  @Override
  public void close() {
    deliverer.close();
  }
}
