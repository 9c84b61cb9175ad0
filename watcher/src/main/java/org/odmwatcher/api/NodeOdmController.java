package org.odmwatcher.api;

import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Error;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.multipart.StreamingFileUpload;
import io.micronaut.http.server.types.files.StreamedFile;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import jakarta.inject.Named;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.odmwatcher.api.dto.NodeInfo;
import org.odmwatcher.api.dto.NodeOption;
import org.odmwatcher.api.dto.TaskInfo;
import org.odmwatcher.config.ApiConfig;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.manifest.Engine;
import org.odmwatcher.manifest.OptionCatalogue;
import org.odmwatcher.storage.BucketStore;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;

/**
 * NodeODM's REST API (2.2.x), route for route and field for field, so pyODM, WebODM and
 * ClusterODM work unchanged. Errors are HTTP 200 with {@code {"error": "…"}} as NodeODM answers
 * them. Every route does S3 work, so all run on the blocking executor, never the event loop.
 */
@Controller
@Requires(property = ApiConfig.PREFIX + ".enabled", value = "true")
@ExecuteOn(TaskExecutors.BLOCKING)
public class NodeOdmController {
  private static final Logger LOG = LoggerFactory.getLogger(NodeOdmController.class);
  private static final String FORMS = MediaType.MULTIPART_FORM_DATA;

  private final ApiTasks tasks;
  private final ApiTaskWatcher watcher;
  private final NodeFigures figures;
  private final OptionCatalogue catalogue;

  public NodeOdmController(ApiTasks tasks, ApiTaskWatcher watcher, NodeFigures figures, @Named("api") Engine engine) {
    this.tasks = tasks;
    this.watcher = watcher;
    this.figures = figures;
    this.catalogue = engine.catalogue();
  }

  @Get("/info")
  public NodeInfo info() {
    return figures.info();
  }

  @Get("/options")
  public List<NodeOption> options() {
    return catalogue.all().stream()
        .map(o -> new NodeOption(o.name(), o.type(), o.value().isContainerNode() ? o.value().toString() : o.value().asText(),
            o.domain(), o.help()))
        .toList();
  }

  @Post(value = "/task/new/init", consumes = {MediaType.MULTIPART_FORM_DATA, MediaType.APPLICATION_FORM_URLENCODED, MediaType.APPLICATION_JSON})
  public Map<String, String> init(
      @Nullable @Header("set-uuid") String setUuid,
      @Nullable String name,
      @Nullable String options,
      @Nullable String webhook,
      @Nullable String outputs,
      @Nullable String skipPostProcessing,
      HttpRequest<?> request)
      throws ApiException, TransientFailureException {
    return Map.of("uuid", tasks.init(setUuid, name, options, webhook, outputs, skipPostProcessing, splitMergeJob(request)));
  }

  @RequestBodyLimitFilter.Streamed
  @Post(value = "/task/new/upload/{uuid}", consumes = FORMS)
  public Map<String, Object> upload(@PathVariable String uuid, Publisher<StreamingFileUpload> images, HttpRequest<?> request)
      throws ApiException, TransientFailureException {
    tasks.checkScope(uuid, splitMergeJob(request));
    tasks.upload(uuid, Flux.from(images).map(FileUpload::new).toIterable(1));
    return Map.of("success", true);
  }

  @Post(value = "/task/new/commit/{uuid}", consumes = {MediaType.ALL})
  public Map<String, String> commit(@PathVariable String uuid, HttpRequest<?> request) throws ApiException, TransientFailureException {
    tasks.checkScope(uuid, splitMergeJob(request));
    tasks.commit(uuid);
    return Map.of("uuid", uuid);
  }

