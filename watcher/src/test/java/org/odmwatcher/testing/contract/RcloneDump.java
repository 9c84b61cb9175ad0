package org.odmwatcher.testing.contract;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.odmwatcher.testing.Principal;

/**
 * The S3 calls a real {@code rclone} made, told from its own log, for the IAM contract: the SDK
 * clients of the test JVM are recorded by {@link AwsCallRecorder}, but the step test's rclone is a
 * process of its own that no interceptor sees.
 *
 * <p>rclone run with {@code --dump headers,auth} (env {@code RCLONE_DUMP}, {@link #ENV}) logs every
 * HTTP exchange: rclone fs/fshttp/http.go {@code Transport.RoundTrip} writes, under one lock, a
 * {@code >>>>} separator, {@code HTTP REQUEST (req 0x…)}, Go's {@code httputil.DumpRequestOut}
 * (request line, then headers, the Authorization header kept because of {@code auth}), and the
 * separator again; then {@code HTTP RESPONSE (req 0x…)} with {@code httputil.DumpResponse} (status
 * line first) or {@code Error: …} when no server answered. The caller is told as AWS tells it, by
 * the access key in {@code Authorization: AWS4-HMAC-SHA256 Credential=<key>/…}; only requests a
 * server answered are kept, as for the SDK clients.
 *
 * <p>The S3 operation is told from the request as S3's REST API defines it (path-style addressing,
 * as the overlays set {@code force_path_style}; Amazon S3 API Reference, each operation's "Request
 * Syntax"): {@code GET /} ListBuckets; on a bucket, {@code GET ?list-type=2} ListObjectsV2, {@code
 * GET ?uploads} ListMultipartUploads, {@code GET ?versions} ListObjectVersions, {@code GET
 * ?location} GetBucketLocation, other {@code GET} ListObjects, {@code HEAD} HeadBucket, {@code PUT}
 * CreateBucket, {@code POST ?delete} DeleteObjects; on an object, {@code GET} GetObject (ListParts
 * with {@code uploadId}), {@code HEAD} HeadObject, {@code PUT} PutObject (UploadPart with {@code
 * partNumber}, CopyObject with {@code x-amz-copy-source}), {@code POST ?uploads}
 * CreateMultipartUpload, {@code POST ?uploadId} CompleteMultipartUpload, {@code DELETE}
 * DeleteObject (AbortMultipartUpload with {@code uploadId}). Anything else is recorded as {@code
 * Unknown <METHOD>}, which no policy grants, so a new kind of request fails the contract loudly.
 */
public final class RcloneDump {
  /** The env that makes rclone log its requests (rclone docs, "--dump DumpFlags": headers, auth). */
  public static final Map<String, String> ENV = Map.of("RCLONE_DUMP", "headers,auth");

  /**
   * Query parameters that select no subresource: a listing's (ListObjects, ListObjectsV2,
   * ListObjectVersions, ListMultipartUploads), the operation marks, and the SDK's {@code x-id}
   * (AWS SDK for Go v2, which rclone 1.61+ uses, names the operation in it). Any other parameter is
   * a subresource ({@code ?acl}, {@code ?tagging}, {@code ?policy}, …), an operation of its own.
   */
  private static final Set<String> BUCKET_PARAMETERS = Set.of("delimiter", "encoding-type",
      "list-type", "max-keys", "prefix", "continuation-token", "start-after", "fetch-owner", "marker", "versions",
      "key-marker", "version-id-marker", "upload-id-marker", "max-uploads", "uploads", "location", "delete", "x-id");
  private static final Set<String> OBJECT_PARAMETERS =
      Set.of("uploadId", "partNumber", "versionId", "uploads", "max-parts", "part-number-marker", "x-id");

  private static final Pattern REQUEST = Pattern.compile("HTTP REQUEST \\(req (0x[0-9a-f]+)\\)");
  private static final Pattern RESPONSE = Pattern.compile("HTTP RESPONSE \\(req (0x[0-9a-f]+)\\)");
  private static final Pattern REQUEST_LINE = Pattern.compile("^(?:.* DEBUG : )?([A-Z]+) (\\S+) HTTP/1\\.1$");
  private static final Pattern STATUS_LINE = Pattern.compile("^(?:.* DEBUG : )?HTTP/[0-9.]+ (\\d{3})\\b.*$");
  private static final Pattern CREDENTIAL = Pattern.compile("Credential=([^/,\\s]+)/");

  /** One request rclone sent, and the status a server answered it with (0: no answer). */
  public record Exchange(String method, String target, Map<String, String> headers, int status) {
    /** The call in {@link AwsCallRecorder}'s fields: service, operation, bucket, key, principal. */
    public Map<String, Object> call() {
      URI uri = URI.create("http://host" + target);
      String path = uri.getRawPath();
      Map<String, String> query = query(uri.getRawQuery());
      String[] parts = path.replaceFirst("^/", "").split("/", 2);
      String bucket = parts[0].isEmpty() ? null : decode(parts[0]);
      String key = parts.length < 2 || parts[1].isEmpty() ? null : decode(parts[1]);
      String accessKey = headers.getOrDefault("authorization", "");
      Matcher credential = CREDENTIAL.matcher(accessKey);
      accessKey = credential.find() ? credential.group(1) : "";
      Map<String, Object> call = new LinkedHashMap<>();
      call.put("principal", Principal.byAccessKey(accessKey).map(Enum::name).orElse(null));
      call.put("accessKey", accessKey);
      call.put("service", "S3");
      call.put("operation", operation(bucket, key, query));
      call.put("bucket", bucket);
      call.put("key", key != null ? key : query.get("prefix"));
      call.put("versionId", query.get("versionId"));
      call.put("acl", headers.get("x-amz-acl"));
      call.put("client", "rclone");
      if (headers.containsKey("x-amz-copy-source")) {
        String source = decode(headers.get("x-amz-copy-source").replaceFirst("^/", "").replaceFirst("\\?.*$", ""));
        String[] from = source.split("/", 2);
        call.put("sourceBucket", from[0]);
        call.put("sourceKey", from.length > 1 ? from[1] : null);
        call.put("destinationBucket", bucket);
        call.put("destinationKey", key);
      }
      return call;
    }

