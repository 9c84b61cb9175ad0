package org.odmwatcher.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.micronaut.core.bind.annotation.Bindable;
import java.io.IOException;
import java.lang.reflect.Parameter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.odmwatcher.config.ManifestConfig;
import org.odmwatcher.config.MinioWebhookConfig;

/**
 * What users apply from {@code event-sources/} parses and means what the watcher expects: the
 * notification filters match the manifest name, policies are least-privilege, the queue redrives
 * to its DLQ, every folder is documented.
 */
class EventSourcesFilesTest {
  private static final Path ROOT = Path.of("..", "event-sources");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final String MANIFEST_NAME = defaultOf(ManifestConfig.class, 0);
  private static final String MINIO_PATH = defaultOf(MinioWebhookConfig.class, 1);
  private static final Set<String> WATCHER_ACTIONS =
      Set.of("s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:DeleteObject", "s3:AbortMultipartUpload",
          "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes");

  /** A config record's {@code @Bindable(defaultValue)}, so the test follows the code's defaults. */
  private static String defaultOf(Class<? extends Record> type, int component) {
    Parameter parameter = type.getDeclaredConstructors()[0].getParameters()[component];
    return parameter.getAnnotation(Bindable.class).defaultValue();
  }

  private static JsonNode json(String relative) {
    try {
      return JSON.readTree(ROOT.resolve(relative).toFile());
    } catch (IOException e) {
      throw new AssertionError(relative + " is not valid JSON", e);
    }
  }

  private static JsonNode yaml(String relative) {
    try {
      return YAML.readTree(ROOT.resolve(relative).toFile());
    } catch (IOException e) {
      throw new AssertionError(relative + " is not valid YAML", e);
    }
  }

  private static String text(String relative) throws IOException {
    return Files.readString(ROOT.resolve(relative), StandardCharsets.UTF_8);
  }

  private static List<Path> files(String... extensions) throws IOException {
    try (Stream<Path> walk = Files.walk(ROOT)) {
      return walk.filter(Files::isRegularFile)
          .filter(p -> Stream.of(extensions).anyMatch(e -> p.getFileName().toString().endsWith(e)))
          .sorted()
          .toList();
    }
  }

  @Test
  void theDefaultsTheseFilesFollowAreTheCodes() {
    assertThat(MANIFEST_NAME).isEqualTo("odm.json");
    assertThat(MINIO_PATH).isEqualTo("/events/minio");
  }

  @Test
  void everyJsonAndYamlFileParses() throws IOException {
    List<Path> jsonFiles = files(".json");
    List<Path> yamlFiles = files(".yaml", ".yml");
    assertThat(jsonFiles).hasSizeGreaterThanOrEqualTo(10);
    assertThat(yamlFiles).hasSizeGreaterThanOrEqualTo(2);
    for (Path p : jsonFiles) {
      assertThat(JSON.readTree(p.toFile())).as(p.toString()).isNotNull();
    }
    for (Path p : yamlFiles) {
      assertThat(YAML.readTree(p.toFile())).as(p.toString()).isNotNull();
    }
  }

  @Test
  void everyFolderHasAReadme() throws IOException {
    assertThat(ROOT.resolve("README.md")).isRegularFile();
    try (Stream<Path> dirs = Files.walk(ROOT)) {
      List<Path> folders = dirs.filter(Files::isDirectory).toList();
      assertThat(folders).extracting(p -> p.getFileName().toString()).contains("aws", "minio", "hetzner");
      for (Path dir : folders) {
        assertThat(dir.resolve("README.md")).as(dir + " has a README").isRegularFile();
      }
    }
  }

