package org.odmwatcher.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.Principal;
import org.odmwatcher.workflow.WorkflowLabels;
import picocli.CommandLine;

/** {@code render}: what the watcher would submit, printed and parsed back. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RenderCommandTest {
  private final PipelineFixture fixture = new PipelineFixture("render-cli");
  private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
  private final ObjectMapper json = new ObjectMapper();

  @TempDir Path dir;

  @AfterAll
  void close() {
    fixture.close();
  }

  private record Printed(int code, String out, String err) {}

  private Printed run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int code = new CommandLine(new RenderCommand()).execute(args);
      return new Printed(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
    }
  }

  private List<JsonNode> documents(String text) throws Exception {
    List<JsonNode> docs = new ArrayList<>();
    try (YAMLParser parser = new YAMLFactory().createParser(text)) {
      var it = yaml.readValues(parser, JsonNode.class);
      while (it.hasNext()) {
        JsonNode doc = it.next();
        if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
          docs.add(doc);
        }
      }
    }
    return docs;
  }

  private static String parameter(JsonNode wf, String name) {
    for (JsonNode p : wf.path("spec").path("arguments").path("parameters")) {
      if (p.path("name").asText().equals(name)) {
        return p.path("value").asText();
      }
    }
    throw new AssertionError("no parameter " + name);
  }

  /** Issue 21 row 3: render showed odm-args ["--dsm"] with outputs ["orthophoto","pointcloud","report"]. */
  @Test
  void optionsThatMakeAProductAddItsOutput() throws Exception {
    Path manifest = dir.resolve("odm.json");
    Files.writeString(manifest, "{\"options\": {\"dsm\": true, \"dtm\": \"true\", \"pc-las\": true}, \"outputs\": [\"orthophoto\"]}");
    Printed printed = run("s3://drone-data/farm/dem/", "--images", "5", "--manifest", manifest.toString());
    assertThat(printed.code()).as(printed.err()).isZero();
    JsonNode workflow = documents(printed.out()).get(0);
    assertThat(parameter(workflow, "odm-args")).contains("--dsm", "--dtm");
    assertThat(json.readTree(parameter(workflow, "outputs")))
        .containsExactlyInAnyOrder(json.getNodeFactory().textNode("orthophoto"), json.getNodeFactory().textNode("dsm"),
            json.getNodeFactory().textNode("dtm"), json.getNodeFactory().textNode("pointcloud"));
  }

  @Test
  void aFiveThousandImageSplitShowsTheParentAndItsChildrenSizedPerSubmodel() throws Exception {
    Path manifest = dir.resolve("odm.json");
    Files.writeString(manifest, "{\"options\": {\"split\": 500, \"split-overlap\": 100, \"dsm\": true}}");
    Printed printed = run("s3://drone-data/farm/big/", "--images", "5000", "--manifest", manifest.toString());
    assertThat(printed.code()).as(printed.err()).isZero();
    List<JsonNode> workflows = documents(printed.out());
    assertThat(workflows).hasSize(3);
    JsonNode parent = workflows.get(0);
    assertThat(parent.path("metadata").path("labels").path(WorkflowLabels.SPLIT_MERGE).asText()).isEqualTo("true");
    assertThat(parameter(parent, "image-count")).isEqualTo("5000");
    assertThat(parameter(parent, "memory")).isEqualTo("32Gi");
    // the URL without the token: the token reaches the pod in its Secret, never in a parameter
    assertThat(parameter(parent, "odm-args")).contains("\"--sm-cluster\",\"http://odm-watcher.odm.svc:8080/\"")
        .doesNotContain("token");
    assertThat(printed.out()).contains("-split-merge (key token)");
    String parentJob = parent.path("metadata").path("labels").path(WorkflowLabels.JOB_ID).asText();
    for (JsonNode child : workflows.subList(1, 3)) {
      assertThat(child.path("metadata").path("labels").path(WorkflowLabels.PARENT_JOB).asText()).isEqualTo(parentJob);
      assertThat(parameter(child, "image-count")).isEqualTo("500");
      assertThat(parameter(child, "memory")).isEqualTo("32Gi");
      assertThat(parameter(child, "odm-args")).contains("--orthophoto-cutline").doesNotContain("--split", "sm-cluster");
    }
    assertThat(parameter(workflows.get(1), "result-paths")).contains("opensfm/reconstruction.json");
    assertThat(parameter(workflows.get(2), "result-paths")).contains("odm_orthophoto/odm_orthophoto_cut.tif");
    assertThat(printed.out()).contains("# Workflows the watcher would submit for s3://drone-data/farm/big/",
        "reconstruction child (x10, <= 4 at once): 500 images, memory 32Gi");
  }

  @Test
  void theFolderIsReadFromTheBucketAndAnInvalidManifestGivesItsReasons() {
    fixture.uploadImages("plain/", 3);
    fixture.putManifest("plain/", "{\"options\": {\"dsm\": true}}");
    fixture.uploadImages("bad/", 1);
    fixture.putManifest("bad/", "{\"options\": {\"sm-cluster\": \"http://x:3000\"}}");
    String[] s3 = {"--endpoint", fixture.servers.s3Endpoint(), "--access-key", Principal.WATCHER.accessKey(),
        "--secret-key", Principal.WATCHER.secretKey()};
    List<String> plain = new ArrayList<>(List.of("s3://" + fixture.bucket + "/plain/"));
    plain.addAll(List.of(s3));
    Printed ok = run(plain.toArray(String[]::new));
    assertThat(ok.code()).as(ok.err()).isZero();
    assertThat(ok.out()).contains("job: 3 images, memory 4Gi").doesNotContain("sm-cluster", "child");
    List<String> bad = new ArrayList<>(List.of("s3://" + fixture.bucket + "/bad/"));
    bad.addAll(List.of(s3));
    Printed invalid = run(bad.toArray(String[]::new));
    assertThat(invalid.code()).isEqualTo(1);
    assertThat(invalid.err()).contains("option 'sm-cluster' cannot be set by a job");
  }

  @Test
  void defaultsFilesOnDiskShowTheEffectiveManifestAndOrigins() throws Exception {
    Path root = dir.resolve("root.defaults.json");
    Path farm = dir.resolve("farm.defaults.json");
    Path manifest = dir.resolve("odm.json");
    Files.writeString(root, "{\"options\": {\"dsm\": true, \"feature-quality\": \"medium\"}}");
    Files.writeString(farm, "{\"options\": {\"feature-quality\": \"high\"}}");
    Files.writeString(manifest, "{\"name\": \"flight 3\"}");
    Printed printed = run("s3://drone-data/farm-a/flight-3/", "--images", "5", "--manifest", manifest.toString(),
        "--defaults", root.toString(), "--defaults", farm.toString());
    assertThat(printed.code()).as(printed.err()).isZero();
    assertThat(printed.out())
        .contains("#   " + root + "\n", "#   " + farm + "\n")
        .contains("#   /options/dsm <- " + root, "#   /options/feature-quality <- " + farm, "#   /name <- " + manifest);
    assertThat(parameter(documents(printed.out()).get(0), "odm-args")).contains("\"--feature-quality\",\"high\"", "--dsm");
  }

  @Test
  void theBucketsDefaultsFilesAreReadForTheFolderAndABrokenOneIsNamed() {
    fixture.uploadImages("farm-r/f1/", 2);
    fixture.putManifest("farm-r/f1/", "{}");
    fixture.s3.putObject(b -> b.bucket(fixture.bucket).key("farm-r/odm.defaults.json"),
        software.amazon.awssdk.core.sync.RequestBody.fromString("{\"options\": {\"pc-quality\": \"low\"}}"));
    fixture.uploadImages("farm-s/f1/", 2);
    fixture.putManifest("farm-s/f1/", "{}");
    fixture.s3.putObject(b -> b.bucket(fixture.bucket).key("farm-s/odm.defaults.json"),
        software.amazon.awssdk.core.sync.RequestBody.fromString("{\"options\": {\"pc-quality\": \"best\"}}"));
    String[] s3 = {"--endpoint", fixture.servers.s3Endpoint(), "--access-key", Principal.WATCHER.accessKey(),
        "--secret-key", Principal.WATCHER.secretKey()};
    List<String> good = new ArrayList<>(List.of("s3://" + fixture.bucket + "/farm-r/f1/"));
    good.addAll(List.of(s3));
    Printed ok = run(good.toArray(String[]::new));
    assertThat(ok.code()).as(ok.err()).isZero();
    assertThat(ok.out()).contains("#   farm-r/odm.defaults.json (ETag ", "#   /options/pc-quality <- farm-r/odm.defaults.json");
    List<String> bad = new ArrayList<>(List.of("s3://" + fixture.bucket + "/farm-s/f1/"));
    bad.addAll(List.of(s3));
    Printed broken = run(bad.toArray(String[]::new));
    assertThat(broken.code()).isEqualTo(1);
    assertThat(broken.err()).contains("defaults file s3://" + fixture.bucket + "/farm-s/odm.defaults.json: ")
        .contains("pc-quality");
  }

  /** Issue 26 item 6: render shows where each step goes and with what, from the watcher's own placement block. */
  @Test
  void printsEachStepsPlacementFromTheWatchersPlacementBlockAndRefusesWhatNoClassHolds() throws Exception {
    Path config = dir.resolve("application.yml");
    Files.writeString(config, """
        watcher:
          placement:
            swap-ratio: 1.0
            node-classes:
              spot-small:
                memory: 30Gi
                cpu: 8
                capacity-type: spot
                labels:
                  karpenter.sh/capacity-type: spot
              on-demand-large:
                memory: 245Gi
                cpu: 32
                capacity-type: on-demand
                labels:
                  karpenter.sh/capacity-type: on-demand
        """);
    Path manifest = dir.resolve("odm.json");
    Files.writeString(manifest, "{}");

    Printed printed = run("s3://drone-data/farm/big/", "--images", "5000", "--manifest", manifest.toString(), "--placement", config.toString());
    assertThat(printed.code()).as(printed.err()).isZero();
    assertThat(printed.out())
        .contains("#       download, upload: spot-small (spot)")
        .contains("#       process (ODM): on-demand-large (on-demand), cpu 32, memory 128Gi (limit 245Gi), karpenter.sh/do-not-disrupt, image docker.io/opendronemap/odm:3.6.0");
    JsonNode wf = documents(printed.out()).get(0);
    assertThat(parameter(wf, "process-do-not-disrupt")).isEqualTo("true");
    assertThat(parameter(wf, "transfer-pod-patch")).contains("\"karpenter.sh/capacity-type\":\"spot\"");

    Printed huge = run("s3://drone-data/farm/huge/", "--images", "12000", "--manifest", manifest.toString(), "--placement", config.toString());
    assertThat(huge.code()).isEqualTo(1);
    assertThat(huge.err()).contains("state 'invalid'").contains("ODM needs 278Gi of memory for 12000 images").contains("\"split\": ");
  }
}
