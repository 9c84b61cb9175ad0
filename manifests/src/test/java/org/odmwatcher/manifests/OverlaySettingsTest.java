package org.odmwatcher.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's path through the overlays (issue 21): each install-specific value is written in
 * one source file and reaches every place that needs it; the placeholders name what
 * {@code event-sources/aws/cloudformation.yaml} creates; the dashboard and the NodeODM API have a
 * pod while the queue is empty; a missing credentials Secret stops the pod at start.
 */
class OverlaySettingsTest {
  /** Where the watcher's generated ConfigMap is meant (its name carries a content hash). */
  private static final String CONFIG = "ConfigMap/odm-watcher-config-";

  /** Each value of the aws overlay and every rendered place it must reach. */
  private static final Map<String, List<Place>> AWS_PLACES = Map.of(
      "queue URL", List.of(
          new Place(CONFIG, "/data/WATCHER_SQS_QUEUE_URL"),
          new Place("ScaledObject/odm-watcher", "/spec/triggers/0/metadata/queueURL")),
      "region", List.of(
          new Place(CONFIG, "/data/WATCHER_S3_REGION"),
          new Place(CONFIG, "/data/AWS_REGION"),
          new Place("ScaledObject/odm-watcher", "/spec/triggers/0/metadata/awsRegion")),
      "watcher role", List.of(
          new Place("ServiceAccount/odm-watcher", "/metadata/annotations/eks.amazonaws.com~1role-arn")),
      "workflow role", List.of(
          new Place("ServiceAccount/odm-workflow", "/metadata/annotations/eks.amazonaws.com~1role-arn")),
      "bucket", List.of(
          new Place(CONFIG, "/data/WATCHER_DASHBOARD_BUCKETS"),
          new Place(CONFIG, "/data/WATCHER_API_BUCKET")));

  record Place(String object, String pointer) {
    JsonNode in(List<ManifestDocument> docs) {
      String kind = object.substring(0, object.indexOf('/'));
      String name = object.substring(object.indexOf('/') + 1);
      return docs.stream()
          .filter(d -> d.kind().equals(kind) && (name.endsWith("-") ? d.name().startsWith(name) : d.name().equals(name)))
          .findFirst()
          .map(d -> d.node().at(pointer))
          .orElseThrow(() -> new AssertionError("no " + object + " rendered"));
    }
  }

  @Test
  void eachAwsValueIsWrittenInOneSourceFileAndReachesEveryPlace() {
    List<ManifestDocument> rendered = Manifests.rendered("aws");
    List<Path> sources = awsSources(Manifests.root());
    AWS_PLACES.forEach((value, places) -> {
      TreeSet<String> seen = new TreeSet<>();
      places.forEach(p -> seen.add(p.in(rendered).asText()));
      assertThat(seen).as("the %s at %s", value, places).hasSize(1).allSatisfy(v -> assertThat(v).isNotBlank());
      String text = seen.first();
      assertThat(filesContaining(sources, text).stream().map(p -> Manifests.root().relativize(p).toString()).toList())
          .as("source files of the aws overlay that hold the %s %s", value, text)
          .hasSize(1);
    });
  }

  /** An operator edits the one file; every place follows, and nothing keeps the old value. */
  @Test
  void changingAnAwsValueInItsOneFileChangesItEverywhere(@TempDir Path copy) throws IOException {
    copyTree(Manifests.root().resolve("base"), copy.resolve("base"));
    copyTree(Manifests.overlay("aws"), copy.resolve("overlays/aws"));
    List<ManifestDocument> before = Manifests.rendered("aws");
    // the region last: the queue URL holds it too
    Map<String, String> next = new java.util.LinkedHashMap<>();
    next.put("queue URL", "https://sqs.ca-central-1.amazonaws.com/444455556666/odm-other");
    next.put("watcher role", "arn:aws:iam::444455556666:role/odm-watcher-other");
    next.put("workflow role", "arn:aws:iam::444455556666:role/odm-workflow-other");
    next.put("bucket", "other-drone-bucket");
    next.put("region", "ca-central-1");
    for (Map.Entry<String, String> e : next.entrySet()) {
      String old = AWS_PLACES.get(e.getKey()).get(0).in(before).asText();
      List<Path> files = filesContaining(awsSources(copy), old);
      assertThat(files).as("files holding the %s", e.getKey()).hasSize(1);
      Files.writeString(files.get(0), Files.readString(files.get(0)).replace(old, e.getValue()));
    }
    List<ManifestDocument> after = Manifests.parse(Kustomize.render(copy.resolve("overlays/aws")).stdout(), "edited copy");
    AWS_PLACES.forEach((value, places) -> places.forEach(p ->
        assertThat(p.in(after).asText()).as("%s at %s after the edit", value, p).isEqualTo(next.get(value))));
  }