    private String operation(String bucket, String key, Map<String, String> query) {
      if (bucket == null) {
        return method.equals("GET") ? "ListBuckets" : "Unknown " + method;
      }
      List<String> subresources = query.keySet().stream()
          .filter(q -> !(key == null ? BUCKET_PARAMETERS : OBJECT_PARAMETERS).contains(q) && !q.startsWith("response-"))
          .sorted().toList();
      if (!subresources.isEmpty()) {
        return "Unknown " + method + " ?" + String.join("&", subresources);
      }
      if (key == null) {
        return switch (method) {
          case "GET" -> query.containsKey("list-type") && "2".equals(query.get("list-type")) ? "ListObjectsV2"
              : query.containsKey("uploads") ? "ListMultipartUploads"
              : query.containsKey("versions") ? "ListObjectVersions"
              : query.containsKey("location") ? "GetBucketLocation"
              : "ListObjects";
          case "HEAD" -> "HeadBucket";
          case "PUT" -> query.isEmpty() ? "CreateBucket" : "Unknown PUT";
          case "POST" -> query.containsKey("delete") ? "DeleteObjects" : "Unknown POST";
          default -> "Unknown " + method;
        };
      }
      return switch (method) {
        case "GET" -> query.containsKey("uploadId") ? "ListParts" : "GetObject";
        case "HEAD" -> "HeadObject";
        case "PUT" -> query.containsKey("partNumber") ? "UploadPart"
            : headers.containsKey("x-amz-copy-source") ? "CopyObject" : "PutObject";
        case "POST" -> query.containsKey("uploads") ? "CreateMultipartUpload"
            : query.containsKey("uploadId") ? "CompleteMultipartUpload" : "Unknown POST";
        case "DELETE" -> query.containsKey("uploadId") ? "AbortMultipartUpload" : "DeleteObject";
        default -> "Unknown " + method;
      };
    }
  }

  private RcloneDump() {}

  /** The exchanges in an rclone log written with {@link #ENV}, in the order they were sent. */
  public static List<Exchange> exchanges(String log) {
    List<Exchange> out = new ArrayList<>();
    Map<String, Integer> open = new LinkedHashMap<>();
    String[] lines = log.split("\r?\n");
    for (int i = 0; i < lines.length; i++) {
      Matcher request = REQUEST.matcher(lines[i]);
      Matcher response = RESPONSE.matcher(lines[i]);
      if (request.find() && i + 1 < lines.length) {
        Matcher line = REQUEST_LINE.matcher(lines[++i]);
        if (!line.matches()) {
          throw new IllegalStateException("rclone dump: no request line after " + lines[i - 1] + ": " + lines[i]);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        while (i + 1 < lines.length && lines[i + 1].contains(": ") && !lines[i + 1].contains(" DEBUG : ")) {
          String header = lines[++i];
          int colon = header.indexOf(": ");
          headers.put(header.substring(0, colon).toLowerCase(Locale.ROOT), header.substring(colon + 2));
        }
        open.put(request.group(1), out.size());
        out.add(new Exchange(line.group(1), line.group(2), headers, 0));
      } else if (response.find() && i + 1 < lines.length) {
        Integer index = open.remove(response.group(1));
        Matcher status = STATUS_LINE.matcher(lines[i + 1]);
        if (index != null && status.matches()) {
          Exchange sent = out.get(index);
          out.set(index, new Exchange(sent.method(), sent.target(), sent.headers(), Integer.parseInt(status.group(1))));
        }
      }
    }
    return out;
  }

  /** Records {@link #calls} in {@link CallLog#AWS}. */
  public static void record(String log, boolean asPinnedRclone) {
    calls(log, asPinnedRclone).forEach(CallLog.AWS::record);
  }

  /**
   * The calls of every exchange of {@code log} that a server answered. With
   * {@code asPinnedRclone}, an {@code X-Amz-Acl: private} header is left out: rclone before 1.61
   * sent it whenever no ACL was configured (backend/s3/s3.go NewFs, {@code if opt.ACL == "" {
   * opt.ACL = "private" }}, removed by commit c7c9356af "s3: stop setting object and bucket ACL to
   * private if it is an empty string", #5730), the rclone the template pins sends no ACL header then
   * ({@code types.ObjectCannedACL(o.fs.opt.ACL)} left empty is not serialised). The caller decides,
   * from both versions and the container's env, when that applies.
   */
  public static List<Map<String, Object>> calls(String log, boolean asPinnedRclone) {
    List<Map<String, Object>> calls = new ArrayList<>();
    for (Exchange exchange : exchanges(log)) {
      if (exchange.status() > 0) {
        Map<String, Object> call = exchange.call();
        if (asPinnedRclone && "private".equals(call.get("acl"))) {
          call.put("acl", null);
        }
        calls.add(call);
      }
    }
    return calls;
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> query = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return query;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      query.put(decode(eq < 0 ? pair : pair.substring(0, eq)), eq < 0 ? "" : decode(pair.substring(eq + 1)));
    }
    return query;
  }

  /** Percent-decoding of a path segment or query value: {@code +} stays {@code +} (RFC 3986). */
  private static String decode(String raw) {
    return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
  }
}
