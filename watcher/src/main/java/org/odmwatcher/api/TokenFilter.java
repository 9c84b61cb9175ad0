package org.odmwatcher.api;

import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import org.odmwatcher.config.ApiConfig;

/**
 * NodeODM's simple token auth and CORS for the API's routes: with {@code watcher.api.token} set,
 * every call needs {@code ?token=} with that value (compared in constant time), and a wrong or
 * missing one is answered as NodeODM does — HTTP 200 with {@code {"error": "Invalid authentication
 * token: token does not match."}}. Every answer allows any origin, as NodeODM's.
 */
@ServerFilter({"/info", "/options", "/task/**"})
@Requires(property = ApiConfig.PREFIX + ".enabled", value = "true")
public class TokenFilter {
  private final byte[] token;

  public TokenFilter(ApiConfig config) {
    this.token = config.hasToken() ? config.token().getBytes(StandardCharsets.UTF_8) : null;
  }

  @RequestFilter
  @Nullable
  public HttpResponse<?> checkToken(HttpRequest<?> request) {
    if (token == null) {
      return null;
    }
    String given = request.getParameters().get("token");
    byte[] candidate = given == null ? new byte[0] : given.getBytes(StandardCharsets.UTF_8);
    if (MessageDigest.isEqual(token, candidate)) {
      return null;
    }
    return HttpResponse.ok(Map.of("error", "Invalid authentication token: token does not match."))
        .header("Access-Control-Allow-Origin", "*");
  }

  @ResponseFilter
  public void cors(MutableHttpResponse<?> response) {
    response.header("Access-Control-Allow-Origin", "*");
    response.header("Access-Control-Allow-Headers", "Origin, X-Requested-With, Content-Type, Accept, set-uuid, Range");
    response.header("Access-Control-Expose-Headers", "Content-Length, Content-Range, Accept-Ranges");
  }
}
