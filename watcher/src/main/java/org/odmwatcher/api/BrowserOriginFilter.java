package org.odmwatcher.api;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.annotation.Order;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.odmwatcher.config.HttpConfig;

/**
 * Keeps web pages out of the HTTP port, whatever route they aim at (the dashboard's feed, the
 * NodeODM API, the webhook):
 *
 * <ul>
 *   <li><b>DNS rebinding.</b> With {@code watcher.http.allowed-hosts} set (local mode sets it), the
 *       {@code Host} header must be one of those names or an IP address; a page whose own name was
 *       made to resolve to this machine sends its own name, and is answered 421 Misdirected Request.
 *   <li><b>Cross-site writes.</b> A POST (or any method but GET, HEAD, OPTIONS) a browser sends on
 *       behalf of another site is refused with 403: a form or a {@code fetch} without preflight
 *       could otherwise create or delete tasks where no token is asked (local mode on loopback).
 *       The rule is Go's {@code net/http.CrossOriginProtection} (Go 1.25, {@code csrf.go}): {@code
 *       Sec-Fetch-Site} {@code same-origin} or {@code none} passes, any other value is refused;
 *       without it, an {@code Origin} must name the host the request was sent to; a request with
 *       neither header comes from a program (pyODM, WebODM's server, curl, MinIO) and passes.
 *       Pages of {@code watcher.http.trusted-origins} may write.
 * </ul>
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
public class BrowserOriginFilter {
  private static final Set<HttpMethod> SAFE = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

  private final HttpConfig config;
  private final Set<String> trustedOrigins;

  public BrowserOriginFilter(HttpConfig config) {
    this.config = config;
    this.trustedOrigins = Set.copyOf(config.trustedOrigins());
  }

  @RequestFilter
  @Nullable
  public HttpResponse<?> check(HttpRequest<?> request) {
    String host = request.getHeaders().get("Host");
    if (host != null && !config.allowsHost(host)) {
      return refuse(HttpStatus.MISDIRECTED_REQUEST, "this server does not answer to the name " + host
          + " (watcher.http.allowed-hosts; local --allowed-host)");
    }
    if (!SAFE.contains(request.getMethod()) && crossSite(request, host)) {
      return refuse(HttpStatus.FORBIDDEN, "a page of another site may not send this request"
          + " (watcher.http.trusted-origins lists the sites that may)");
    }
    return null;
  }

  private boolean crossSite(HttpRequest<?> request, @Nullable String host) {
    String origin = request.getHeaders().get("Origin");
    if (origin != null && trustedOrigins.contains(origin.trim().toLowerCase(Locale.ROOT))) {
      return false;
    }
    String site = request.getHeaders().get("Sec-Fetch-Site");
    if (site != null) {
      return !site.equalsIgnoreCase("same-origin") && !site.equalsIgnoreCase("none");
    }
    if (origin == null) {
      return false;
    }
    int scheme = origin.indexOf("://");
    return host == null || scheme < 0 || !origin.substring(scheme + 3).equalsIgnoreCase(host.trim());
  }

  private static HttpResponse<?> refuse(HttpStatus status, String why) {
    return HttpResponse.status(status).contentType(MediaType.APPLICATION_JSON_TYPE).body(Map.of("error", why));
  }
}