  @Test
  void s3NotificationConfigurationsSendOnlyCreatedManifests() {
    for (String[] c : new String[][] {{"aws/notification-sqs.json", "QueueConfigurations", "QueueArn"},
        {"aws/notification-sns.json", "TopicConfigurations", "TopicArn"}}) {
      JsonNode configurations = json(c[0]).path(c[1]);
      assertThat(configurations).as(c[0]).hasSize(1);
      JsonNode conf = configurations.get(0);
      assertThat(conf.path(c[2]).asText()).as(c[0]).startsWith(c[2].equals("QueueArn") ? "arn:aws:sqs:" : "arn:aws:sns:");
      assertThat(conf.path("Events").toString()).isEqualTo("[\"s3:ObjectCreated:*\"]");
      JsonNode rules = conf.path("Filter").path("Key").path("FilterRules");
      assertThat(rules).hasSize(1);
      assertThat(rules.get(0).path("Name").asText()).isEqualTo("suffix");
      assertThat(rules.get(0).path("Value").asText()).as(c[0]).isEqualTo(MANIFEST_NAME);
    }
    assertThat(json("aws/notification-eventbridge.json").path("EventBridgeConfiguration").isObject()).isTrue();
  }

  @Test
  void eventBridgeRuleMatchesCreatedManifestsOfTheBucketAndTargetsTheQueue() {
    JsonNode pattern = json("aws/eventbridge-rule-pattern.json");
    assertThat(pattern.path("source").toString()).isEqualTo("[\"aws.s3\"]");
    assertThat(pattern.path("detail-type").toString()).isEqualTo("[\"Object Created\"]");
    assertThat(pattern.path("detail").path("bucket").path("name").get(0).asText()).isEqualTo("${BUCKET}");
    assertThat(pattern.path("detail").path("object").path("key").get(0).path("suffix").asText()).isEqualTo(MANIFEST_NAME);
    JsonNode targets = json("aws/eventbridge-rule-targets.json");
    assertThat(targets).hasSize(1);
    assertThat(targets.get(0).path("Arn").asText()).endsWith(":odm-watcher");
  }

  @Test
  void queueRedrivesToTheDeadLetterQueue() throws IOException {
    JsonNode attributes = json("aws/sqs-queue-attributes.json");
    JsonNode redrive = JSON.readTree(attributes.path("RedrivePolicy").asText());
    assertThat(redrive.path("deadLetterTargetArn").asText()).startsWith("arn:aws:sqs:").endsWith(":odm-watcher-dlq");
    assertThat(redrive.path("maxReceiveCount").asInt()).isGreaterThanOrEqualTo(5);
    // create-queue wants every attribute as a string
    attributes.fields().forEachRemaining(f -> assertThat(f.getValue().isTextual()).as(f.getKey()).isTrue());
    assertThat(json("aws/sqs-dlq-attributes.json").path("MessageRetentionPeriod").asText()).isEqualTo("1209600");

    JsonNode resources = yaml("aws/cloudformation.yaml").path("Resources");
    JsonNode cfRedrive = resources.path("Queue").path("Properties").path("RedrivePolicy");
    assertThat(cfRedrive.path("deadLetterTargetArn").path("Fn::GetAtt").toString()).isEqualTo("[\"DeadLetterQueue\",\"Arn\"]");
    assertThat(resources.path("DeadLetterQueue").path("Type").asText()).isEqualTo("AWS::SQS::Queue");
  }

  @Test
  void cloudFormationFiltersOnTheManifestNameAndSubscribesWithoutConfirmation() {
    JsonNode template = yaml("aws/cloudformation.yaml");
    assertThat(template.path("Parameters").path("ManifestName").path("Default").asText()).isEqualTo(MANIFEST_NAME);
    JsonNode rule = template.path("Resources").path("Rule");
    assertThat(rule.path("Condition").asText()).isEqualTo("UseEventBridge");
    JsonNode pattern = rule.path("Properties").path("EventPattern");
    assertThat(pattern.path("source").toString()).isEqualTo("[\"aws.s3\"]");
    assertThat(pattern.path("detail").path("object").path("key").get(0).path("suffix").path("Ref").asText())
        .isEqualTo("ManifestName");
    JsonNode subscription = template.path("Resources").path("Subscription").path("Properties");
    assertThat(subscription.path("Protocol").asText()).isEqualTo("sqs");
    assertThat(subscription.path("Endpoint").path("Fn::GetAtt").toString()).isEqualTo("[\"Queue\",\"Arn\"]");
  }