  /** The single-request form: fields first, then the {@code images} (as pyODM's fallback sends). */
  @RequestBodyLimitFilter.Streamed
  @Post(value = "/task/new", consumes = FORMS)
  public Map<String, String> create(
      @Nullable @Header("set-uuid") String setUuid,
      @Nullable String name,
      @Nullable String options,
      @Nullable String webhook,
      @Nullable String outputs,
      @Nullable String skipPostProcessing,
      @Nullable String zipurl,
      Publisher<StreamingFileUpload> images,
      HttpRequest<?> request)
      throws ApiException, TransientFailureException {
    if (zipurl != null && !zipurl.isBlank()) {
      throw new ApiException("zipurl is not supported by this node: upload the images instead", true);
    }
    return Map.of("uuid", tasks.create(setUuid, name, options, webhook, outputs, skipPostProcessing, splitMergeJob(request),
        Flux.from(images).map(FileUpload::new).toIterable(1)));
  }

  @Get("/task/list")
  public List<Map<String, String>> list() throws TransientFailureException {
    return tasks.list().stream().map(u -> Map.of("uuid", u)).toList();
  }

  @Get("/task/{uuid}/info")
  public TaskInfo taskInfo(@PathVariable String uuid, @Nullable @QueryValue("with_output") String withOutput, HttpRequest<?> request)
      throws ApiException, TransientFailureException {
    tasks.checkScope(uuid, splitMergeJob(request));
    return tasks.info(uuid, withOutput);
  }

  @Get("/task/{uuid}/output")
  public List<String> output(@PathVariable String uuid, @Nullable @QueryValue String line, HttpRequest<?> request)
      throws ApiException, TransientFailureException {
    tasks.checkScope(uuid, splitMergeJob(request));
    return tasks.output(uuid, line);
  }

