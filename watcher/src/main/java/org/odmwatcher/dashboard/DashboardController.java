package org.odmwatcher.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.server.types.files.StreamedFile;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.io.IOException;
import java.net.URI;
import java.io.UncheckedIOException;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.odmwatcher.config.DashboardConfig;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.status.JobState;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.OutputKeyValidator;
import org.odmwatcher.status.StatusIndex;
import org.odmwatcher.storage.BucketStore;
import org.odmwatcher.storage.ObjectLinks;

/**
 * The dashboard: the page at {@code /} (and its {@code assets/}), its settings ({@code
 * dashboard.json}), and the JSON feed it reads — {@code /jobs} (a page of the list, filtered and
 * sorted, from the in-memory index), {@code /job} (one job's whole status), {@code /job/output}
 * (a result, as a redirect to a presigned URL or streamed). Sign-in: {@code POST /login}.
 */
@Controller
@Requires(property = DashboardConfig.PREFIX + ".enabled", notEquals = "false")
@ExecuteOn(TaskExecutors.BLOCKING)
public class DashboardController {
  private static final int MAX_PAGE_SIZE = 500;

  private final StatusIndex index;
  private final DashboardRuntime runtime;
  private final DashboardAccess access;
  private final DashboardConfig config;
  private final BucketStore store;
  private final ObjectLinks links;
  private final OutputKeyValidator outputKeys;
  private final String contentSecurityPolicy;
  private final ObjectMapper json =
      new ObjectMapper().registerModule(new JavaTimeModule()).disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .setSerializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL);

  public DashboardController(
      StatusIndex index, DashboardRuntime runtime, DashboardAccess access, DashboardConfig config,
      BucketStore store, ObjectLinks links, OutputKeyValidator outputKeys,
      org.odmwatcher.config.S3Config s3) {
    this.index = index;
    this.runtime = runtime;
    this.access = access;
    this.config = config;
    this.store = store;
    this.links = links;
    this.outputKeys = outputKeys;
    this.contentSecurityPolicy = contentSecurityPolicy(s3, config);
  }

  /**
   * The page reads its own origin, plus, for the map, the store (presigned range reads: {@code
   * connect-src}) and the base map's tile server when one is set ({@code img-src}); geotiff.js
   * decodes in workers it starts from {@code blob:} URLs (its {@code Pool}).
   */
  static String contentSecurityPolicy(org.odmwatcher.config.S3Config s3, DashboardConfig config) {
    String store;
    if (s3.hasEndpoint()) {
      URI endpoint = URI.create(s3.endpoint());
      String origin = endpoint.getScheme() + "://" + endpoint.getRawAuthority();
      // virtual-hosted style puts the bucket in the host name
      store = s3.pathStyle() ? origin : origin + " " + endpoint.getScheme() + "://*." + endpoint.getRawAuthority();
    } else {
      store = "https://*.amazonaws.com";
    }
    String tiles = "";
    if (config.baseMapUrl() != null) {
      URI base = URI.create(config.baseMapUrl().replaceAll("[{}]", ""));
      tiles = " " + base.getScheme() + "://" + base.getRawAuthority();
    }
    return "default-src 'self'; connect-src 'self' " + store + "; img-src 'self' data: blob:" + tiles
        + "; style-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'";
  }

  @Get(produces = MediaType.TEXT_HTML)
  public HttpResponse<byte[]> page() {
    return file("index.html");
  }

  @Get("/assets/{name}")
  public HttpResponse<byte[]> asset(@PathVariable String name) {
    String file = "assets/" + name;
    if (!SummaryPublisher.SITE_FILES.contains(file)) {
      return HttpResponse.notFound();
    }
    return file(file);
  }

  /** The map's libraries (OpenLayers, geotiff.js), from their WebJars. */
  @Get("/assets/vendor/{name}")
  public HttpResponse<byte[]> vendor(@PathVariable String name) {
    return asset("vendor/" + name);
  }

  private HttpResponse<byte[]> file(String file) {
    return HttpResponse.ok(SummaryPublisher.resource(file))
        .contentType(SummaryPublisher.contentType(file))
        .header(HttpHeaders.CACHE_CONTROL, "no-cache")
        .header("X-Content-Type-Options", "nosniff")
        .header("Content-Security-Policy", contentSecurityPolicy);
  }

  /** What the page needs to know about where it runs. */
  @Get(value = "/dashboard.json", produces = MediaType.APPLICATION_JSON)
  public HttpResponse<String> settings(HttpRequest<?> request) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("source", "watcher");
    body.put("signInRequired", access.required());
    body.put("signedIn", !access.required() || access.allowed(request));
    if (config.argoUiUrl() != null) {
      body.put("argoUiUrl", config.argoUiUrl());
    }
    SummaryPublisher.putBaseMap(body, config);
    return jsonOk(body);
  }

  /**
   * What the job's map draws, as short-lived presigned GET links straight to the store (the
   * browser reads the GeoTIFFs with range requests, so the watcher carries none of their bytes):
   * the orthophoto, DSM and DTM among the job's outputs, ODM's camera positions ({@code
   * odm_report/shots.geojson}) and the image positions read before ODM ran ({@link
   * ImagePositions}).
   */
  @DashboardAccess.Guarded
  @Get(value = "/job/map", produces = MediaType.APPLICATION_JSON)
  public HttpResponse<String> map(@QueryValue String bucket, @QueryValue String folder) {
    Optional<StatusIndex.Row> row = index.get(bucket, folder);
    if (row.isEmpty()) {
      return jsonError(HttpStatus.NOT_FOUND, "no job in s3://" + bucket + "/" + folder);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    Map<String, String> layers = new LinkedHashMap<>();
    List<String> outputs = row.get().status().outputs() == null ? List.of() : row.get().status().outputs();
    for (Map.Entry<String, String> layer : MapLayers.OUTPUTS.entrySet()) {
      outputs.stream().filter(k -> k.endsWith(layer.getValue()) && outputKeys.accepts(k)).findFirst()
          .ifPresent(k -> layers.put(layer.getKey(), links.view(bucket, folder + k).toString()));
    }
    body.put("layers", layers);
    body.put("positions", links.view(bucket, folder + ImagePositions.KEY).toString());
    return jsonOk(body).header(HttpHeaders.CACHE_CONTROL, "no-store");
  }

  @DashboardAccess.SignIn
  @Post(value = "/login", consumes = MediaType.APPLICATION_FORM_URLENCODED)
  public HttpResponse<?> login(HttpRequest<?> request, @Body Map<String, String> form) {
    String token = form.getOrDefault("token", "");
    var cookie = access.signIn(token, request);
    if (cookie == null) {
      return HttpResponse.unauthorized()
          .contentType(MediaType.APPLICATION_JSON_TYPE)
          .body("{\"error\":\"that is not the watcher's API token\"}");
    }
    return HttpResponse.noContent().cookie(cookie);
  }

  @DashboardAccess.SignIn
  @Post("/logout")
  @Consumes({MediaType.APPLICATION_FORM_URLENCODED, MediaType.ALL})
  public HttpResponse<?> logout(HttpRequest<?> request) {
    return HttpResponse.noContent().cookie(access.signOut(request));
  }

  /**
   * A page of the job list. {@code state}: comma-separated states; {@code q}: text in the folder,
   * name, bucket or job id; {@code sort}: updated (default), created, name, folder, state,
   * progress, images, duration; {@code order}: desc (default) or asc.
   */
  @DashboardAccess.Guarded
  @Get(value = "/jobs", produces = MediaType.APPLICATION_JSON)
  public HttpResponse<String> jobs(
      HttpRequest<?> request,
      @QueryValue @Nullable String state,
      @QueryValue @Nullable String q,
      @QueryValue @Nullable String sort,
      @QueryValue @Nullable String order,
      @QueryValue @Nullable Integer page,
      @QueryValue @Nullable Integer size) {
    Set<JobState> states = EnumSet.noneOf(JobState.class);
    if (state != null && !state.isBlank()) {
      for (String s : state.split(",")) {
        try {
          states.add(JobState.fromWire(s.trim()));
        } catch (IllegalArgumentException e) {
          return jsonError(HttpStatus.BAD_REQUEST, "unknown state " + s.trim());
        }
      }
    }
    int pageSize = size == null ? 50 : Math.max(1, Math.min(MAX_PAGE_SIZE, size));
    IndexSeeder.Progress progress = runtime.progress();
    String eTag = "\"" + index.version() + "-" + progress.complete() + "-" + progress.checked() + "-"
        + Integer.toHexString(String.join("|", String.valueOf(state), String.valueOf(q), String.valueOf(sort),
            String.valueOf(order), String.valueOf(page), String.valueOf(pageSize)).hashCode()) + "\"";
    if (eTag.equals(request.getHeaders().get(HttpHeaders.IF_NONE_MATCH))) {
      return HttpResponse.<String>status(HttpStatus.NOT_MODIFIED).header(HttpHeaders.ETAG, eTag);
    }
    StatusIndex.Page result = index.query(new StatusIndex.Query(
        states, q, sort, !"asc".equalsIgnoreCase(order), page == null ? 0 : page, pageSize));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("total", result.total());
    body.put("page", page == null ? 0 : page);
    body.put("size", pageSize);
    // complete: every folder known is listed (from the summary objects at first); checked: a listing
    // of each bucket has confirmed it; asOf: until then, the time of the summary the rows came from
    body.put("complete", progress.complete());
    body.put("checked", progress.checked());
    if (progress.asOf() != null) {
      body.put("asOf", progress.asOf());
    }
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (JobState s : JobState.values()) {
      counts.put(s.wireName(), result.counts().getOrDefault(s, 0));
    }
    body.put("counts", counts);
    body.put("jobs", result.rows().stream().map(JobRow::of).toList());
    return jsonOk(body).header(HttpHeaders.ETAG, eTag).header(HttpHeaders.CACHE_CONTROL, "no-cache");
  }

  /** One job: its row and its whole status. */
  @DashboardAccess.Guarded
  @Get(value = "/job", produces = MediaType.APPLICATION_JSON)
  public HttpResponse<String> job(@QueryValue String bucket, @QueryValue String folder) throws TransientFailureException {
    Optional<StatusIndex.Row> row = runtime.row(bucket, folder);
    if (row.isEmpty()) {
      return jsonError(HttpStatus.NOT_FOUND, "no job in s3://" + bucket + "/" + folder);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("bucket", bucket);
    body.put("folder", folder);
    body.put("status", row.get().status());
    if (config.argoUiUrl() != null && row.get().status().workflow() != null) {
      JobStatus.WorkflowRef wf = row.get().status().workflow();
      body.put("argoUrl", config.argoUiUrl().replaceAll("/+$", "") + "/workflows/" + wf.namespace() + "/" + wf.name());
    }
    return jsonOk(body);
  }

  /**
   * One of a job's results (only keys its status lists as outputs, and only inside its results
   * folder, checked again here although the index already dropped the others): a redirect to a
   * presigned URL of the store, or the bytes streamed through the watcher ({@code
   * watcher.dashboard.downloads}).
   */
  @DashboardAccess.Guarded
  @Get("/job/output")
  public HttpResponse<?> output(
      @QueryValue String bucket, @QueryValue String folder, @QueryValue String key,
      @Nullable @io.micronaut.http.annotation.Header("Range") String range) throws TransientFailureException {
    Optional<StatusIndex.Row> row = runtime.row(bucket, folder);
    List<String> outputs = row.map(r -> r.status().outputs()).orElse(null);
    if (outputs == null || !outputs.contains(key) || !outputKeys.accepts(key)) {
      return jsonError(HttpStatus.NOT_FOUND, "no output " + key + " in s3://" + bucket + "/" + folder);
    }
    String objectKey = folder + key;
    String fileName = key.substring(key.lastIndexOf('/') + 1);
    if ("redirect".equals(config.downloads())) {
      return HttpResponse.seeOther(links.get(bucket, objectKey, fileName));
    }
    BucketStore.RangeRead read = store.open(bucket, objectKey, range);
    if (!(read instanceof BucketStore.RangeRead.Found found)) {
      return jsonError(HttpStatus.NOT_FOUND, "s3://" + bucket + "/" + objectKey + " is gone");
    }
    MediaType type = found.object().contentType() == null
        ? MediaType.APPLICATION_OCTET_STREAM_TYPE : MediaType.of(found.object().contentType());
    StreamedFile file = new StreamedFile(found.object().body(), type).attach(fileName);
    MutableHttpResponse<StreamedFile> response = HttpResponse.ok(file);
    if (found.object().contentRange() != null) {
      response.status(HttpStatus.PARTIAL_CONTENT).header(HttpHeaders.CONTENT_RANGE, found.object().contentRange());
    }
    return response;
  }

  private MutableHttpResponse<String> jsonOk(Object body) {
    try {
      return HttpResponse.ok(json.writeValueAsString(body)).contentType(MediaType.APPLICATION_JSON_TYPE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private MutableHttpResponse<String> jsonError(HttpStatus status, String message) {
    try {
      return HttpResponse.<String>status(status)
          .contentType(MediaType.APPLICATION_JSON_TYPE)
          .body(json.writeValueAsString(Map.of("error", message)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
