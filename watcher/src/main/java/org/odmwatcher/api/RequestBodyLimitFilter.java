package org.odmwatcher.api;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.server.HttpServerConfiguration;
import io.micronaut.web.router.RouteAttributes;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Map;

/**
 * Every route but the uploads takes a small body: at most {@code
 * micronaut.server.max-request-buffer-size} bytes, declared by {@code Content-Length}, decided on
 * the headers before any of the body is read. Micronaut's own buffer limit does not cover form
 * routes bound field by field (a 9 MiB {@code uuid} reached {@code /task/cancel} whole), and a
 * body of unknown length (chunked) could grow up to {@code max-request-size} (50 GiB for uploads);
 * so a chunked body is refused too (411), which no client of these routes sends (pyODM and WebODM
 * use {@code requests}, MinIO Go's {@code net/http} with a byte body, browsers a string).
 * Routes marked {@link Streamed} (the uploads) stream to S3 and keep {@code max-request-size}.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
public class RequestBodyLimitFilter {
  /** Marks a route that streams its body (an upload): only {@code max-request-size} limits it. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.METHOD)
  public @interface Streamed {}

  private final long limit;

  public RequestBodyLimitFilter(HttpServerConfiguration server) {
    this.limit = server.getMaxRequestBufferSize();
  }

  @RequestFilter
  @Nullable
  public HttpResponse<?> check(HttpRequest<?> request) {
    boolean streamed = RouteAttributes.getRouteInfo(request)
        .map(r -> r.getAnnotationMetadata().hasAnnotation(Streamed.class)).orElse(false);
    if (streamed) {
      return null;
    }
    if (request.getHeaders().contains(HttpHeaders.TRANSFER_ENCODING)) {
      return HttpResponse.status(HttpStatus.LENGTH_REQUIRED).contentType(MediaType.APPLICATION_JSON_TYPE)
          .header(HttpHeaders.CONNECTION, "close")
          .body(Map.of("error", "send this request with a Content-Length (at most " + limit + " bytes)"));
    }
    if (request.getContentLength() > limit) {
      return HttpResponse.status(HttpStatus.REQUEST_ENTITY_TOO_LARGE).contentType(MediaType.APPLICATION_JSON_TYPE)
          .header(HttpHeaders.CONNECTION, "close")
          .body(Map.of("error", "this request takes a body of at most " + limit + " bytes"
              + " (micronaut.server.max-request-buffer-size); uploads go to /task/new or /task/new/upload/{uuid}"));
    }
    return null;
  }
}