  @Get("/task/{uuid}/download/{asset}")
  public HttpResponse<?> download(
      @PathVariable String uuid, @PathVariable String asset, @Nullable @Header("Range") String range, HttpRequest<?> request)
      throws ApiException, TransientFailureException {
    tasks.checkScope(uuid, splitMergeJob(request));
    String single = range != null && range.startsWith("bytes=") && !range.contains(",") ? range : null;
    BucketStore.RangeRead read = tasks.download(uuid, asset, single);
    if (read instanceof BucketStore.RangeRead.Unsatisfiable unsatisfiable) {
      return HttpResponse.status(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
          .header("Content-Range", "bytes */" + unsatisfiable.size())
          .header("Accept-Ranges", "bytes");
    }
    BucketStore.Opened object = ((BucketStore.RangeRead.Found) read).object();
    MediaType type = asset.endsWith(".zip") ? MediaType.of("application/zip")
        : asset.endsWith(".pdf") ? MediaType.of("application/pdf")
        : MediaType.APPLICATION_OCTET_STREAM_TYPE;
    StreamedFile file = new StreamedFile(object.body(), type, 0, object.contentLength());
    MutableHttpResponse<StreamedFile> response =
        (object.contentRange() != null ? HttpResponse.<StreamedFile>status(HttpStatus.PARTIAL_CONTENT) : HttpResponse.<StreamedFile>ok())
            .body(file)
            .header("Accept-Ranges", "bytes")
            .header("Content-Disposition", "attachment; filename=" + asset);
    if (object.contentRange() != null) {
      response.header("Content-Range", object.contentRange());
    }
    return response;
  }

  @Post(value = "/task/cancel", consumes = {MediaType.APPLICATION_FORM_URLENCODED, MediaType.MULTIPART_FORM_DATA, MediaType.APPLICATION_JSON})
  public Map<String, Object> cancel(@Nullable String uuid, HttpRequest<?> request) throws ApiException, TransientFailureException {
    tasks.checkScope(required(uuid), splitMergeJob(request));
    tasks.cancel(required(uuid));
    return Map.of("success", true);
  }

  @Post(value = "/task/remove", consumes = {MediaType.APPLICATION_FORM_URLENCODED, MediaType.MULTIPART_FORM_DATA, MediaType.APPLICATION_JSON})
  public Map<String, Object> remove(@Nullable String uuid, HttpRequest<?> request) throws ApiException, TransientFailureException {
    tasks.checkScope(required(uuid), splitMergeJob(request));
    tasks.remove(required(uuid));
    watcher.forget(uuid);
    return Map.of("success", true);
  }

  @Post(value = "/task/restart", consumes = {MediaType.APPLICATION_FORM_URLENCODED, MediaType.MULTIPART_FORM_DATA, MediaType.APPLICATION_JSON})
  public Map<String, Object> restart(@Nullable String uuid, @Nullable String options, HttpRequest<?> request)
      throws ApiException, TransientFailureException {
    tasks.checkScope(required(uuid), splitMergeJob(request));
    tasks.restart(required(uuid), options);
    watcher.forget(uuid);
    return Map.of("success", true);
  }

  /**
   * The split-merge job whose token the call carries ({@link TokenFilter}), or null. Read from the
   * request, not bound as a {@code @RequestAttribute} argument: an argument that is absent would
   * make Micronaut wait for (and buffer) the whole body before running an upload route.
   */
  private static @Nullable String splitMergeJob(HttpRequest<?> request) {
    return request.getAttribute(TokenFilter.SPLIT_MERGE_JOB, String.class).orElse(null);
  }

  private static String required(@Nullable String uuid) throws ApiException {
    if (uuid == null || uuid.isBlank()) {
      throw new ApiException("uuid param missing.");
    }
    return uuid;
  }

  @Error(exception = ApiException.class)
  public HttpResponse<Map<String, Object>> apiError(HttpRequest<?> request, ApiException e) {
    Map<String, Object> body = new LinkedHashMap<>();
    if (request.getPath().matches("/task/(cancel|remove|restart)")) {
      body.put("success", false); // NodeODM's successHandler adds it
    }
    body.put("error", e.getMessage());
    if (e.noRetry()) {
      body.put("noRetry", true);
    }
    return HttpResponse.ok(body);
  }

  @Error(exception = TransientFailureException.class)
  public HttpResponse<Map<String, Object>> unavailable(HttpRequest<?> request, TransientFailureException e) {
    LOG.warn("{} {} failed: {}", request.getMethod(), request.getPath(), e.getMessage());
    return HttpResponse.ok(Map.of("error", "Storage or cluster unavailable, try again: " + e.getMessage()));
  }

  @Error(exception = org.odmwatcher.storage.PermanentFailureException.class)
  public HttpResponse<Map<String, Object>> refusedByStore(
      HttpRequest<?> request, org.odmwatcher.storage.PermanentFailureException e) {
    LOG.warn("{} {} refused by the store: {}", request.getMethod(), request.getPath(), e.getMessage());
    return HttpResponse.ok(Map.of("error", "The storage refused this request for good", "noRetry", true));
  }

  /** A multipart file as {@link ApiTasks} reads it. */
  private record FileUpload(StreamingFileUpload upload) implements ApiTasks.Upload {
    @Override
    public String filename() {
      return upload.getFilename();
    }

    @Override
    public InputStream content() {
      return new CompleteOrFail(upload);
    }

    @Override
    public String contentType() {
      return upload.getContentType().map(MediaType::toString).orElse(MediaType.APPLICATION_OCTET_STREAM);
    }
  }

  /** Ends only if the part really ended; a request that broke off mid-file fails instead. */
  private static final class CompleteOrFail extends FilterInputStream {
    private final StreamingFileUpload upload;

    CompleteOrFail(StreamingFileUpload upload) {
      super(upload.asInputStream());
      this.upload = upload;
    }

    @Override
    public int read() throws IOException {
      return check(super.read());
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return check(super.read(b, off, len));
    }

    private int check(int n) throws IOException {
      if (n < 0 && !upload.isComplete()) {
        throw new IOException(upload.getFilename() + " ended before its part was complete");
      }
      return n;
    }
  }
}
