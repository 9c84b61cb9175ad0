package org.odmwatcher.notify;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
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
import org.odmwatcher.retry.BackoffCalculator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs JSON to webhooks: the NodeODM API's task webhooks and the manifest's {@code notify}
 * targets (webhook and Slack) both go through it. Every request carries the Standard Webhooks
 * headers of {@link WebhookSigner} (id, timestamp, signature when a key is set). At every attempt
 * the host is resolved once through {@link WebhookTargets#checkedAddresses} (the HTTP client's DNS
 * resolver hook) and the connection goes to an address that check allowed, with the URL's name as
 * Host and TLS server name; a refused address ends the delivery. Redirects are never followed (a
 * 3xx ends the delivery), no proxy is used (it would resolve the name itself), every attempt is
 * bounded by the connect and read timeouts, and logs show the URL without user info or query.
 */
public final class WebhookDeliverer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookDeliverer.class);

  /** What one attempt came to: delivered, worth another try, or never going to work. */
  public record Attempt(boolean delivered, boolean retryable, String detail) {
    static Attempt delivered(String detail) {
      return new Attempt(true, false, detail);
    }

    static Attempt retry(String why) {
      return new Attempt(false, true, why);
    }

    static Attempt stop(String why) {
      return new Attempt(false, false, why);
    }
  }

  private final ScheduledExecutorService senders;
  private final WebhookTargets targets;
  private final WebhookSigner signer;
  private final Clock clock;
  private final CloseableHttpClient http;

  /**
   * @param senders threads (and pooled connections) of {@link #deliver}; attempts made through
   *     {@link #post} run on the caller's thread
   */
  public WebhookDeliverer(WebhookTargets targets, WebhookSigner signer, Duration connectTimeout, Duration readTimeout,
      int senders, Clock clock) {
    this.targets = targets;
    this.signer = signer;
    this.clock = clock;
    this.senders = Executors.newScheduledThreadPool(
        senders,
        r -> {
          Thread t = new Thread(r, "webhooks");
          t.setDaemon(true);
          return t;
        });
    int connect = (int) connectTimeout.toMillis();
    this.http =
        HttpClients.custom()
            .setDnsResolver(targets::checkedAddresses)
            .disableRedirectHandling()
            .disableAutomaticRetries()
            .disableCookieManagement()
            .setMaxConnTotal(Math.max(senders, 8))
            .setMaxConnPerRoute(Math.max(senders, 8))
            .setDefaultRequestConfig(
                RequestConfig.custom().setConnectTimeout(connect).setConnectionRequestTimeout(connect)
                    .setSocketTimeout((int) readTimeout.toMillis()).build())
            .build();
  }

  /** Why {@code url} is not an http(s) URL with a host, or empty when it is; resolves nothing. */
  public Optional<String> formRefusal(String url) {
    return targets.formRefusal(url);
  }

  /**
   * One attempt, on the calling thread: POST {@code body} with the headers of message {@code id}.
   * 2xx is delivered; a refused address, a redirect or an unusable URL will never work; anything
   * else (connection refused, timeout, 5xx, 4xx) may work later.
   */
  public Attempt post(String url, byte[] body, String id) {
    Optional<String> form = targets.formRefusal(url);
    if (form.isPresent()) {
      return Attempt.stop(form.get());
    }
    HttpPost post = new HttpPost(url);
    post.setEntity(new ByteArrayEntity(body, ContentType.APPLICATION_JSON));
    for (Map.Entry<String, String> header : signer.headers(id, clock.instant().getEpochSecond(), body).entrySet()) {
      post.setHeader(header.getKey(), header.getValue());
    }
    try (CloseableHttpResponse response = http.execute(post)) {
      int code = response.getStatusLine().getStatusCode();
      EntityUtils.consumeQuietly(response.getEntity());
      if (code / 100 == 2) {
        return Attempt.delivered("HTTP " + code);
      }
      if (code / 100 == 3) {
        return Attempt.stop("HTTP " + code + " (a redirect; redirects are not followed)");
      }
      return Attempt.retry("HTTP " + code);
    } catch (WebhookTargets.RefusedAddressException e) {
      return Attempt.stop(e.getMessage());
    } catch (IOException | RuntimeException e) {
      return Attempt.retry(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    }
  }

  /**
   * Delivers asynchronously, tried again with {@code backoff} until a 2xx answer or {@code
   * attempts} are spent (the NodeODM API's task webhook). {@code onDelivered} runs after a success
   * (the watcher records it so it is sent once), and after an unusable URL (retrying cannot help).
   * The future completes with whether the webhook took it.
   *
   * @param what names the message in logs (e.g. {@code task <uuid>})
   */
  public CompletableFuture<Boolean> deliver(String url, byte[] body, String id, String what, int attempts,
      BackoffCalculator backoff, Runnable onDelivered) {
    CompletableFuture<Boolean> done = new CompletableFuture<>();
    Optional<String> form = targets.formRefusal(url);
    if (form.isPresent()) {
      LOG.warn("webhook of {} is not a usable URL ({}): {}", what, form.get(), WebhookTargets.redacted(url));
      onDelivered.run(); // retrying cannot help
      done.complete(false);
      return done;
    }
    senders.execute(() -> attempt(url, body, id, what, 1, attempts, backoff, onDelivered, done));
    return done;
  }

  private void attempt(String url, byte[] body, String id, String what, int attempt, int attempts,
      BackoffCalculator backoff, Runnable onDelivered, CompletableFuture<Boolean> done) {
    String shown = WebhookTargets.redacted(url);
    Attempt outcome = post(url, body, id);
    if (outcome.delivered()) {
      LOG.info("webhook of {} delivered ({})", what, shown);
      onDelivered.run();
      done.complete(true);
      return;
    }
    if (!outcome.retryable()) {
      LOG.warn("webhook of {} not sent to {}: {}", what, shown, outcome.detail());
      done.complete(false);
      return;
    }
    if (attempt >= attempts) {
      LOG.warn("webhook of {} failed {} times, giving up: {}", what, attempt, outcome.detail());
      done.complete(false);
      return;
    }
    long delay = backoff.delayAfter(attempt).toMillis();
    LOG.info("webhook of {} failed ({}); attempt {} in {} ms", what, outcome.detail(), attempt + 1, delay);
    senders.schedule(() -> attempt(url, body, id, what, attempt + 1, attempts, backoff, onDelivered, done),
        delay, TimeUnit.MILLISECONDS);
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
