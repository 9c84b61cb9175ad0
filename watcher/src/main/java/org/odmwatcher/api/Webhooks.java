package org.odmwatcher.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpPost;
import org.apache.http.entity.ByteArrayEntity;
import org.apache.http.entity.ContentType;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.util.EntityUtils;
import org.odmwatcher.api.dto.TaskInfo;
import org.odmwatcher.retry.BackoffCalculator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers a task's info to its webhook as NodeODM does (POST, JSON body) when the task ends:
 * asynchronously, tried again with exponential backoff until a 2xx answer or the attempts are
 * spent. {@code onDelivered} runs after a success (the watcher records it so it is sent once).
 * At every attempt the host is resolved once through {@link WebhookTargets#checkedAddresses} (the
 * HTTP client's DNS resolver hook) and the connection goes to an address that check allowed, with
 * the URL's name as Host and TLS server name; a refused address ends the delivery. Redirects are
 * never followed (a 3xx ends the delivery), no proxy is used (it would resolve the name itself),
 * and logs show the URL without user info or query.
 */
public final class Webhooks implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Webhooks.class);
  private static final int SENDERS = 4;

  private final ScheduledExecutorService senders =
      Executors.newScheduledThreadPool(
          SENDERS,
          r -> {
            Thread t = new Thread(r, "webhooks");
            t.setDaemon(true);
            return t;
          });
  private final ObjectMapper json;
  private final int attempts;
  private final BackoffCalculator backoff;
  private final WebhookTargets targets;
  private final CloseableHttpClient http;

  public Webhooks(ObjectMapper json, int attempts, BackoffCalculator backoff, WebhookTargets targets) {
    this.json = json;
    this.targets = targets;
    this.attempts = attempts;
    this.backoff = backoff;
    this.http =
        HttpClients.custom()
            .setDnsResolver(targets::checkedAddresses)
            .disableRedirectHandling()
            .disableAutomaticRetries()
            .disableCookieManagement()
            .setMaxConnTotal(SENDERS)
            .setDefaultRequestConfig(
                RequestConfig.custom().setConnectTimeout(10_000).setConnectionRequestTimeout(10_000)
                    .setSocketTimeout(30_000).build())
            .build();
  }

  /**
   * Starts delivering; the future completes with whether the webhook took it (after {@code
   * onDelivered} ran) or {@code false} once delivery stopped (refused, redirected, attempts spent).
   */
  public CompletableFuture<Boolean> deliver(String url, TaskInfo info, Runnable onDelivered) {
    CompletableFuture<Boolean> done = new CompletableFuture<>();
    byte[] body;
    try {
      body = json.writeValueAsBytes(info);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    Optional<String> form = targets.formRefusal(url);
    if (form.isPresent()) {
      LOG.warn("webhook of task {} is not a usable URL ({}): {}", info.uuid(), form.get(), WebhookTargets.redacted(url));
      onDelivered.run(); // retrying cannot help
      done.complete(false);
      return done;
    }
    senders.execute(() -> attempt(url, body, info.uuid(), 1, onDelivered, done));
    return done;
  }

  private void attempt(String url, byte[] body, String uuid, int attempt, Runnable onDelivered, CompletableFuture<Boolean> done) {
    String shown = WebhookTargets.redacted(url);
    HttpPost post = new HttpPost(url);
    post.setEntity(new ByteArrayEntity(body, ContentType.APPLICATION_JSON));
    String why;
    try (CloseableHttpResponse response = http.execute(post)) {
      int code = response.getStatusLine().getStatusCode();
      EntityUtils.consumeQuietly(response.getEntity());
      if (code / 100 == 2) {
        LOG.info("webhook of task {} delivered ({})", uuid, shown);
        onDelivered.run();
        done.complete(true);
        return;
      }
      if (code / 100 == 3) {
        LOG.warn("webhook of task {} answered a redirect (HTTP {}) from {}; redirects are not followed", uuid, code, shown);
        done.complete(false);
        return;
      }
      why = "HTTP " + code;
    } catch (WebhookTargets.RefusedAddressException e) {
      LOG.warn("webhook of task {} not sent to {}: {}", uuid, shown, e.getMessage());
      done.complete(false);
      return;
    } catch (IOException | RuntimeException e) {
      why = e.getClass().getSimpleName();
    }
    if (attempt >= attempts) {
      LOG.warn("webhook of task {} failed {} times, giving up: {}", uuid, attempt, why);
      done.complete(false);
      return;
    }
    long delay = backoff.delayAfter(attempt).toMillis();
    LOG.info("webhook of task {} failed ({}); attempt {} in {} ms", uuid, why, attempt + 1, delay);
    senders.schedule(() -> attempt(url, body, uuid, attempt + 1, onDelivered, done), delay, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    senders.shutdownNow();
    try {
      http.close();
    } catch (IOException e) {
      LOG.debug("closing the webhook client: {}", e.getMessage());
    }
  }
}
