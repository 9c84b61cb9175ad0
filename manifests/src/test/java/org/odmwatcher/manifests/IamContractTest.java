package org.odmwatcher.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The IAM contract: every S3 and SQS call the watcher module's tests made as the watcher or as the
 * Workflow pods (recorded per access key by its {@code AwsCallRecorder}) must be allowed by the
 * policy we tell users to attach to that identity in {@code event-sources/aws}, evaluated as IAM
 * does ({@link IamPolicy}, {@link AwsCall}). The placeholders are filled explicitly: {@code
 * ${BUCKET}} with the bucket of the call (each test has its own), {@code ${REGION}} with the tests'
 * {@code us-east-1}, {@code ${ACCOUNT_ID}} with ElasticMQ's account; a test's queue stands for
 * {@code odm-watcher}. A call not allowed fails the build naming the call, the action and the policy.
 */
class IamContractTest {
  static final Map<String, String> POLICIES =
      Map.of("WATCHER", "iam-watcher-policy.json", "WORKFLOW", "iam-workflow-pods-policy.json");
  /** Who else signs calls in the tests: the user and the test harness, and the test Argo's controller. */
  static final Set<String> NOT_OURS = Set.of("PILOT", "CONTROLLER");
  /**
   * Keys that are nobody's on purpose: local mode's embedded S3 server, which is not AWS and knows
   * no IAM (LocalMode's default {@code odm-local}, the local-mode tests' {@code local-test} in
   * LocalWorld), and the key JobFinishedCommandTest signs with to see the store refuse it.
   */
  static final Set<String> NO_IAM_KEYS = Set.of("odm-local", "local-test", "not-a-principal");
  /** Local mode's own random keys (LocalKeys: "odm-" and 20 hex digits, made per data directory). */
  static final java.util.regex.Pattern LOCAL_MODE_KEY = java.util.regex.Pattern.compile("odm-[0-9a-f]{20}");

