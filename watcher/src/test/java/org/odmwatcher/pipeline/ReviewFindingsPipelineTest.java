package org.odmwatcher.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.testing.PipelineFixture;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Findings 2, 5 and 10 of the security review (issue 13), each sent as the review sent it: an
 * {@code odm.json} in a bucket folder, announced by an S3 notification through SQS. Each must end
 * as {@code invalid} with the reason in {@code status.json} and no Workflow.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReviewFindingsPipelineTest implements TestPropertyProvider {
  private final PipelineFixture world = new PipelineFixture("review", "odm-review");

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> p = new java.util.HashMap<>(world.properties());
    p.put("watcher.manifest.max-images", "20");
    p.put("watcher.manifest.max-total-bytes", "1000000");
    return p;
  }

  @AfterAll
  void close() {
    world.close();
  }

  private List<String> invalidReasons(String folder, String manifest) {
    world.putManifest(folder, manifest);
    world.notifyCreated(folder + "odm.json");
    JsonNode status = world.awaitState(folder, "invalid");
    assertThat(world.workflowsFor(status.path("jobId").asText())).isEmpty();
    return StreamSupport.stream(status.path("errors").spliterator(), false).map(JsonNode::asText).toList();
  }

  /** Finding 2: {@code cameras}/{@code boundary} took a file path ODM then read and logged. */
  @Test
  void pathOrJsonOptionsTakeInlineJsonOnly() {
    world.uploadImages("paths/", 3);
    List<String> reasons = invalidReasons("paths/",
        "{\"options\": {\"cameras\": \"/root/.docker/config.json\", \"boundary\": \"/etc/passwd\"}}");
    assertThat(reasons).anySatisfy(r -> assertThat(r).contains("'cameras'").contains("inline JSON only"));
    assertThat(reasons).anySatisfy(r -> assertThat(r).contains("'boundary'").contains("inline JSON only"));
  }

  @Test
  void inlineJsonForPathOrJsonOptionsIsStillAccepted() {
    world.uploadImages("inline/", 3);
    world.putManifest("inline/",
        "{\"options\": {\"boundary\": {\"type\": \"Polygon\", \"coordinates\": [[[0,0],[0,1],[1,1],[0,0]]]},"
            + " \"cameras\": \"{\\\"cam\\\": {\\\"focal\\\": 0.8}}\"}}");
    world.notifyCreated("inline/odm.json");
    JsonNode status = world.awaitState("inline/", "submitted");
    GenericKubernetesResource wf = world.workflowsFor(status.path("jobId").asText()).get(0);
    String args = parameter(wf, "odm-args");
    assertThat(args).contains("--boundary").contains("--cameras").doesNotContain("{{").doesNotContain("}}");
  }

  /** Finding 2: {@code sm-cluster} accepted any URL. */
  @Test
  void smClusterIsNeverUserSettable() {
    world.uploadImages("cluster/", 3);
    assertThat(invalidReasons("cluster/", "{\"options\": {\"sm-cluster\": \"http://169.254.169.254:3000\"}}"))
        .anySatisfy(r -> assertThat(r).contains("'sm-cluster' cannot be set by a job"));
  }

  /** Finding 5: {@code {{…}}} in option values and folder names flowed into Workflow parameters. */
  @Test
  void templateTagsInOptionValuesAndNamesAreRefused() {
    world.uploadImages("tags/", 3);
    List<String> reasons = invalidReasons("tags/",
        "{\"name\": \"{{workflow.name}}\", \"options\": {\"primary-band\": \"{{=sprig.env('AWS_SECRET_ACCESS_KEY')}}\"}}");
    assertThat(reasons).anySatisfy(r -> assertThat(r).contains("'primary-band'").contains("template tag"));
    assertThat(reasons).anySatisfy(r -> assertThat(r).startsWith("name contains '{{'"));
  }

  @Test
  void templateTagsInFolderNamesAreRefused() {
    String folder = "flight {{=sprig.env('X')}}/";
    world.uploadImages(folder, 3);
    assertThat(invalidReasons(folder, "{}")).anySatisfy(r -> assertThat(r).contains("template tag"));
  }

  /** Finding 10: 100,000 tiny images asked for 256Gi of memory and a 3,917Gi volume. */
  @Test
  void imagesOverTheCountCapAreInvalidWithTheReason() {
    world.uploadImages("many/", 21);
    assertThat(invalidReasons("many/", "{}"))
        .containsExactly("21 images, more than this watcher accepts for one job (20, watcher.manifest.max-images);"
            + " split the flight into several folders");
  }

  @Test
  void imagesOverTheByteCapAreInvalid() {
    for (int i = 0; i < 3; i++) {
      int n = i;
      world.s3.putObject(b -> b.bucket(world.bucket).key("big/IMG_" + n + ".JPG"), RequestBody.fromBytes(new byte[400_000]));
    }
    assertThat(invalidReasons("big/", "{}"))
        .anySatisfy(r -> assertThat(r).contains("1200000 bytes of images").contains("watcher.manifest.max-total-bytes"));
  }

  /** Finding 13: an option name with a newline forged a log line. */
  @Test
  void optionNamesWithNewlinesCannotForgeLogLines() throws Exception {
    ch.qos.logback.classic.Logger root =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs = new ch.qos.logback.core.read.ListAppender<>();
    logs.start();
    root.addAppender(logs);
    try {
      world.uploadImages("forge/", 2);
      String forged = "dsm\n15:00:00.000 INFO  [main] o.o.p.ManifestHandler - s3://bucket/forge/odm.json approved";
      invalidReasons("forge/", "{\"options\": {\"" + forged.replace("\n", "\\n") + "\": true}}");
      // What the console shows: each event through the STDOUT appender's own encoder (ConsoleLogConfigurator).
      @SuppressWarnings("unchecked")
      ch.qos.logback.core.encoder.Encoder<ch.qos.logback.classic.spi.ILoggingEvent> encoder =
          ((ch.qos.logback.core.OutputStreamAppender<ch.qos.logback.classic.spi.ILoggingEvent>) root.getAppender("STDOUT")).getEncoder();
      List<String> lines = logs.list.stream()
          .filter(e -> e.getFormattedMessage().contains("approved"))
          .map(e -> new String(encoder.encode(e), java.nio.charset.StandardCharsets.UTF_8))
          .toList();
      assertThat(lines).isNotEmpty();
      assertThat(lines).allSatisfy(line -> {
        assertThat(line.indexOf('\n')).isEqualTo(line.length() - 1);
        assertThat(line).contains("dsm\\n15:00:00.000");
      });
    } finally {
      root.detachAppender(logs);
    }
  }

  @SuppressWarnings("unchecked")
  private static String parameter(GenericKubernetesResource wf, String name) {
    Map<String, Object> spec = (Map<String, Object>) wf.getAdditionalProperties().get("spec");
    List<Map<String, Object>> params = (List<Map<String, Object>>) ((Map<String, Object>) spec.get("arguments")).get("parameters");
    return params.stream().filter(p -> name.equals(p.get("name"))).map(p -> String.valueOf(p.get("value"))).findFirst().orElseThrow();
  }
}