  @Test
  void theAwsPlaceholdersNameWhatCloudFormationCreates() throws IOException {
    List<ManifestDocument> rendered = Manifests.rendered("aws");
    JsonNode resources = cloudFormation().path("Resources");
    String queueUrl = AWS_PLACES.get("queue URL").get(0).in(rendered).asText();
    assertThat(queueUrl.substring(queueUrl.lastIndexOf('/') + 1))
        .as("queue name in %s", queueUrl)
        .isEqualTo(resources.path("Queue").path("Properties").path("QueueName").asText());
    for (Map.Entry<String, String> role : Map.of("watcher role", "WatcherRole", "workflow role", "WorkflowRole").entrySet()) {
      String arn = AWS_PLACES.get(role.getKey()).get(0).in(rendered).asText();
      assertThat(arn.substring(arn.lastIndexOf('/') + 1))
          .as("role name in %s", arn)
          .isEqualTo(resources.path(role.getValue()).path("Properties").path("RoleName").asText());
    }
  }

  /**
   * The aws overlay's KEDA ScaledObject used to scale the watcher to zero on an empty queue, which
   * left the dashboard and the NodeODM API without a pod. One replica stays; the API is on, with
   * its token from a Secret that must exist before the pod starts.
   */
  @Test
  void theAwsDashboardAndApiHaveAPodWhileTheQueueIsEmpty() {
    List<ManifestDocument> rendered = Manifests.rendered("aws");
    JsonNode scaledObject = Manifests.find(rendered, "ScaledObject", "odm-watcher").node().path("spec");
    assertThat(scaledObject.path("minReplicaCount").asInt(0)).as("KEDA's minReplicaCount").isGreaterThanOrEqualTo(1);
    JsonNode config = new Place(CONFIG, "/data").in(rendered);
    assertThat(config.path("WATCHER_API_ENABLED").asText()).isEqualTo("true");
    assertThat(config.path("WATCHER_DASHBOARD_ENABLED").asText("true")).isEqualTo("true");
    JsonNode token = env(rendered, "WATCHER_API_TOKEN").path("valueFrom").path("secretKeyRef");
    assertThat(token.path("name").asText()).isEqualTo("odm-watcher-api");
    assertThat(token.path("optional").asBoolean(false)).as("a missing token stops the pod at start").isFalse();
  }

  /** MinIO's keys: without the Secret the watcher must not start and fail later at the first call. */
  @Test
  void theMinioCredentialsSecretIsRequiredAtPodStart() {
    List<JsonNode> refs = new ArrayList<>();
    watcherContainer(Manifests.rendered("minio")).path("envFrom").forEach(e -> {
      if (e.path("secretRef").path("name").asText().equals("odm-s3-credentials")) {
        refs.add(e.path("secretRef"));
      }
    });
    assertThat(refs).as("envFrom secretRef odm-s3-credentials").hasSize(1);
    assertThat(refs.get(0).path("optional").asBoolean(false)).as("optional").isFalse();
    // on EKS the IRSA role holds the keys: no static-keys Secret is looked for there
    assertThat(watcherContainer(Manifests.rendered("aws")).path("envFrom").toString()).doesNotContain("odm-s3-credentials");
  }

