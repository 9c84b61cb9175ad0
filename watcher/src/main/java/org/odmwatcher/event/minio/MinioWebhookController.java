package org.odmwatcher.event.minio;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Head;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Produces;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.odmwatcher.config.MinioWebhookConfig;
import org.odmwatcher.event.ObjectCreated;
import org.odmwatcher.event.ObjectCreatedHandler;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.event.sqs.ParsedBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MinIO's webhook target: {@code POST ${watcher.minio.path}} with MinIO's event body. It answers
 * 2xx only once every object in the body was handled for good, so MinIO (with a {@code queue_dir})
 * keeps and resends whatever was not: 503 on a transient failure (storage or Kubernetes down), 500
 * on a bug. 401 for a missing or wrong bearer token, 413 for a body over the limit, 400 for a body
 * that is not a MinIO event; nothing is handled in those cases. {@code HEAD} answers 200: MinIO
 * probes the target that way before sending.
 */
@Context // created at start-up, so a missing token or bucket list stops the watcher there
@Controller("${watcher.minio.path:/events/minio}")
@Requires(beans = {MinioWebhookConfig.class, ObjectCreatedHandler.class})
public class MinioWebhookController {
  private static final Logger LOG = LoggerFactory.getLogger(MinioWebhookController.class);
  private static final String BEARER = "bearer ";

  private final MinioWebhookConfig config;
  private final ObjectCreatedHandler handler;
  private final MinioEventParser parser;
  private final byte[] tokenDigest;

  public MinioWebhookController(MinioWebhookConfig config, ObjectCreatedHandler handler, ObjectMapper json) {
    this.config = config;
    this.handler = handler;
    this.parser = new MinioEventParser(json);
    this.tokenDigest = config.hasToken() ? sha256(config.token()) : null;
    if (tokenDigest == null) {
      LOG.warn("!!! MinIO webhook at {} accepts events from ANYONE (watcher.minio.allow-anonymous=true):"
          + " set watcher.minio.token !!!", config.path());
    } else {
      LOG.info("MinIO webhook at {} (bearer token required; buckets {})", config.path(), config.buckets());
    }
  }

  /** The answer's body: what was done, or what was wrong. */
  public record Answer(String status, @Nullable String message, List<String> outcomes) {
    static Answer error(String status, String message) {
      return new Answer(status, message, List.of());
    }
  }

  /** MinIO's liveness probe. */
  @Head
  public HttpResponse<Void> probe() {
    return HttpResponse.ok();
  }

  @Post
  @Consumes(MediaType.ALL)
  @Produces(MediaType.APPLICATION_JSON)
  @ExecuteOn(TaskExecutors.BLOCKING)
  public HttpResponse<Answer> receive(
      @Nullable @Header(HttpHeaders.AUTHORIZATION) String authorization, @Nullable @Body byte[] body) {
    // MinioWebhookGate checked the token and the Content-Length before the body was read; checked
    // again here in case the gate is bypassed (it matches the path exactly).
    HttpResponse<Answer> refused = refusal(authorization, body == null ? 0L : body.length);
    if (refused != null) {
      return refused;
    }
    if (body == null || body.length == 0) {
      return HttpResponse.badRequest(Answer.error("malformed", "empty body"));
    }
    if (body.length > config.maxBodySize()) {
      LOG.warn("MinIO webhook: body of {} bytes over watcher.minio.max-body-size {}; rejected",
          body.length, config.maxBodySize());
      return HttpResponse.<Answer>status(HttpStatus.REQUEST_ENTITY_TOO_LARGE)
          .body(Answer.error("too-large", "body over " + config.maxBodySize() + " bytes"));
    }
    MinioEventParser.Result result = parser.parse(body);
    if (result instanceof MinioEventParser.Result.Malformed malformed) {
      LOG.warn("MinIO webhook: malformed body ({})", malformed.reason());
      return HttpResponse.badRequest(Answer.error("malformed", malformed.reason()));
    }
    ParsedBody parsed = ((MinioEventParser.Result.Parsed) result).parsed();
    if (parsed instanceof ParsedBody.Unparseable bad) {
      LOG.warn("MinIO webhook: not a MinIO event ({})", bad.reason());
      return HttpResponse.badRequest(Answer.error("malformed", bad.reason()));
    }
    if (parsed instanceof ParsedBody.Control control) {
      LOG.info("MinIO webhook: {}; acknowledged", control.description());
      return HttpResponse.ok(new Answer("acknowledged", control.description(), List.of()));
    }
    return dispatch((ParsedBody.Notification) parsed);
  }

