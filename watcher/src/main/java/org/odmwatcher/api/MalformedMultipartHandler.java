package org.odmwatcher.api;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;
import java.util.Arrays;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Netty's multipart decoder throws {@link ArrayIndexOutOfBoundsException} on a Content-Disposition
 * attribute without {@code =} (e.g. a field named {@code a;b}: netty/netty, {@code
 * HttpPostMultipartRequestDecoder.getContentDispositionAttribute} splits on {@code =} and reads
 * index 1), which Micronaut's default handler answered with 500 and the exception's text (found by
 * the fault suite's fuzzing of the NodeODM API). That is the client's malformed body: 400. Any
 * other index error is a bug here: 500, its text kept in the log, never in the answer.
 */
@Produces
@Singleton
@Requires(classes = ExceptionHandler.class)
public class MalformedMultipartHandler
    implements ExceptionHandler<IndexOutOfBoundsException, HttpResponse<Map<String, Object>>> {
  private static final Logger LOG = LoggerFactory.getLogger(MalformedMultipartHandler.class);
  private static final String DECODER_PACKAGE = "io.netty.handler.codec.http.multipart.";

  @Override
  public HttpResponse<Map<String, Object>> handle(HttpRequest request, IndexOutOfBoundsException e) {
    if (fromDecoder(request, e)) {
      LOG.warn("{} {}: malformed multipart body ({})", request.getMethod(), request.getPath(), e.getMessage());
      return HttpResponse.badRequest(Map.of("error", "Malformed multipart/form-data body"));
    }
    LOG.error("{} {} failed", request.getMethod(), request.getPath(), e);
    return HttpResponse.serverError(Map.of("error", "Internal error; the watcher's log has the details"));
  }

  /**
   * Thrown by the decoder: its frames on top, or — once the JIT has made the throw "fast" (HotSpot's
   * OmitStackTraceInFastThrow drops the stack of a frequently thrown built-in exception) — no stack
   * at all while a multipart body was being read.
   */
  private static boolean fromDecoder(HttpRequest<?> request, IndexOutOfBoundsException e) {
    StackTraceElement[] stack = e.getStackTrace();
    if (stack.length == 0) {
      return request.getContentType().map(t -> t.getName().equals("multipart/form-data")).orElse(false);
    }
    return Arrays.stream(stack).limit(3).anyMatch(f -> f.getClassName().startsWith(DECODER_PACKAGE));
  }
}
