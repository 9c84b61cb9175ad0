package org.odmwatcher.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.contract.AwsCallRecorder;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Defaults inherited from the bucket, through the real pipeline (ElasticMQ, S3Proxy, the Kubernetes
 * mock): defaults files at the bucket root, {@code farm-a/} and {@code farm-a/field-1/} reach the
 * Workflow's ODM arguments and status.json's effective manifest with each value's origin; a broken
 * one makes the jobs under it invalid naming it; reading them costs at most one request per level.
 * S3 requests are counted as S3Proxy answered them ({@link AwsCallRecorder}, every SDK client of
 * this JVM).
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// The bounded-cost case first: both cases share the bucket's root level, and with no clock margin
// (below) a root read by the other case within the same second as this case's uploads would be
// reused as "no defaults file there" (Last-Modified has whole seconds; production keeps 2s).
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DefaultsEndToEndTest implements TestPropertyProvider {
  private static final String DEFAULTS = "odm.defaults.json";
  private final PipelineFixture world = new PipelineFixture("defaults");

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> p = world.properties();
    // Store and watcher share this machine's clock: a read made after a manifest's upload second
    // may be reused for it (production keeps 2s for clock skew).
    p.put("watcher.manifest.defaults-clock-margin", "0s");
    // The notifier reads a job's defaults too (a notify target may come from them), which would
    // count here and, with no margin, could cache a level as empty within the second a defaults
    // file then appears in: this test measures the pipeline's reads alone (NotifyEndToEndTest
    // covers notify targets from defaults files).
    p.put("watcher.notify.enabled", "false");
    return p;
  }

  @AfterAll
  void close() {
    world.close();
  }

  private String putDefaults(String prefix, String json) {
    return world.s3.putObject(b -> b.bucket(world.bucket).key(prefix + DEFAULTS), RequestBody.fromString(json))
        .eTag().replace("\"", "");
  }

  /** Requests any client made so far for the defaults files of this fixture's bucket. */
  private long defaultsReads() {
    return AwsCallRecorder.s3CallsByTarget(world.bucket, "").entrySet().stream()
        .filter(e -> e.getKey().endsWith("/" + DEFAULTS))
        .mapToLong(Map.Entry::getValue).sum();
  }

  private JsonNode submit(String folder) {
    world.notifyCreated(folder + "odm.json");
    return world.awaitState(folder, "submitted");
  }

  private static Map<String, String> ref(String key, String eTag) {
    return Map.of("key", key, "eTag", eTag);
  }

  private static Map<String, String> origin(JsonNode status, String pointer) {
    JsonNode o = status.path("defaults").path("origins").path(pointer);
    return Map.of("key", o.path("key").asText(), "eTag", o.path("eTag").asText());
  }

  @SuppressWarnings("unchecked")
  private static String odmArgs(GenericKubernetesResource wf) {
    Map<String, Object> arguments = (Map<String, Object>) ((Map<String, Object>) wf.getAdditionalProperties().get("spec")).get("arguments");
    for (Map<String, Object> p : (List<Map<String, Object>>) arguments.get("parameters")) {
      if ("odm-args".equals(p.get("name"))) {
        return String.valueOf(p.get("value"));
      }
    }
    throw new AssertionError("no odm-args parameter in " + wf.getMetadata().getName());
  }

  @Test
  @Order(1)
  void threeLevelsOfDefaultsMakeTheEffectiveManifestAtABoundedCost() {
    String root = putDefaults("", "{\"options\": {\"feature-quality\": \"medium\", \"dsm\": true}}");
    String farm = putDefaults("farm-a/", "{\"options\": {\"feature-quality\": \"high\"}, \"outputs\": [\"orthophoto\", \"dsm\"]}");
    String field = putDefaults("farm-a/field-1/", "{\"options\": {\"orthophoto-resolution\": 3, \"pc-quality\": \"low\"}}");
    List<String> folders = List.of("farm-a/field-1/flight-1/", "farm-a/field-1/flight-2/", "farm-a/field-1/flight-3/");
    List<String> manifests = new ArrayList<>();
    for (String folder : folders) {
      world.uploadImages(folder, 2);
      manifests.add(world.putManifest(folder, "{\"name\": \"" + folder + "\", \"options\": {\"orthophoto-resolution\": 2, \"pc-quality\": null}}"));
    }

    long before = defaultsReads();
    JsonNode status = submit(folders.get(0));
    long firstJob = defaultsReads() - before;

    // One request per level above the folder at most: the root, farm-a/, farm-a/field-1/.
    assertThat(firstJob).isBetween(1L, 3L);
    JsonNode defaults = status.path("defaults");
    assertThat(defaults.path("files").toString()).isEqualTo("[" + String.join(",",
        "{\"key\":\"odm.defaults.json\",\"eTag\":\"" + root + "\"}",
        "{\"key\":\"farm-a/odm.defaults.json\",\"eTag\":\"" + farm + "\"}",
        "{\"key\":\"farm-a/field-1/odm.defaults.json\",\"eTag\":\"" + field + "\"}") + "]");
    assertThat(defaults.path("effectiveManifest").path("options").toString())
        .isEqualTo("{\"feature-quality\":\"high\",\"dsm\":true,\"orthophoto-resolution\":2}");
    assertThat(defaults.path("effectiveManifest").path("outputs").toString()).isEqualTo("[\"orthophoto\",\"dsm\"]");
    assertThat(origin(status, "/options/dsm")).isEqualTo(ref(DEFAULTS, root));
    assertThat(origin(status, "/options/feature-quality")).isEqualTo(ref("farm-a/" + DEFAULTS, farm));
    assertThat(origin(status, "/outputs")).isEqualTo(ref("farm-a/" + DEFAULTS, farm));
    assertThat(origin(status, "/options/orthophoto-resolution"))
        .isEqualTo(ref(folders.get(0) + "odm.json", manifests.get(0)));
    assertThat(defaults.path("origins").has("/options/pc-quality")).as("null in the manifest removes it").isFalse();
    assertThat(odmArgs(world.workflowsFor(status.path("jobId").asText()).get(0)))
        .isEqualTo("[\"--dsm\",\"--cog\",\"--feature-quality\",\"high\",\"--orthophoto-resolution\",\"2\"]");

    // The other folders' manifests were uploaded before the first job read the levels they share:
    // nothing is read again for them.
    for (String folder : folders.subList(1, folders.size())) {
      long start = defaultsReads();
      JsonNode other = submit(folder);
      assertThat(defaultsReads() - start).isZero();
      ObjectNode expected = defaults.path("effectiveManifest").deepCopy();
      expected.put("name", folder);
      assertThat(other.path("defaults").path("effectiveManifest")).isEqualTo(expected);
    }

    // A new farm-a defaults file applies to manifests uploaded after it; the old jobs stay as they ran.
    // Last-Modified has whole seconds and this test runs with no clock margin: upload in a later
    // second than the reads above, as a pilot's next upload would be (production keeps 2s).
    long readsDone = java.time.Instant.now().getEpochSecond();
    await().atMost(Duration.ofSeconds(3)).until(() -> java.time.Instant.now().getEpochSecond() > readsDone);
    String farm2 = putDefaults("farm-a/", "{\"options\": {\"feature-quality\": \"ultra\"}}");
    String later = "farm-a/field-1/flight-4/";
    world.uploadImages(later, 2);
    world.putManifest(later, "{}");
    long start = defaultsReads();
    JsonNode newer = submit(later);
    assertThat(defaultsReads() - start).isBetween(1L, 3L);
    assertThat(newer.path("defaults").path("effectiveManifest").path("options").path("feature-quality").asText())
        .isEqualTo("ultra");
    assertThat(origin(newer, "/options/feature-quality")).isEqualTo(ref("farm-a/" + DEFAULTS, farm2));
    assertThat(newer.path("defaults").path("effectiveManifest").has("outputs")).isFalse();
    JsonNode old = world.status(folders.get(0)).orElseThrow();
    assertThat(old.path("jobId")).isEqualTo(status.path("jobId"));
    assertThat(origin(old, "/options/feature-quality")).isEqualTo(ref("farm-a/" + DEFAULTS, farm));
  }

  @Test
  @Order(2)
  void aBrokenDefaultsFileMakesEveryJobUnderItInvalidNamingTheFile() {
    putDefaults("farm-b/", "{\"options\": {\"feature-quality\": \"superb\"}}");
    putDefaults("farm-c/", "{\"options\": {\"dsm\": tru");
    putDefaults("farm-d/", "{\"colour\": \"red\", \"images\": {\"expected\": 3}}");
    for (String farm : List.of("farm-b/", "farm-c/", "farm-d/")) {
      world.uploadImages(farm + "flight-1/", 2);
      world.putManifest(farm + "flight-1/", "{\"options\": {\"fast-orthophoto\": true}}");
      world.notifyCreated(farm + "flight-1/odm.json");
    }

    String named = "defaults file s3://" + world.bucket + "/";
    JsonNode b = world.awaitState("farm-b/flight-1/", "invalid");
    assertThat(b.path("errors").get(0).asText()).startsWith(named + "farm-b/" + DEFAULTS + ": ").contains("feature-quality");
    assertThat(b.path("defaults").path("files").findValuesAsText("key")).contains("farm-b/" + DEFAULTS);
    assertThat(b.path("defaults").has("effectiveManifest")).isFalse();
    JsonNode c = world.awaitState("farm-c/flight-1/", "invalid");
    assertThat(c.path("errors").get(0).asText()).startsWith(named + "farm-c/" + DEFAULTS + ": is not valid JSON");
    JsonNode d = world.awaitState("farm-d/flight-1/", "invalid");
    assertThat(d.path("errors").toString())
        .contains(named + "farm-d/" + DEFAULTS + ": 'images' belongs to one folder's manifest")
        .contains(named + "farm-d/" + DEFAULTS + ": unknown field 'colour'");
    assertThat(world.workflowsFor(b.path("jobId").asText())).isEmpty();
  }
}