  /**
   * The answer for a request refused on its headers alone (token, size), or null: used by {@link
   * MinioWebhookGate} before the body is read.
   */
  @Nullable
  HttpResponse<Answer> refusal(@Nullable String authorization, long contentLength) {
    if (!authorized(authorization)) {
      LOG.warn("MinIO webhook: {} bearer token; rejected", authorization == null ? "missing" : "wrong");
      return HttpResponse.<Answer>status(HttpStatus.UNAUTHORIZED)
          .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
          .header(HttpHeaders.CONNECTION, "close")
          .body(Answer.error("unauthorized", "missing or wrong bearer token"));
    }
    if (contentLength < 0) {
      // MinIO always sends a Content-Length (Go's net/http sets it for its in-memory event bodies)
      return HttpResponse.<Answer>status(HttpStatus.LENGTH_REQUIRED)
          .header(HttpHeaders.CONNECTION, "close")
          .body(Answer.error("length-required", "a Content-Length header is required"));
    }
    if (contentLength > config.maxBodySize()) {
      LOG.warn("MinIO webhook: Content-Length {} over watcher.minio.max-body-size {}; rejected",
          contentLength, config.maxBodySize());
      return HttpResponse.<Answer>status(HttpStatus.REQUEST_ENTITY_TOO_LARGE)
          .header(HttpHeaders.CONNECTION, "close")
          .body(Answer.error("too-large", "body over " + config.maxBodySize() + " bytes"));
    }
    return null;
  }

  String path() {
    return config.path();
  }

  private HttpResponse<Answer> dispatch(ParsedBody.Notification notification) {
    List<String> outcomes = new ArrayList<>(notification.created().size());
    for (ObjectCreated object : notification.created()) {
      if (!config.buckets().contains(object.bucket())) {
        LOG.warn("MinIO webhook: event for bucket {} ignored; it is not in watcher.minio.buckets {}",
            object.bucket(), config.buckets());
        outcomes.add(ObjectCreatedHandler.Outcome.IGNORED.name().toLowerCase(Locale.ROOT));
        continue;
      }
      try {
        ObjectCreatedHandler.Outcome outcome = handler.handle(object);
        if (outcome != ObjectCreatedHandler.Outcome.IGNORED) {
          LOG.info("MinIO webhook: s3://{}/{} → {}", object.bucket(), object.key(), outcome);
        }
        outcomes.add(outcome.name().toLowerCase(Locale.ROOT));
      } catch (TransientFailureException e) {
        // MinIO keeps the event in its queue_dir and sends it again; handling is idempotent.
        LOG.warn("MinIO webhook: s3://{}/{} failed transiently ({}); answering 503 so MinIO retries",
            object.bucket(), object.key(), e.getMessage());
        return HttpResponse.<Answer>status(HttpStatus.SERVICE_UNAVAILABLE)
            .body(new Answer("retry", e.getMessage(), outcomes));
      } catch (RuntimeException e) {
        LOG.error("MinIO webhook: unexpected failure on s3://{}/{}; answering 500 so MinIO retries",
            object.bucket(), object.key(), e);
        // The exception's text stays in the log: it may name internals a client must not see.
        return HttpResponse.<Answer>status(HttpStatus.INTERNAL_SERVER_ERROR)
            .body(new Answer("error", "internal error; the watcher's log has the details", outcomes));
      }
    }
    return HttpResponse.ok(new Answer("handled", null, outcomes));
  }

  private boolean authorized(@Nullable String authorization) {
    if (tokenDigest == null) {
      return true;
    }
    if (authorization == null || authorization.length() < BEARER.length()
        || !authorization.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)) {
      return false;
    }
    // Digests have one length whatever was sent, so the comparison reveals neither content nor length.
    return MessageDigest.isEqual(tokenDigest, sha256(authorization.substring(BEARER.length()).trim()));
  }

  private static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }
}
