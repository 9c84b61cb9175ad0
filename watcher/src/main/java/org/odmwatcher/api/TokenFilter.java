package org.odmwatcher.api;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.core.annotation.Order;
import io.micronaut.core.order.Ordered;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.odmwatcher.config.ApiConfig;
import org.odmwatcher.config.MinioWebhookConfig;
import org.odmwatcher.dashboard.DashboardAccess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NodeODM's simple token auth, for every route of this server but health, metrics and the MinIO
 * webhook (which has its own bearer token): the call carries {@code ?token=} (what pyODM, WebODM and
 * ClusterODM send) or {@code Authorization: Bearer} with the value of {@code watcher.api.token},
 * compared in constant time. A wrong or missing one is answered as NodeODM does — HTTP 200 with
 * {@code {"error": "Invalid authentication token: token does not match."}}.
 *
 * <p>It matches every path ({@code /**}), so a trailing slash, a double slash or a percent-encoded
 * letter cannot reach a route around it; only the exact paths of health and metrics are exempt, and
 * the routes of the dashboard, which guards its own feed with the same token ({@link DashboardAccess}).
 * Without a token the API refuses to start unless {@code watcher.api.allow-anonymous=true} (checked by
 * {@link ApiConfig}); then this filter lets everything through and says so loudly at start-up. No CORS
 * header is added: cross-origin access is off unless {@code micronaut.server.cors.*} turns it on.
 */
@Context
@Order(Ordered.HIGHEST_PRECEDENCE) // before any other filter: nothing else sees an unauthenticated call
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
@Requires(property = ApiConfig.PREFIX + ".enabled", value = "true")
public class TokenFilter {
  private static final Logger LOG = LoggerFactory.getLogger(TokenFilter.class);
  private static final Set<String> OPEN =
      Set.of("/health", "/health/liveness", "/health/readiness", "/prometheus");
  private static final String BEARER = "bearer ";

  private final byte[] token;
  private final Set<String> open;

  public TokenFilter(ApiConfig config, @Nullable MinioWebhookConfig minio) {
    this.token = config.hasToken() ? config.token().getBytes(StandardCharsets.UTF_8) : null;
    Set<String> paths = new HashSet<>(OPEN);
    if (minio != null) {
      paths.add(minio.path()); // authenticated by its own bearer token
    }
    this.open = Set.copyOf(paths);
    if (token == null) {
      LOG.warn("!!! The NodeODM API is served WITHOUT authentication (watcher.api.allow-anonymous=true): anyone who"
          + " reaches this port can create, cancel and delete tasks. Set watcher.api.token. !!!");
    }
  }

  @RequestFilter
  @Nullable
  public HttpResponse<?> checkToken(HttpRequest<?> request) {
    if (token == null || open.contains(request.getPath())) {
      return null;
    }
    if (DashboardAccess.routedToDashboard(request)) {
      // The dashboard's page and sign-in are public; its feed has its own gate on the same token
      // (DashboardAccess: Bearer or the sign-in cookie, so the token never travels in a URL).
      return null;
    }
    String given = request.getParameters().get("token");
    if (given == null) {
      String authorization = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
      if (authorization != null && authorization.length() > BEARER.length()
          && authorization.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)) {
        given = authorization.substring(BEARER.length()).trim();
      }
    }
    byte[] candidate = given == null ? new byte[0] : given.getBytes(StandardCharsets.UTF_8);
    if (MessageDigest.isEqual(token, candidate)) {
      return null;
    }
    return HttpResponse.ok(Map.of("error", "Invalid authentication token: token does not match."));
  }
}
