package org.odmwatcher.dashboard;

import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.cookie.Cookie;
import io.micronaut.http.cookie.SameSite;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import io.micronaut.web.router.RouteAttributes;
import org.odmwatcher.config.DashboardConfig;

/**
 * Who may read the dashboard's feed: with the NodeODM API's token set ({@code watcher.api.token}),
 * a request needs either {@code Authorization: Bearer <token>} (scripts) or the session cookie the
 * page's sign-in form obtains from {@code POST /login} (browsers; sent with download links too, so
 * the token never appears in a URL or an access log). The cookie holds an HMAC of the token, not
 * the token, and is HttpOnly and SameSite=Strict. Without a token the feed is open, like the API.
 *
 * <p>The filter sees every request and decides by the route it was matched to (methods marked
 * {@link Guarded}), not by its path: a spelling of the path that still routes to the feed (a
 * trailing slash, a percent-encoded letter) is checked all the same.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
@Requires(property = DashboardConfig.PREFIX + ".enabled", notEquals = "false")
public class DashboardAccess {
  static final String COOKIE = "odm_dashboard";
  private static final String SESSION_LABEL = "odm-watcher dashboard session v1";

  private final byte[] token;
  private final byte[] session;

  public DashboardAccess(@Value("${watcher.api.token:}") String token) {
    this.token = token.isEmpty() ? null : token.getBytes(StandardCharsets.UTF_8);
    this.session = this.token == null ? null : hmac(this.token);
  }

  /** Whether a token protects the feed. */
  boolean required() {
    return token != null;
  }

  /** Marks the dashboard's routes that need the token (the feed: job list, one job, its outputs). */
  @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
  @java.lang.annotation.Target(java.lang.annotation.ElementType.METHOD)
  public @interface Guarded {}

  /** Whether the request was routed to the dashboard (whose routes are public or {@link Guarded}). */
  public static boolean routedToDashboard(HttpRequest<?> request) {
    return RouteAttributes.getRouteInfo(request).map(r -> r.getDeclaringType() == DashboardController.class).orElse(false);
  }

  private static boolean guarded(HttpRequest<?> request) {
    return RouteAttributes.getRouteInfo(request).map(r -> r.getAnnotationMetadata().hasAnnotation(Guarded.class)).orElse(false);
  }

  @RequestFilter
  @Nullable
  public HttpResponse<?> check(HttpRequest<?> request) {
    if (token == null || !guarded(request) || allowed(request)) {
      return null;
    }
    return HttpResponse.unauthorized()
        .contentType(MediaType.APPLICATION_JSON_TYPE)
        .body("{\"error\":\"sign in with the watcher's API token (watcher.api.token; local mode: --api-token)\"}");
  }

  boolean allowed(HttpRequest<?> request) {
    String header = request.getHeaders().getAuthorization().orElse("");
    if (header.startsWith("Bearer ")
        && MessageDigest.isEqual(token, header.substring(7).getBytes(StandardCharsets.UTF_8))) {
      return true;
    }
    return request.getCookies().findCookie(COOKIE)
        .map(c -> MessageDigest.isEqual(session, hexBytes(c.getValue())))
        .orElse(false);
  }

  /** The session cookie for a correct token; null for a wrong one. */
  @Nullable
  Cookie signIn(String given, boolean secure) {
    if (token == null || !MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8))) {
      return null;
    }
    return Cookie.of(COOKIE, HexFormat.of().formatHex(session))
        .httpOnly(true).sameSite(SameSite.Strict).path("/").secure(secure);
  }

  static Cookie signOut() {
    return Cookie.of(COOKIE, "").httpOnly(true).sameSite(SameSite.Strict).path("/").maxAge(0);
  }

  private static byte[] hexBytes(String value) {
    try {
      return HexFormat.of().parseHex(value);
    } catch (IllegalArgumentException e) {
      return new byte[0];
    }
  }

  private static byte[] hmac(byte[] key) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(SESSION_LABEL.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
