package org.odmwatcher.event.minio;

import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.annotation.Order;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;

/**
 * Refuses a webhook call on its headers, before its body is read: a wrong token (401) or a
 * Content-Length over {@code watcher.minio.max-body-size} (413). Without it the body — up to the
 * server's {@code max-request-size} — was buffered before the controller could look at the token, so
 * a few dozen large POSTs with a wrong token exhausted the (direct) memory. A request filter runs
 * before the route's body is bound; the connection is closed after the answer.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
@Order(Ordered.HIGHEST_PRECEDENCE)
@Requires(beans = MinioWebhookController.class)
public class MinioWebhookGate {
  private final MinioWebhookController webhook;

  public MinioWebhookGate(MinioWebhookController webhook) {
    this.webhook = webhook;
  }

  @RequestFilter
  @Nullable
  public HttpResponse<?> check(HttpRequest<?> request) {
    if (request.getMethod() != HttpMethod.POST
        || !strip(webhook.path()).equals(strip(request.getPath()))) {
      return null;
    }
    return webhook.refusal(request.getHeaders().get(HttpHeaders.AUTHORIZATION), request.getContentLength());
  }

  private static String strip(String path) {
    return path.replaceAll("/+$", "");
  }
}