  /** Every value an operator must change is in the overlay's settings.env, and nowhere else. */
  @Test
  void theValuesToEditAreTheOverlaysSettingsFile() throws IOException {
    for (String overlay : Manifests.OVERLAYS) {
      Path settings = Manifests.overlay(overlay).resolve("settings.env");
      assertThat(settings).as("overlays/%s/settings.env", overlay).isRegularFile();
      for (String line : Files.readAllLines(settings)) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String value = line.substring(line.indexOf('=') + 1);
        assertThat(filesContaining(overlaySources(Manifests.root(), overlay), value))
            .as("files of overlays/%s holding %s", overlay, line)
            .containsExactly(settings);
      }
    }
    JsonNode minio = new Place(CONFIG, "/data").in(Manifests.rendered("minio"));
    assertThat(Files.readString(Manifests.overlay("minio").resolve("settings.env")))
        .contains("WATCHER_MINIO_BUCKETS=" + minio.path("WATCHER_MINIO_BUCKETS").asText());
  }

  /**
   * The two IRSA roles and KEDA's: each trusts exactly its service account in the namespace
   * (StringEquals on the cluster's OIDC issuer's {@code sub} and {@code aud}) or, for KEDA, the
   * KEDA operator's own role, and carries the policies the contract tests check.
   */
  @Test
  void cloudFormationCreatesTheRolesTrustingOnlyTheirServiceAccounts() throws IOException {
    JsonNode template = cloudFormation();
    assertThat(template.path("Parameters").fieldNames()).toIterable().contains("OidcProviderArn", "Namespace", "KedaOperatorRoleArn");
    Map<String, String> vars = Map.of(
        "OidcProviderArn", "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/ABC",
        "Issuer", "oidc.eks.eu-central-1.amazonaws.com/id/ABC", "Namespace", "odm",
        "KedaOperatorRoleArn", "arn:aws:iam::111122223333:role/keda-operator");
    Map<String, String> serviceAccounts = Map.of("WatcherRole", "odm-watcher", "WorkflowRole", "odm-workflow");
    Map<String, String> policies = Map.of("WatcherRole", "WatcherPolicy", "WorkflowRole", "WorkflowPodsPolicy");
    for (String role : serviceAccounts.keySet()) {
      JsonNode properties = template.path("Resources").path(role).path("Properties");
      assertThat(template.path("Resources").path(role).path("Type").asText()).as(role).isEqualTo("AWS::IAM::Role");
      JsonNode trust = substituted(properties.path("AssumeRolePolicyDocument"), vars);
      assertThat(trust.path("Statement")).as(role + " trust").hasSize(1);
      JsonNode statement = trust.path("Statement").get(0);
      assertThat(statement.path("Action").asText()).isEqualTo("sts:AssumeRoleWithWebIdentity");
      assertThat(statement.path("Principal").path("Federated").asText()).isEqualTo(vars.get("OidcProviderArn"));
      JsonNode equals = statement.path("Condition").path("StringEquals");
      assertThat(equals.path(vars.get("Issuer") + ":sub").asText()).as(role + " sub")
          .isEqualTo("system:serviceaccount:odm:" + serviceAccounts.get(role));
      assertThat(equals.path(vars.get("Issuer") + ":aud").asText()).as(role + " aud").isEqualTo("sts.amazonaws.com");
      assertThat(properties.path("ManagedPolicyArns").toString()).as(role).isEqualTo("[{\"Ref\":\"" + policies.get(role) + "\"}]");
      assertThat(template.path("Outputs").path(role + "Arn").path("Value").path("Fn::GetAtt").toString())
          .isEqualTo("[\"" + role + "\",\"Arn\"]");
    }
    JsonNode keda = template.path("Resources").path("KedaRole");
    JsonNode kedaTrust = substituted(keda.path("Properties").path("AssumeRolePolicyDocument"), vars).path("Statement").get(0);
    assertThat(kedaTrust.path("Action").asText()).isEqualTo("sts:AssumeRole");
    assertThat(kedaTrust.path("Principal").path("AWS").asText()).isEqualTo(vars.get("KedaOperatorRoleArn"));
    JsonNode kedaPolicy = keda.path("Properties").path("Policies").get(0).path("PolicyDocument").path("Statement");
    assertThat(kedaPolicy).hasSize(1);
    assertThat(kedaPolicy.get(0).path("Action").toString()).as("KEDA reads the queue's depth, nothing else")
        .isEqualTo("[\"sqs:GetQueueAttributes\"]");
    assertThat(kedaPolicy.get(0).path("Resource").path("Fn::GetAtt").toString()).isEqualTo("[\"Queue\",\"Arn\"]");
    assertThat(template.path("Outputs").path("KedaRoleArn").path("Value").path("Fn::GetAtt").toString())
        .isEqualTo("[\"KedaRole\",\"Arn\"]");
  }

  /** A trust policy written as {@code Fn::Sub} of a JSON string (CloudFormation cannot template keys). */
  private static JsonNode substituted(JsonNode document, Map<String, String> vars) throws IOException {
    JsonNode sub = document.path("Fn::Sub");
    String text = sub.isArray() ? sub.get(0).asText() : sub.asText();
    assertThat(text).as("a trust policy as Fn::Sub of JSON, got " + document).isNotBlank();
    for (Map.Entry<String, String> v : vars.entrySet()) {
      text = text.replace("${" + v.getKey() + "}", v.getValue());
    }
    assertThat(text).as("every ${...} known").doesNotContain("${");
    return Manifests.YAML.readTree(text);
  }

  private static JsonNode watcherContainer(List<ManifestDocument> docs) {
    return Manifests.find(docs, "Deployment", "odm-watcher").node().at("/spec/template/spec/containers/0");
  }

  private static JsonNode env(List<ManifestDocument> docs, String name) {
    for (JsonNode e : watcherContainer(docs).path("env")) {
      if (e.path("name").asText().equals(name)) {
        return e;
      }
    }
    throw new AssertionError("no env " + name + " in the watcher's container");
  }

  static JsonNode cloudFormation() throws IOException {
    return Manifests.YAML.readTree(Files.readString(IamContractTest.awsDirectory().resolve("cloudformation.yaml")));
  }

  private static List<Path> awsSources(Path root) {
    return overlaySources(root, "aws");
  }

  /** The files the overlay is made of: the base and the overlay's own folder. */
  private static List<Path> overlaySources(Path root, String overlay) {
    try (Stream<Path> files = Stream.concat(Files.walk(root.resolve("base")), Files.walk(root.resolve("overlays").resolve(overlay)))) {
      return files.filter(Files::isRegularFile).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<Path> filesContaining(List<Path> files, String text) {
    return files.stream().filter(f -> {
      try {
        return Files.readString(f).contains(text);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }).toList();
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : files.toList()) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target);
        }
      }
    }
  }
}
