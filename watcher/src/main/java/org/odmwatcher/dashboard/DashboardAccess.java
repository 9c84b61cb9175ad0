package org.odmwatcher.dashboard;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.cookie.Cookie;
import io.micronaut.http.cookie.SameSite;
import io.micronaut.web.router.RouteAttributes;
import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.odmwatcher.config.DashboardConfig;

/**
 * Who may read the dashboard's feed: with the NodeODM API's token set ({@code watcher.api.token}),
 * a request needs either {@code Authorization: Bearer <token>} (scripts) or the session cookie the
 * page's sign-in form obtains from {@code POST /login} (browsers; sent with download links too, so
 * the token never appears in a URL or an access log). Without a token the feed is open, like the API.
 *
 * <p>A session is a random id and its end ({@code watcher.dashboard.session-ttl} after sign-in),
 * signed with a key derived from the token, so every replica accepts it and changing the token ends
 * them all. Sign-out ({@code POST /logout}) puts the id on a revocation list kept in memory until
 * the session would have ended. The watcher keeps no database, so that list is this process's: a
 * cookie signed out before a restart is accepted again after it until its end, and another replica
 * does not learn of a sign-out (it accepts the cookie until its end). The cookie is HttpOnly, SameSite=Strict,
 * expires with the session, and is Secure as {@code watcher.dashboard.secure-cookie} says.
 *
 * <p>The filter sees every request and decides by the route it was matched to (methods marked
 * {@link Guarded}), not by its path: a spelling of the path that still routes to the feed (a
 * trailing slash, a percent-encoded letter) is checked all the same. Routes marked {@link SignIn}
 * take a small form only: a larger declared body is refused before it is read.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
@Requires(property = DashboardConfig.PREFIX + ".enabled", notEquals = "false")
public class DashboardAccess {
  static final String COOKIE = "odm_dashboard";
  /** Largest body a sign-in route takes (a form with the token). */
  static final int SIGN_IN_BODY_LIMIT = 4096;
  private static final String SESSION_LABEL = "odm-watcher dashboard session v2";
  private static final int MAX_REVOKED = 100_000;

  private final byte[] token;
  private final byte[] sessionKey;
  private final DashboardConfig config;
  private final Cache<String, Boolean> revoked;
  private final List<IpSubnetFilterRule> trustedProxies;
  private final SecureRandom random = new SecureRandom();

  public DashboardAccess(@Value("${watcher.api.token:}") String token, DashboardConfig config) {
    this.token = token.isEmpty() ? null : token.getBytes(StandardCharsets.UTF_8);
    this.sessionKey = this.token == null ? null : mac(this.token, SESSION_LABEL);
    this.config = config;
    this.revoked = Caffeine.newBuilder().expireAfterWrite(config.sessionTtl()).maximumSize(MAX_REVOKED).build();
    this.trustedProxies = config.trustedProxies().stream().map(DashboardAccess::network).toList();
  }

  /** Whether a token protects the feed. */
  boolean required() {
    return token != null;
  }

  /** Marks the dashboard's routes that need the token (the feed: job list, one job, its outputs). */
  @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
  @java.lang.annotation.Target(java.lang.annotation.ElementType.METHOD)
  public @interface Guarded {}

  /** Marks sign-in and sign-out: public, and their body is a small form at most. */
  @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
  @java.lang.annotation.Target(java.lang.annotation.ElementType.METHOD)
  public @interface SignIn {}

  /** Whether the request was routed to the dashboard (whose routes are public or {@link Guarded}). */
  public static boolean routedToDashboard(HttpRequest<?> request) {
    return RouteAttributes.getRouteInfo(request).map(r -> r.getDeclaringType() == DashboardController.class).orElse(false);
  }

  private static boolean marked(HttpRequest<?> request, Class<? extends java.lang.annotation.Annotation> mark) {
    return RouteAttributes.getRouteInfo(request).map(r -> r.getAnnotationMetadata().hasAnnotation(mark)).orElse(false);
  }

  @RequestFilter
  @Nullable
  public HttpResponse<?> check(HttpRequest<?> request) {
    if (marked(request, SignIn.class)) {
      return bodyTooLarge(request);
    }
    if (token == null || !marked(request, Guarded.class) || allowed(request)) {
      return null;
    }
    return HttpResponse.unauthorized()
        .contentType(MediaType.APPLICATION_JSON_TYPE)
        .body("{\"error\":\"sign in with the watcher's API token (watcher.api.token; local mode: --api-token)\"}");
  }

  /**
   * A refusal for a sign-in request whose body could be large, decided on its headers before any
   * of the body is read: a body of unknown length (chunked) or declared larger than {@link
   * #SIGN_IN_BODY_LIMIT}. Null for a small one.
   */
  @Nullable
  private static HttpResponse<?> bodyTooLarge(HttpRequest<?> request) {
    if (request.getHeaders().contains(HttpHeaders.TRANSFER_ENCODING)) {
      return HttpResponse.status(HttpStatus.LENGTH_REQUIRED).contentType(MediaType.APPLICATION_JSON_TYPE)
          .body("{\"error\":\"send the sign-in form with a Content-Length\"}");
    }
    long length = request.getContentLength();
    if (length > SIGN_IN_BODY_LIMIT) {
      return HttpResponse.status(HttpStatus.REQUEST_ENTITY_TOO_LARGE).contentType(MediaType.APPLICATION_JSON_TYPE)
          .header(HttpHeaders.CONNECTION, "close")
          .body("{\"error\":\"the sign-in form takes at most " + SIGN_IN_BODY_LIMIT + " bytes\"}");
    }
    return null;
  }

  boolean allowed(HttpRequest<?> request) {
    String header = request.getHeaders().getAuthorization().orElse("");
    if (header.startsWith("Bearer ")
        && MessageDigest.isEqual(token, header.substring(7).getBytes(StandardCharsets.UTF_8))) {
      return true;
    }
    return request.getCookies().findCookie(COOKIE)
        .map(c -> sessionId(c.getValue()))
        .map(id -> revoked.getIfPresent(id) == null)
        .orElse(false);
  }

  /** The id of a session cookie value that is signed with this token's key and not expired; null otherwise. */
  @Nullable
  private String sessionId(String value) {
    String[] parts = value.split("\\.");
    if (parts.length != 3) {
      return null;
    }
    byte[] expected = mac(sessionKey, parts[0] + "." + parts[1]);
    if (!MessageDigest.isEqual(expected, hexBytes(parts[2]))) {
      return null;
    }
    try {
      return Instant.now().getEpochSecond() < Long.parseLong(parts[1]) ? parts[0] : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** A new session's cookie for a correct token; null for a wrong one. */
  @Nullable
  Cookie signIn(String given, HttpRequest<?> request) {
    if (token == null || !MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8))) {
      return null;
    }
    byte[] id = new byte[16];
    random.nextBytes(id);
    String signed = HexFormat.of().formatHex(id) + "." + Instant.now().plus(config.sessionTtl()).getEpochSecond();
    String session = signed + "." + HexFormat.of().formatHex(mac(sessionKey, signed));
    return Cookie.of(COOKIE, session)
        .httpOnly(true).sameSite(SameSite.Strict).path("/").secure(secure(request)).maxAge(config.sessionTtl());
  }

  /** Ends the request's session (if any) and returns the cookie that clears it in the browser. */
  Cookie signOut(HttpRequest<?> request) {
    if (sessionKey != null) {
      request.getCookies().findCookie(COOKIE).map(c -> sessionId(c.getValue())).ifPresent(id -> revoked.put(id, Boolean.TRUE));
    }
    return Cookie.of(COOKIE, "").httpOnly(true).sameSite(SameSite.Strict).path("/").secure(secure(request)).maxAge(0);
  }

  private boolean secure(HttpRequest<?> request) {
    return switch (config.secureCookie()) {
      case "always" -> true;
      case "never" -> false;
      default -> request.isSecure() || (fromTrustedProxy(request) && forwardedHttps(request));
    };
  }

  private boolean fromTrustedProxy(HttpRequest<?> request) {
    return trustedProxies.stream().anyMatch(rule -> rule.matches(request.getRemoteAddress()));
  }

  /** The proto the nearest proxy added (the last of a list: earlier ones came from further out). */
  private static boolean forwardedHttps(HttpRequest<?> request) {
    String proto = request.getHeaders().get("X-Forwarded-Proto");
    if (proto == null) {
      return false;
    }
    String[] hops = proto.split(",");
    return hops[hops.length - 1].trim().equalsIgnoreCase("https");
  }

  private static byte[] hexBytes(String value) {
    try {
      return HexFormat.of().parseHex(value);
    } catch (IllegalArgumentException e) {
      return new byte[0];
    }
  }

  private static byte[] mac(byte[] key, String text) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static IpSubnetFilterRule network(String entry) {
    int slash = entry.indexOf('/');
    try {
      if (slash < 0) {
        return new IpSubnetFilterRule(entry, entry.contains(":") ? 128 : 32, IpFilterRuleType.ACCEPT);
      }
      return new IpSubnetFilterRule(entry.substring(0, slash), Integer.parseInt(entry.substring(slash + 1)),
          IpFilterRuleType.ACCEPT);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("watcher.dashboard.trusted-proxies: '" + entry
          + "' is not an address or a CIDR range like 10.0.0.0/8", e);
    }
  }
}
