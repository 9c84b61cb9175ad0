package org.odmwatcher.api;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.env.Environment;
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
import java.time.Clock;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.odmwatcher.config.ApiConfig;
import org.odmwatcher.config.MinioWebhookConfig;
import org.odmwatcher.config.SplitMergeConfig;
import org.odmwatcher.dashboard.DashboardAccess;
import org.odmwatcher.workflow.SplitMergeToken;
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

  /** Request attribute: the split-merge job whose token the call carries (absent for the API token). */
  public static final String SPLIT_MERGE_JOB = "odmwatcher.split-merge-job";

  /**
   * What a split-merge job's ODM calls, and nothing else: pyODM's Node.info and Node.create_task,
   * then Task.info/output/download/cancel/remove on its own tasks (opendm/remote.py and
   * pyodm/api.py); the task routes check that the task is the job's ({@link ApiTasks#checkScope}).
   */
  private static final java.util.regex.Pattern SPLIT_MERGE_ROUTES = java.util.regex.Pattern.compile(
      "/(info|options|task/new(/init|/upload/[^/]+|/commit/[^/]+)?|task/[^/]+/(info|output|download/[^/]+)|task/(cancel|remove))");

  private final byte[] token;
  private final Set<String> open;
  private final @Nullable SplitMergeToken splitMergeTokens;

  private final Clock clock;

  public TokenFilter(ApiConfig config, @Nullable MinioWebhookConfig minio) {
    this(config, minio, null, Clock.systemUTC(), null);
  }

  @jakarta.inject.Inject
  public TokenFilter(ApiConfig config, @Nullable MinioWebhookConfig minio, @Nullable SplitMergeConfig splitMerge, Clock clock,
      @Nullable Environment environment) {
    this.clock = clock;
    this.splitMergeTokens = splitMerge != null && splitMerge.enabled() ? new SplitMergeToken(splitMerge.tokenSecret()) : null;
    this.token = config.hasToken() ? config.token().getBytes(StandardCharsets.UTF_8) : null;
    Set<String> paths = new HashSet<>(OPEN);
    if (minio != null) {
      paths.add(minio.path()); // authenticated by its own bearer token
    }
    this.open = Set.copyOf(paths);
    if (token == null) {
      // local mode (LocalMode starts its context in the "local" environment) sets the token from its own flag
      boolean local = environment != null && environment.getActiveNames().contains("local");
      LOG.warn(local
          ? "!!! The NodeODM API is served WITHOUT authentication: anyone who reaches this port can create, cancel and"
              + " delete tasks. Start local with --api-token <token> to require one. !!!"
          : "!!! The NodeODM API is served WITHOUT authentication (watcher.api.allow-anonymous=true): anyone who"
              + " reaches this port can create, cancel and delete tasks. Set watcher.api.token. !!!");
    }
  }

  @RequestFilter
  @Nullable
  public HttpResponse<?> checkToken(HttpRequest<?> request) {
    if (open.contains(request.getPath())) {
      return null;
    }
    if (DashboardAccess.routedToDashboard(request)) {
      // The dashboard's page and sign-in are public; its feed has its own gate on the same token
      // (DashboardAccess: Bearer or the sign-in cookie, so the token never travels in a URL).
      return null;
    }
    String given = request.getParameters().get("token");
    if (token == null && !SplitMergeToken.looksLikeOne(given)) {
      return null;
    }
    if (given == null) {
      String authorization = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
      if (authorization != null && authorization.length() > BEARER.length()
          && authorization.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)) {
        given = authorization.substring(BEARER.length()).trim();
      }
    }
    if (splitMergeTokens != null && SplitMergeToken.looksLikeOne(given)) {
      java.util.Optional<String> job = splitMergeTokens.verify(given, clock.instant()); // expired: refused here
      if (job.isPresent() && SPLIT_MERGE_ROUTES.matcher(request.getPath()).matches()) {
        request.setAttribute(SPLIT_MERGE_JOB, job.get());
        return null;
      }
    }
    byte[] candidate = given == null ? new byte[0] : given.getBytes(StandardCharsets.UTF_8);
    if (MessageDigest.isEqual(token, candidate)) {
      return null;
    }
    return HttpResponse.ok(Map.of("error", "Invalid authentication token: token does not match."));
  }
}