  static boolean noIamKey(String accessKey) {
    return NO_IAM_KEYS.contains(accessKey) || LOCAL_MODE_KEY.matcher(accessKey).matches();
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  static Path awsDirectory() {
    return Manifests.root().getParent().resolve("event-sources/aws");
  }

  static List<AwsCall> recorded() {
    return RecordedCalls.read("aws-calls.jsonl").stream().map(AwsCall::new).toList();
  }

  /** The shipped policy file of {@code principal} with the placeholders filled for {@code bucket}. */
  static IamPolicy shipped(String principal, String bucket) {
    return SHIPPED.computeIfAbsent(principal + " " + bucket, k -> load(principal, bucket));
  }

  private static final Map<String, IamPolicy> SHIPPED = new java.util.concurrent.ConcurrentHashMap<>();

  private static IamPolicy load(String principal, String bucket) {
    return IamPolicy.load(awsDirectory().resolve(POLICIES.get(principal)), Map.of(
        "BUCKET", bucket == null ? "no-bucket" : bucket, "REGION", IamPolicy.TEST_REGION, "ACCOUNT_ID", IamPolicy.TEST_ACCOUNT));
  }

  /** Every access of our principals' calls that {@code policyOf} refuses. */
  static List<String> violations(List<AwsCall> calls, Function<AwsCall, IamPolicy> policyOf) {
    List<String> refused = new ArrayList<>();
    for (AwsCall call : calls) {
      if (call.principal() == null || !POLICIES.containsKey(call.principal())) {
        continue;
      }
      IamPolicy policy = policyOf.apply(call);
      for (AwsCall.Access access : call.accesses()) {
        if (!policy.allows(access)) {
          refused.add(call + " needs " + access + ": not allowed by " + policy.name());
        }
      }
    }
    return refused;
  }

  @Test
  void theSuiteRecordedTheWatchersAndTheWorkflowPodsCalls() {
    Set<String> seen = new TreeSet<>();
    for (AwsCall c : recorded()) {
      seen.add(c.principal() + " " + c.service() + " " + c.operation());
    }
    assertThat(seen)
        .as("the SQS consumer, status writes, the NodeODM API's uploads and removes, and job-finished must be recorded")
        .contains("WATCHER Sqs ReceiveMessage", "WATCHER Sqs DeleteMessageBatch", "WATCHER S3 GetObject",
            "WATCHER S3 PutObject", "WATCHER S3 ListObjectsV2", "WATCHER S3 DeleteObjects",
            "WATCHER S3 CreateMultipartUpload", "WORKFLOW S3 PutObject", "WORKFLOW S3 GetObject");
  }

  /**
   * The step test (WorkflowStepsIT, failsafe) runs the template's rclone steps with a real rclone,
   * whose requests are recorded from its own log (testing/contract/RcloneDump): the download's
   * listing and reads, the upload's listing of the results prefix, its checks and writes.
   */
  @Test
  void theStepTestRecordedTheWorkflowPodsOwnRcloneCalls() {
    Set<String> seen = new TreeSet<>();
    for (AwsCall c : recorded()) {
      if ("rclone".equals(c.raw().path("client").asText())) {
        seen.add(c.principal() + " " + c.operation());
      }
    }
    assertThat(seen)
        .as("rclone's calls in the step test: run `mvn verify` (failsafe) before the manifests module")
        .contains("WORKFLOW ListObjectsV2", "WORKFLOW GetObject", "WORKFLOW HeadObject", "WORKFLOW PutObject");
  }

  @Test
  void aStepThatWritesResultsWithAnAclIsRefusedByTheWorkflowPodsPolicy() throws IOException {
    AwsCall put = new AwsCall(JSON.readTree("""
        {"principal": "WORKFLOW", "service": "S3", "operation": "PutObject", "bucket": "drone-uploads",
         "key": "farm/flight 3/results/odm.log", "acl": "private", "client": "rclone"}"""));
    assertThat(violations(List.of(put), c -> shipped(c.principal(), c.bucket()))).containsExactly(
        "S3 PutObject s3://drone-uploads/farm/flight 3/results/odm.log by WORKFLOW needs s3:PutObjectAcl on"
            + " arn:aws:s3:::drone-uploads/farm/flight 3/results/odm.log: not allowed by iam-workflow-pods-policy.json");
  }

  /** A fuzzed event may name a bucket with JSON's own escapes in it; the policy still fills and evaluates. */
  @Test
  void aBucketNameWithJsonEscapesFillsThePolicyAsData() {
    String bucket = "fz\\@\"x";
    IamPolicy policy = load("WATCHER", bucket);
    assertThat(policy.allows(new AwsCall.Access("s3:GetObject", "arn:aws:s3:::" + bucket + "/a/odm.json"))).isTrue();
    assertThat(policy.allows(new AwsCall.Access("s3:GetObject", "arn:aws:s3:::other/a/odm.json"))).isFalse();
  }

  @Test
  void everyCallIsSignedWithTheKeysOfAKnownPrincipal() {
    assertThat(recorded())
        .as("an S3/SQS client in the tests that signs with nobody's keys cannot be checked: give it a Principal's keys")
        .allMatch(c -> c.principal() != null || noIamKey(c.raw().path("accessKey").asText()));
  }

  @Test
  void everyCallOfTheWatcherAndTheWorkflowPodsIsAllowedByItsPolicy() {
    assertThat(violations(recorded(), c -> shipped(c.principal(), c.bucket()))).isEmpty();
  }

  /** Least privilege: each action the watcher's policy allows is needed by some call it makes. */
  @Test
  void theWatcherPolicyAllowsNoActionTheWatcherDoesNotUse() {
    List<AwsCall> calls = recorded();
    Set<String> actions = new TreeSet<>();
    shipped("WATCHER", "b").statements().forEach(s -> actions.addAll(s.actions()));
    for (String action : actions) {
      if (UNEXERCISED_WATCHER_ACTIONS.contains(action)) {
        continue;
      }
      assertThat(violations(calls, c -> shipped(c.principal(), c.bucket()).without(action)))
          .as("iam-watcher-policy.json allows " + action + " but no recorded call of the watcher needs it")
          .isNotEmpty();
    }
  }

  /**
   * Allowed for callers the suite does not play: the NodeODM API aborts a multipart upload that
   * broke off (BucketStore.putStream; s3:AbortMultipartUpload), and KEDA's aws-sqs-queue scaler
   * reads the queue's depth assuming the watcher's role (overlays/aws keda-triggerauthentication.yaml;
   * sqs:GetQueueAttributes).
   */
  static final Set<String> UNEXERCISED_WATCHER_ACTIONS = Set.of("s3:AbortMultipartUpload", "sqs:GetQueueAttributes");

  @Test
  void withoutDeleteObjectTheApisRemoveIsRefusedNamingTheCallAndThePolicy() {
    List<String> refused = violations(recorded(), c -> shipped(c.principal(), c.bucket()).without("s3:DeleteObject"));
    System.out.println("IAM contract with s3:DeleteObject removed:\n  " + String.join("\n  ", refused));
    assertThat(refused)
        .isNotEmpty()
        .allSatisfy(m -> assertThat(m)
            .matches("S3 DeleteObjects s3://[^ ]+ \\(\\d+ keys\\) by WATCHER needs s3:DeleteObject on arn:aws:s3:::[^ ]+/api-tasks/.+")
            .endsWith(": not allowed by iam-watcher-policy.json without s3:DeleteObject"));
  }

  /**
   * What the Workflow pods' steps send that the step test's small files do not show (its real
   * rclone's calls are recorded, see {@link #theStepTestRecordedTheWorkflowPodsOwnRcloneCalls}): rclone
   * 1.68 ({@code backend/s3/s3.go}) lists with ListObjectsV2 (the source folder, and the target
   * folder {@code copy} compares against), reads with GetObject/HeadObject, writes with PutObject
   * or, for large files, CreateMultipartUpload/UploadPart/CompleteMultipartUpload, aborting a broken
   * one; {@code no_check_bucket} keeps it from CreateBucket (the template sets it). job-finished
   * reads and writes {@code status.json} (recorded by JobFinishedCommandTest as well).
   */
  static List<AwsCall> workflowPodCalls() throws IOException {
    List<AwsCall> calls = new ArrayList<>();
    String f = "farm/flight 3/";
    for (String[] c : new String[][] {
        {"ListObjectsV2", null}, {"GetObject", f + "DJI_0001.JPG"}, {"HeadObject", f + "gcp_list.txt"},
        {"GetObject", f + "gcp_list.txt"}, {"PutObject", f + "results/odm_orthophoto/odm_orthophoto.tif"},
        {"CreateMultipartUpload", f + "results/odm_georeferencing/odm_georeferenced_model.laz"},
        {"UploadPart", f + "results/odm_georeferencing/odm_georeferenced_model.laz"},
        {"CompleteMultipartUpload", f + "results/odm_georeferencing/odm_georeferenced_model.laz"},
        {"AbortMultipartUpload", f + "results/odm_texturing/odm_textured_model_geo.obj"},
        {"GetObject", f + "status.json"}, {"PutObject", f + "status.json"}}) {
      ObjectNode raw = JSON.createObjectNode().put("principal", "WORKFLOW").put("service", "S3").put("operation", c[0]).put("bucket", "drone-uploads");
      if (c[1] != null) {
        raw.put("key", c[1]);
      }
      calls.add(new AwsCall(raw));
    }
    return calls;
  }

  @Test
  void theWorkflowPodsPolicyAllowsWhatTheTemplatesStepsSend() throws IOException {
    assertThat(violations(workflowPodCalls(), c -> shipped(c.principal(), c.bucket()))).isEmpty();
  }

  @Test
  void withoutAbortMultipartUploadABrokenResultUploadIsRefusedNamingTheCallAndThePolicy() throws IOException {
    List<String> refused = violations(workflowPodCalls(), c -> shipped(c.principal(), c.bucket()).without("s3:AbortMultipartUpload"));
    System.out.println("IAM contract with s3:AbortMultipartUpload removed:\n  " + String.join("\n  ", refused));
    assertThat(refused).containsExactly(
        "S3 AbortMultipartUpload s3://drone-uploads/farm/flight 3/results/odm_texturing/odm_textured_model_geo.obj by WORKFLOW"
            + " needs s3:AbortMultipartUpload on arn:aws:s3:::drone-uploads/farm/flight 3/results/odm_texturing/odm_textured_model_geo.obj:"
            + " not allowed by iam-workflow-pods-policy.json without s3:AbortMultipartUpload");
  }

  @Test
  void policiesAreEvaluatedAsIamEvaluatesThem() throws IOException {
    IamPolicy policy = IamPolicy.parse("p", JSON.readTree("""
        {"Statement": [
          {"Effect": "Allow", "Action": ["s3:Get*"], "Resource": "arn:aws:s3:::b/*"},
          {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*status.jso?"},
          {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/secret/*"}
        ]}"""));
    assertThat(policy.allows(new AwsCall.Access("s3:getobject", "arn:aws:s3:::b/f/odm.json"))).as("actions ignore case").isTrue();
    assertThat(policy.allows(new AwsCall.Access("s3:GetObject", "arn:aws:s3:::B/f/odm.json"))).as("ARNs do not").isFalse();
    assertThat(policy.allows(new AwsCall.Access("s3:GetObject", "arn:aws:s3:::b/secret/x"))).as("deny wins").isFalse();
    assertThat(policy.allows(new AwsCall.Access("s3:PutObject", "arn:aws:s3:::b/f/status.json"))).isTrue();
    assertThat(policy.allows(new AwsCall.Access("s3:PutObject", "arn:aws:s3:::b/f/odm.json"))).as("default deny").isFalse();
    assertThat(policy.allows(new AwsCall.Access("s3:ListBucket", "arn:aws:s3:::b"))).isFalse();
    assertThat(IamPolicy.arnMatches("arn:aws:sqs:*:*:odm-watcher", "arn:aws:sqs:us-east-1:1:odm-watcher")).isTrue();
    assertThat(IamPolicy.arnMatches("arn:aws:sqs:*:*:odm-watcher", "arn:aws:sqs:us-east-1:1:odm-watcher-dlq")).isFalse();
  }

  @Test
  void callsNeedTheActionsAwsDocumentsForThem() throws IOException {
    assertThat(call("{\"service\":\"S3\",\"operation\":\"HeadObject\",\"bucket\":\"b\",\"key\":\"k\"}"))
        .isEqualTo("[s3:GetObject on arn:aws:s3:::b/k]");
    assertThat(call("{\"service\":\"S3\",\"operation\":\"GetObject\",\"bucket\":\"b\",\"key\":\"k\",\"versionId\":\"v\"}"))
        .isEqualTo("[s3:GetObjectVersion on arn:aws:s3:::b/k]");
    assertThat(call("{\"service\":\"S3\",\"operation\":\"ListObjectsV2\",\"bucket\":\"b\"}"))
        .isEqualTo("[s3:ListBucket on arn:aws:s3:::b]");
    assertThat(call("{\"service\":\"S3\",\"operation\":\"PutObject\",\"bucket\":\"b\",\"key\":\"k\",\"acl\":\"private\"}"))
        .isEqualTo("[s3:PutObject on arn:aws:s3:::b/k, s3:PutObjectAcl on arn:aws:s3:::b/k]");
    assertThat(call("{\"service\":\"S3\",\"operation\":\"UploadPart\",\"bucket\":\"b\",\"key\":\"k\"}"))
        .isEqualTo("[s3:PutObject on arn:aws:s3:::b/k]");
    assertThat(call("{\"service\":\"S3\",\"operation\":\"DeleteObjects\",\"bucket\":\"b\",\"keys\":[\"x\",\"y\"]}"))
        .isEqualTo("[s3:DeleteObject on arn:aws:s3:::b/x, s3:DeleteObject on arn:aws:s3:::b/y]");
    assertThat(call("{\"service\":\"Sqs\",\"operation\":\"DeleteMessageBatch\",\"queueUrl\":\"http://h:1/000000000000/q-1\"}"))
        .isEqualTo("[sqs:DeleteMessage on arn:aws:sqs:us-east-1:000000000000:odm-watcher]");
    assertThat(call("{\"service\":\"Sqs\",\"operation\":\"ReceiveMessage\",\"queueUrl\":\"http://h:1/000000000000/q-1-dlq\"}"))
        .isEqualTo("[sqs:ReceiveMessage on arn:aws:sqs:us-east-1:000000000000:odm-watcher-dlq]");
  }

  /**
   * cloudformation.yaml creates the same two managed policies as the JSON files: same statements,
   * with {@code ${BucketName}} for {@code ${BUCKET}} and the queue's ARN for {@code
   * arn:aws:sqs:${REGION}:${ACCOUNT_ID}:odm-watcher}.
   */
  @Test
  void cloudFormationCreatesTheSamePoliciesAsTheJsonFiles() throws IOException {
    JsonNode template = Manifests.YAML.readTree(Files.readString(awsDirectory().resolve("cloudformation.yaml")));
    Map<String, String> resources = Map.of("WatcherPolicy", "iam-watcher-policy.json", "WorkflowPodsPolicy", "iam-workflow-pods-policy.json");
    for (Map.Entry<String, String> r : resources.entrySet()) {
      JsonNode inline = template.path("Resources").path(r.getKey()).path("Properties").path("PolicyDocument");
      JsonNode file = JSON.readTree(Files.readString(awsDirectory().resolve(r.getValue())));
      assertThat(normalised(inline)).as("cloudformation.yaml " + r.getKey() + " vs " + r.getValue()).isEqualTo(normalised(file));
    }
  }

  private static List<String> normalised(JsonNode policy) {
    List<String> statements = new ArrayList<>();
    for (JsonNode s : policy.path("Statement")) {
      List<String> resources = new ArrayList<>();
      JsonNode resource = s.path("Resource");
      for (JsonNode r : resource.isArray() ? resource : JSON.createArrayNode().add(resource)) {
        if (r.has("Fn::Sub")) {
          resources.add(r.path("Fn::Sub").asText().replace("${BucketName}", "${BUCKET}"));
        } else if (r.has("Fn::GetAtt") && r.path("Fn::GetAtt").get(0).asText().equals("Queue")) {
          resources.add("arn:aws:sqs:${REGION}:${ACCOUNT_ID}:odm-watcher");
        } else {
          resources.add(r.asText());
        }
      }
      statements.add(s.path("Sid").asText() + " " + s.path("Effect").asText() + " "
          + new TreeSet<>(IamPolicy.strings(s.path("Action"))) + " " + new TreeSet<>(resources));
    }
    return statements;
  }

  private static String call(String json) throws IOException {
    ObjectNode raw = (ObjectNode) JSON.readTree(json);
    return new AwsCall(raw).accesses().toString();
  }
}
