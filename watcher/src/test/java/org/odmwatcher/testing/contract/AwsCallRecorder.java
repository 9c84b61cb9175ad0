package org.odmwatcher.testing.contract;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.odmwatcher.testing.Principal;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.s3.model.DeleteObjectsRequest;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;

/**
 * Records every S3 and SQS call any SDK client in the test JVM sends (registered for all clients
 * through {@code software/amazon/awssdk/global/handlers/execution.interceptors}, the SDK's global
 * interceptor hook), for the IAM contract. The caller is told by the access key in the signed
 * request's {@code Authorization} header, as AWS itself tells it: {@code Credential=<key>/<date>/…}.
 * Only calls a server answered are kept (a request to a port nobody listens on authorises nothing),
 * and of them only what decides the IAM action and resource: service, operation, bucket, key,
 * version, the keys of a DeleteObjects, the queue URL.
 */
public final class AwsCallRecorder implements ExecutionInterceptor {
  private static final Pattern CREDENTIAL = Pattern.compile("Credential=([^/,\\s]+)/");
  /** S3 calls answered, by bucket and key (or listing prefix): every one, unlike the deduplicated log. */
  private static final Map<String, java.util.concurrent.atomic.LongAdder> S3_CALLS =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * S3 calls any client of this JVM sent (and a server answered) so far for keys, or listings of
   * prefixes, that start with {@code prefix} in {@code bucket}. Counted whether or not the call log
   * is on, so a test or the bench can tell how many requests a piece of work cost.
   */
  public static long s3Calls(String bucket, String prefix) {
    return s3CallsByTarget(bucket, prefix).values().stream().mapToLong(Long::longValue).sum();
  }

  /** {@link #s3Calls} per bucket/key (or bucket/prefix of a listing), to tell which calls they were. */
  public static Map<String, Long> s3CallsByTarget(String bucket, String prefix) {
    String start = bucket + "/" + prefix;
    Map<String, Long> calls = new java.util.TreeMap<>();
    S3_CALLS.forEach((target, count) -> {
      if (target.startsWith(start)) {
        calls.put(target, count.sum());
      }
    });
    return calls;
  }

  @Override
  public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
    String service = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME);
    if (!"S3".equals(service) && !"Sqs".equals(service)) {
      return;
    }
    String accessKey =
        context.httpRequest().firstMatchingHeader("Authorization")
            .map(CREDENTIAL::matcher)
            .filter(Matcher::find)
            .map(m -> m.group(1))
            .orElse("");
    SdkRequest request = context.request();
    if ("S3".equals(service)) {
      String target = field(request, "Bucket").orElse("") + "/"
          + field(request, "Key").or(() -> field(request, "Prefix")).orElse("");
      S3_CALLS.computeIfAbsent(target, k -> new java.util.concurrent.atomic.LongAdder()).increment();
    }
    Map<String, Object> call = new LinkedHashMap<>();
    call.put("principal", Principal.byAccessKey(accessKey).map(Enum::name).orElse(null));
    call.put("accessKey", accessKey);
    call.put("service", service);
    call.put("operation", attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
    call.put("bucket", field(request, "Bucket").orElse(null));
    call.put("key", field(request, "Key").orElse(null));
    call.put("versionId", field(request, "VersionId").orElse(null));
    call.put("acl", field(request, "ACL").orElse(null));
    call.put("destinationBucket", field(request, "DestinationBucket").orElse(null));
    call.put("destinationKey", field(request, "DestinationKey").orElse(null));
    call.put("sourceBucket", field(request, "SourceBucket").orElse(null));
    call.put("sourceKey", field(request, "SourceKey").orElse(null));
    call.put("queueUrl", field(request, "QueueUrl").orElse(null));
    if (request instanceof DeleteObjectsRequest delete && delete.delete() != null) {
      List<String> keys = delete.delete().objects().stream().map(ObjectIdentifier::key).sorted().toList();
      call.put("keys", keys);
    }
    CallLog.AWS.record(call);
  }

  private static Optional<String> field(SdkRequest request, String name) {
    try {
      return request.getValueForField(name, Object.class).map(String::valueOf);
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }
}