  /** Every IAM/resource policy document in the folder: the JSON files and those inside CloudFormation. */
  private static Map<String, JsonNode> policyDocuments() throws IOException {
    Map<String, JsonNode> docs = new java.util.LinkedHashMap<>();
    for (Path p : files(".json")) {
      JsonNode node = JSON.readTree(p.toFile());
      if (node.has("Statement")) {
        docs.put(ROOT.relativize(p).toString(), node);
      }
    }
    yaml("aws/cloudformation.yaml").path("Resources").fields().forEachRemaining(r -> {
      JsonNode doc = r.getValue().path("Properties").path("PolicyDocument");
      if (!doc.isMissingNode()) {
        docs.put("cloudformation.yaml#" + r.getKey(), doc);
      }
    });
    return docs;
  }

  private static List<String> actions(JsonNode statement) {
    JsonNode action = statement.path("Action");
    List<String> out = new ArrayList<>();
    if (action.isArray()) {
      action.forEach(a -> out.add(a.asText()));
    } else {
      out.add(action.asText());
    }
    return out;
  }

  @Test
  void noPolicyGrantsAWildcardActionOrAWildcardResource() throws IOException {
    Map<String, JsonNode> docs = policyDocuments();
    assertThat(docs.keySet())
        .contains("aws/iam-watcher-policy.json", "aws/iam-workflow-pods-policy.json", "aws/sqs-queue-policy.json",
            "aws/sns-topic-policy.json", "cloudformation.yaml#WatcherPolicy", "cloudformation.yaml#WorkflowPodsPolicy",
            "cloudformation.yaml#QueuePolicy", "cloudformation.yaml#TopicPolicy");
    docs.forEach((name, doc) -> {
      assertThat(doc.path("Version").asText()).as(name).isEqualTo("2012-10-17");
      for (JsonNode statement : doc.path("Statement")) {
        String where = name + " " + statement.path("Sid").asText();
        assertThat(statement.path("Effect").asText()).as(where).isEqualTo("Allow");
        assertThat(statement.has("NotAction")).as(where).isFalse();
        assertThat(statement.has("NotResource")).as(where).isFalse();
        assertThat(actions(statement)).as(where).isNotEmpty()
            .allSatisfy(a -> assertThat(a).doesNotContain("*").matches("(s3|sqs|sns):[A-Za-z]+"));
        assertThat(statement.path("Resource").toString()).as(where).isNotEqualTo("\"*\"");
        if (statement.has("Principal")) {
          // resource policies: only AWS services, and only from our bucket/topic/rule
          assertThat(statement.path("Principal").path("Service").asText()).as(where)
              .isIn("s3.amazonaws.com", "sns.amazonaws.com", "events.amazonaws.com");
          assertThat(statement.path("Condition").toString()).as(where).contains("aws:SourceArn");
        }
      }
    });
  }

  @Test
  void watcherPolicyGrantsExactlyWhatTheWatcherUses() throws IOException {
    for (String name : List.of("aws/iam-watcher-policy.json", "cloudformation.yaml#WatcherPolicy")) {
      Set<String> granted = new TreeSet<>();
      policyDocuments().get(name).path("Statement").forEach(s -> granted.addAll(actions(s)));
      assertThat(granted).as(name).isEqualTo(new TreeSet<>(WATCHER_ACTIONS));
    }
    JsonNode watcher = json("aws/iam-watcher-policy.json");
    for (JsonNode s : watcher.path("Statement")) {
      String resource = s.path("Resource").asText();
      List<String> a = actions(s);
      if (a.contains("s3:ListBucket")) {
        assertThat(resource).isEqualTo("arn:aws:s3:::${BUCKET}");
      } else if (a.contains("s3:DeleteObject")) {
        // the NodeODM API's task folders (watcher.api.prefix), the only place the watcher deletes
        assertThat(resource).isEqualTo("arn:aws:s3:::${BUCKET}/api-tasks/*");
      } else if (a.contains("s3:PutObject")) {
        // status files, the dashboard's summary object at the bucket's root (its default key), the
        // page publish-site copies beside it, a finished job's STAC Item and the image positions
        assertThat(resource).isIn("arn:aws:s3:::${BUCKET}/*status.json",
            "arn:aws:s3:::${BUCKET}/" + defaultOf(org.odmwatcher.config.DashboardConfig.class, 2),
            "arn:aws:s3:::${BUCKET}/dashboard/*", "arn:aws:s3:::${BUCKET}/*stac-item.json",
            "arn:aws:s3:::${BUCKET}/*.odm-watcher/positions.geojson");
      } else if (a.get(0).startsWith("sqs:")) {
        assertThat(resource).endsWith(":odm-watcher");
      }
    }
  }

