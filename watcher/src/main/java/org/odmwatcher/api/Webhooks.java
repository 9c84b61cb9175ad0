package org.odmwatcher.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.odmwatcher.api.dto.TaskInfo;
import org.odmwatcher.retry.BackoffCalculator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers a task's info to its webhook as NodeODM does (POST, JSON body) when the task ends:
 * asynchronously, tried again with exponential backoff until a 2xx answer or the attempts are
 * spent. {@code onDelivered} runs after a success (the watcher records it so it is sent once).
 * Before every attempt the URL is checked again by {@link WebhookTargets} (its host may resolve
 * elsewhere by now); redirects are never followed (a 3xx ends the delivery), and logs show the URL
 * without user info or query.
 */
public final class Webhooks implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Webhooks.class);

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "webhooks");
            t.setDaemon(true);
            return t;
          });
  private final ObjectMapper json;
  private final int attempts;
  private final BackoffCalculator backoff;
  private final WebhookTargets targets;

  public Webhooks(ObjectMapper json, int attempts, BackoffCalculator backoff, WebhookTargets targets) {
    this.json = json;
    this.targets = targets;
    this.attempts = attempts;
    this.backoff = backoff;
  }

  public void deliver(String url, TaskInfo info, Runnable onDelivered) {
    byte[] body;
    try {
      body = json.writeValueAsBytes(info);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    HttpRequest request;
    try {
      request =
          HttpRequest.newBuilder(URI.create(url))
              .timeout(Duration.ofSeconds(30))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofByteArray(body))
              .build();
    } catch (IllegalArgumentException e) {
      LOG.warn("webhook of task {} is not a usable URL: {}", info.uuid(), WebhookTargets.redacted(url));
      onDelivered.run(); // retrying cannot help
      return;
    }
    attempt(request, info.uuid(), 1, onDelivered);
  }

  private void attempt(HttpRequest request, String uuid, int attempt, Runnable onDelivered) {
    String shown = WebhookTargets.redacted(request.uri().toString());
    java.util.Optional<String> refusal = targets.refusal(request.uri().toString());
    if (refusal.isPresent()) {
      LOG.warn("webhook of task {} not sent to {}: {}", uuid, shown, refusal.get());
      return;
    }
    http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
        .whenComplete(
            (response, error) -> {
              if (error == null && response.statusCode() / 100 == 2) {
                LOG.info("webhook of task {} delivered ({})", uuid, shown);
                onDelivered.run();
                return;
              }
              String why = error != null ? error.getClass().getSimpleName() : "HTTP " + response.statusCode();
              if (error == null && response.statusCode() / 100 == 3) {
                LOG.warn("webhook of task {} answered a redirect ({}) from {}; redirects are not followed", uuid, why, shown);
                return;
              }
              if (attempt >= attempts) {
                LOG.warn("webhook of task {} failed {} times, giving up: {}", uuid, attempt, why);
                return;
              }
              long delay = backoff.delayAfter(attempt).toMillis();
              LOG.info("webhook of task {} failed ({}); attempt {} in {} ms", uuid, why, attempt + 1, delay);
              timer.schedule(() -> attempt(request, uuid, attempt + 1, onDelivered), delay, TimeUnit.MILLISECONDS);
            });
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
