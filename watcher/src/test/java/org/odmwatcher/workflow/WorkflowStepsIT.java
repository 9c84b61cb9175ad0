package org.odmwatcher.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.argo.PodRunner;
import org.odmwatcher.testing.argo.TestArgo;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The step test (issue 12): what a cluster runs, run here. The watcher renders and submits the
 * Workflow of a folder whose name has spaces, unicode and a {@code +}; the test Argo substitutes its
 * parameters into {@code manifests/base/workflowtemplate-odm-process.yaml} as Argo does and runs
 * each container's own command, args and env with the real programs ({@link PodRunner.Programs}):
 * both rclone steps with the {@code rclone} binary against S3Proxy, with the Workflow pods' keys;
 * the {@code process} program with {@code python3} against the stand-in ODM (run.py, ODM 3.6.0's
 * command line); {@code job-finished} from the built jar in a JVM of its own. The watcher's own
 * informer is off ({@code watcher.argo.watch=false}), so the final {@code status.json} is the exit
 * handler's alone, as when the watcher is scaled to zero.
 *
 * <p>A failsafe IT because it needs the built jar ({@code mvn verify} runs it after
 * {@code package}).
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkflowStepsIT implements TestPropertyProvider {
  private static final String FOLDER = "flights/Feld Nord + Süd 2026/";
  private static final byte[] GCP = "EPSG:32632\n500000 5300000 100 1200 800 DJI_0001.JPG gcp1\n".getBytes(StandardCharsets.UTF_8);
  private static final byte[] GEO = "EPSG:4326\nDJI_0001.JPG 11.5 48.1 520\n".getBytes(StandardCharsets.UTF_8);
  private static final String PLACEHOLDER = "PLACEHOLDER - test stand-in for OpenDroneMap";

  private final PipelineFixture world = new PipelineFixture("steps", "steps");

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> p = new HashMap<>(world.properties());
    p.put("watcher.argo.watch", "false");
    return p;
  }

  @AfterAll
  void close() {
    world.close();
  }

  @Test
  void eachStepOfTheTemplateRunsItsRealProgramAndTheFolderEndsSucceededWithExactlyTheWantedResults() throws Exception {
    Map<String, byte[]> images = new TreeMap<>(Map.of(
        "DJI_0001.JPG", image(1), "DJI_0002.jpg", image(2), "Überflug 3.tif", image(3), "IMG_0004.JXL", image(4)));
    images.forEach((name, bytes) -> put(FOLDER + name, bytes));
    // ODM's mask of DJI_0001.JPG (stages/dataset.py): downloaded with the images, not one of them.
    Map<String, byte[]> inImagesFolder = new TreeMap<>(images);
    inImagesFolder.put("DJI_0001_mask.png", image(5));
    put(FOLDER + "DJI_0001_mask.png", image(5));
    put(FOLDER + "gcp_list.txt", GCP);
    put(FOLDER + "geo.txt", GEO);
    put(FOLDER + "notes.txt", "not for ODM".getBytes(StandardCharsets.UTF_8));
    put(FOLDER + "extra/DJI_0099.JPG", image(99)); // a sub-folder is not part of the dataset
    put(FOLDER + "results/odm_orthophoto/odm_orthophoto.tif", "an earlier run".getBytes(StandardCharsets.UTF_8));
    put(FOLDER + "results/odm_report/report.pdf", "an earlier run".getBytes(StandardCharsets.UTF_8));
    world.putManifest(FOLDER, "{\"options\": {\"dsm\": true, \"orthophoto-resolution\": 5, \"feature-quality\": \"medium\"},"
        + " \"outputs\": [\"orthophoto\", \"dsm\", \"report\"]}");

    try (TestArgo argo = world.startArgo(programs())) {
      world.notifyCreated(FOLDER + "odm.json");
      String jobId = world.awaitState(FOLDER, "submitted").path("jobId").asText();
      String name = world.workflowsFor(jobId).get(0).getMetadata().getName();
      Map<String, Object> status = argo.awaitStatus(name, s -> s.get("finishedAt") != null);
      String logs = logs(argo, name, status);
      System.out.println("WorkflowStepsIT: the pods' logs\n" + logs);
      assertThat(status.get("phase")).as("the Workflow's phase; its pods' logs:%n%s", logs).isEqualTo("Succeeded");

      // download: the side files into the project root, the images into images/, nothing else.
      Path project = argo.workspace(name).resolve(jobId);
      assertThat(project.resolve("gcp_list.txt")).hasBinaryContent(GCP);
      assertThat(project.resolve("geo.txt")).hasBinaryContent(GEO);
      assertThat(files(project.resolve("images"))).containsExactlyElementsOf(inImagesFolder.keySet());
      inImagesFolder.forEach((file, bytes) -> assertThat(project.resolve("images").resolve(file)).hasBinaryContent(bytes));
      assertThat(project.resolve("results")).doesNotExist();
      assertThat(project.resolve("extra")).doesNotExist();
      assertThat(project.resolve("notes.txt")).doesNotExist();
      assertThat(project.resolve("odm.json")).doesNotExist();

      // process: ODM's command line took the manifest's options; ODM's log is plain text.
      String odmLog = Files.readString(project.resolve("odm.log"), StandardCharsets.UTF_8);
      assertThat(odmLog).contains("[INFO]    dsm: True", "[INFO]    orthophoto_resolution: 5.0",
          "[INFO]    feature_quality: medium", "[INFO]    name: " + jobId,
          "[INFO]    Loading 4 images", "[INFO]    Found 4 usable images",
          "[INFO]    Running odm_postprocess stage", "[INFO]    ODM app finished").doesNotContain("\u001b[");
      assertThat(argo.podLog(name, "process(0)")).startsWith("running: [\"python3\"");
      assertThat(Files.readAllLines(project.resolve("img_list.txt"), StandardCharsets.UTF_8))
          .containsExactlyElementsOf(images.keySet()); // ODM's dataset list: the mask is not an image

      // upload: exactly the wanted outputs (and ODM's logs) under the results prefix.
      assertThat(keysUnder(FOLDER + "results/")).containsExactlyInAnyOrder(
          "odm.log", "log.json", "images.json", "cameras.json",
          "odm_orthophoto/odm_orthophoto.tif", "odm_dem/dsm.tif", "odm_report/report.pdf",
          "stac-item.json"); // the job's STAC Item, written by the exit handler (issue 23)
      // the stand-in's orthophoto is a real (TEST DATA) COG: a big-endian TIFF (issue 23)
      assertThat(firstLine(FOLDER + "results/odm_orthophoto/odm_orthophoto.tif")).startsWith("MM\u0000*");
      assertThat(firstLine(FOLDER + "results/odm_report/report.pdf")).startsWith(PLACEHOLDER);

      // record-status: job-finished from the built jar wrote the final status.json.
      assertThat(argo.podLog(name, "record-status(0)"))
          .contains("status.json of s3://" + world.bucket + "/" + FOLDER + " records succeeded");
      JsonNode done = world.status(FOLDER).orElseThrow();
      assertThat(done.path("state").asText()).isEqualTo("succeeded");
      assertThat(done.path("jobId").asText()).isEqualTo(jobId);
      assertThat(done.path("images").asInt()).as("images counted as ODM counts them").isEqualTo(images.size());
      List<String> outputs = new java.util.ArrayList<>();
      done.path("outputs").forEach(o -> outputs.add(o.asText()));
      assertThat(outputs).containsExactlyInAnyOrder("results/odm.log", "results/log.json", "results/images.json",
          "results/cameras.json", "results/odm_orthophoto/odm_orthophoto.tif", "results/odm_dem/dsm.tif",
          "results/odm_report/report.pdf", "results/stac-item.json");
    }
  }

  /** Debian's rclone, the jar `mvn package` built, the install's settings as the MinIO overlay sets them. */
  @SuppressWarnings("unchecked")
  private static PodRunner.Programs programs() throws IOException {
    Path rclone = Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
        .map(dir -> Path.of(dir, "rclone")).filter(Files::isExecutable).findFirst()
        .orElseThrow(() -> new IllegalStateException("rclone is not on PATH: .ci/run installs it (apt-get install rclone)"));
    Path jar = Path.of(System.getProperty("watcher.jar", "target/odm-watcher.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar.toAbsolutePath() + " is missing: run `mvn -pl watcher package` first");
    }
    // The overlay the test world resembles: a store at its own endpoint, path-style addressing.
    Map<String, Object> settings = new ObjectMapper(new YAMLFactory())
        .readValue(Path.of("../manifests/overlays/minio/workflow-settings-minio.yaml").toFile(), Map.class);
    // The watcher image sets LANG=C.UTF-8 (watcher/pom.xml, Jib's environment): the JVM writes
    // UTF-8. (The rclone and ODM images set no locale.)
    Map<String, Map<String, String>> imageEnv = Map.of("ghcr.io/odm-watcher/odm-watcher", Map.of("LANG", "C.UTF-8"));
    return new PodRunner.Programs(rclone, jar.toAbsolutePath(), (Map<String, String>) settings.get("data"), imageEnv);
  }

  /** The pods' logs, for a Workflow that did not succeed. */
  @SuppressWarnings("unchecked")
  private static String logs(TestArgo argo, String name, Map<String, Object> status) {
    Map<String, Map<String, Object>> nodes = (Map<String, Map<String, Object>>) status.getOrDefault("nodes", Map.of());
    Map<String, String> byPod = new LinkedHashMap<>();
    nodes.values().stream().filter(n -> "Pod".equals(n.get("type"))).forEach(n -> byPod.put(
        n.get("displayName") + " " + n.get("phase") + (n.get("message") == null ? "" : " (" + n.get("message") + ")"),
        argo.podLog(name, String.valueOf(n.get("displayName")))));
    return byPod.entrySet().stream().map(e -> "--- " + e.getKey() + "\n" + e.getValue()).collect(Collectors.joining("\n"));
  }

  private void put(String key, byte[] bytes) {
    world.s3.putObject(b -> b.bucket(world.bucket).key(key), RequestBody.fromBytes(bytes));
  }

  /** The object's first line (the placeholders are a marked line, then binary filler). */
  private String firstLine(String key) {
    String text = new String(world.s3.getObjectAsBytes(b -> b.bucket(world.bucket).key(key)).asByteArray(), StandardCharsets.ISO_8859_1);
    return text.lines().findFirst().orElse("");
  }

  private Set<String> keysUnder(String prefix) {
    return world.s3.listObjectsV2Paginator(b -> b.bucket(world.bucket).prefix(prefix)).contents().stream()
        .map(o -> o.key().substring(prefix.length())).collect(Collectors.toCollection(TreeSet::new));
  }

  private static List<String> files(Path dir) throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      return list.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /** A small distinct JPEG-looking payload (ODM is a stand-in: the bytes only have to arrive intact). */
  private static byte[] image(int n) {
    byte[] bytes = new byte[2048 + n];
    new java.util.Random(n).nextBytes(bytes);
    bytes[0] = (byte) 0xFF;
    bytes[1] = (byte) 0xD8;
    return bytes;
  }
}