  @Test
  void workflowPodsWriteOnlyResultsAndStatus() {
    JsonNode pods = json("aws/iam-workflow-pods-policy.json");
    for (JsonNode s : pods.path("Statement")) {
      if (actions(s).contains("s3:PutObject")) {
        assertThat(s.path("Resource").asText()).isIn("arn:aws:s3:::${BUCKET}/*results/*", "arn:aws:s3:::${BUCKET}/*status.json");
      }
    }
  }

  @Test
  void queuePolicyLetsEachDeliveryPathSendToTheQueue() {
    JsonNode policy = json("aws/sqs-queue-policy.json");
    List<String> services = new ArrayList<>();
    for (JsonNode s : policy.path("Statement")) {
      assertThat(actions(s)).containsExactly("sqs:SendMessage");
      assertThat(s.path("Resource").asText()).endsWith(":odm-watcher");
      services.add(s.path("Principal").path("Service").asText());
    }
    assertThat(services).containsExactly("s3.amazonaws.com", "sns.amazonaws.com", "events.amazonaws.com");
  }

  @Test
  void minioFilesTargetTheWebhookWithTheManifestSuffix() throws IOException {
    String script = text("minio/setup-webhook.sh");
    assertThat(script)
        .contains("\"$mc\" admin config set \"$alias_name\" \"notify_webhook:$target\"")
        .contains("\"auth_token=$token\"")
        .contains("\"queue_dir=$queue_dir\"")
        .contains("\"queue_limit=$queue_limit\"")
        .contains("admin service restart")
        .contains("--event put --suffix \"$manifest\"")
        .contains("manifest=${MANIFEST_NAME:-" + MANIFEST_NAME + "}")
        .contains("set -euo pipefail");
    String env = text("minio/minio-webhook.env");
    assertThat(env)
        .contains("MINIO_NOTIFY_WEBHOOK_ENABLE_ODM=on")
        .contains("MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_ODM=")
        .contains("MINIO_NOTIFY_WEBHOOK_QUEUE_DIR_ODM=")
        .contains("MINIO_NOTIFY_WEBHOOK_QUEUE_LIMIT_ODM=")
        .contains("--suffix " + MANIFEST_NAME);
    String endpoint = env.lines().filter(l -> l.startsWith("MINIO_NOTIFY_WEBHOOK_ENDPOINT_ODM=")).findFirst().orElseThrow();
    assertThat(endpoint).endsWith(MINIO_PATH);
    // every non-comment line is NAME=value
    env.lines().filter(l -> !l.isBlank() && !l.startsWith("#"))
        .forEach(l -> assertThat(l).matches("MINIO_NOTIFY_WEBHOOK_[A-Z_]+_ODM=\\S+"));
  }

  @Test
  void hetznerConfigurationRunsTheSweepAlone() {
    JsonNode watcher = yaml("hetzner/watcher-sweep.yaml").path("watcher");
    JsonNode sweep = watcher.path("sweep");
    assertThat(sweep.path("enabled").asBoolean()).isTrue();
    assertThat(sweep.path("buckets").isArray()).isTrue();
    assertThat(sweep.path("prefixes").isArray()).isTrue();
    assertThat(sweep.path("interval").asText()).isNotBlank();
    assertThat(watcher.path("sqs").path("enabled").asBoolean()).isFalse();
    assertThat(watcher.path("minio").path("enabled").asBoolean()).isFalse();
    assertThat(watcher.path("s3").path("endpoint").asText()).startsWith("https://");
  }
}
