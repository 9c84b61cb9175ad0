package org.odmwatcher.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.argo.OdmStageLog;
import org.odmwatcher.testing.argo.TestArgo;

/**
 * The API driven by the real pyODM client (OpenDroneMap/PyODM, pyodm/api.py), not by our reading
 * of it: {@code src/test/resources/pyodm/drive.py} calls {@code Node.create_task},
 * {@code Task.wait_for_completion}, {@code Task.restart(options)} and {@code Task.download_assets}
 * and prints what it saw; this test runs it as a process against the embedded API and the test Argo.
 *
 * <p>The interpreter is {@code -Dpyodm.python} (the pom's default: a virtualenv under
 * {@code ~/.cache/odm-watcher/pyodm}); it must have pyODM installed, see {@link #PYTHON_HELP}.
 * Tagged {@code pyodm}: the default build leaves it out (pyODM is on PyPI only), {@code -Ppyodm}
 * runs it.
 */
@Tag("pyodm")
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PyOdmClientTest implements TestPropertyProvider {
  static final String PYTHON_HELP = "python3 -m venv ~/.cache/odm-watcher/pyodm && "
      + "~/.cache/odm-watcher/pyodm/bin/pip install -r watcher/src/test/resources/pyodm/requirements.txt"
      + " (or pass -Dpyodm.python=<a python with pyodm>)";
  private static final Duration RUN_LIMIT = Duration.ofMinutes(4);

  private final PipelineFixture world = new PipelineFixture("api-pyodm", "api-pyodm");
  private final ObjectMapper json = new ObjectMapper();
  private Path python;

  @Inject EmbeddedServer server;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> p = new LinkedHashMap<>(world.apiProperties());
    p.put("watcher.api.poll-interval", "300ms");
    p.put("watcher.workspace.keep-failed", "72h");
    return p;
  }

  @BeforeAll
  void findPyOdm() throws Exception {
    python = Path.of(System.getProperty("pyodm.python",
        System.getProperty("user.home") + "/.cache/odm-watcher/pyodm/bin/python"));
    if (!Files.isExecutable(python)) {
      fail("pyODM's interpreter " + python + " is missing; install it with: " + PYTHON_HELP);
    }
    Process check = new ProcessBuilder(python.toString(), "-c", "import pyodm").redirectErrorStream(true).start();
    if (!check.waitFor(60, TimeUnit.SECONDS) || check.exitValue() != 0) {
      fail(python + " cannot import pyodm; install it with: " + PYTHON_HELP);
    }
  }

  @AfterAll
  void close() {
    world.close();
  }

  @Test
  void pyOdmCreatesATaskWaitsForItAndDownloadsItsAssets(@TempDir Path dir) throws Exception {
    String uuid = UUID.randomUUID().toString();
    try (TestArgo argo = world.startArgo()) {
      List<JsonNode> seen = drive("process", uuid, dir);

      assertThat(event(seen, "created").path("uuid").asText()).isEqualTo(uuid);
      JsonNode finished = event(seen, "finished");
      assertThat(finished.path("status").asText()).as(seen.toString()).isEqualTo("COMPLETED");
      assertThat(finished.path("imagesCount").asInt()).isEqualTo(3);
      assertThat(finished.path("options").toString()).contains("\"dsm\"");
      assertDownloaded(dir, seen, uuid);
    }
  }

  @Test
  void pyOdmRestartWithRerunFromResumesTheFailedTaskInItsKeptWorkspace(@TempDir Path dir) throws Exception {
    String uuid = UUID.randomUUID().toString();
    String folder = "api-tasks/" + uuid + "/";
    try (TestArgo argo = world.startArgo()) {
      argo.failOdmNext(folder, 137, "odm_orthophoto");
      List<JsonNode> seen = drive("restart", uuid, dir);

      List<JsonNode> finished = events(seen, "finished");
      assertThat(finished).as(seen.toString()).hasSize(2);
      assertThat(finished.get(0).path("status").asText()).isEqualTo("FAILED");
      // FAILED is shown once the workspace is kept, with the stage and the restart option to resume
      assertThat(finished.get(0).path("lastError").asText()).contains("exit code 137", "failed in odm_orthophoto", "rerun-from=odm_orthophoto");
      assertThat(event(seen, "restarted").path("success").asBoolean()).isTrue();
      assertThat(event(seen, "afterRestart").path("status").asText()).isIn("QUEUED", "RUNNING");
      assertThat(finished.get(1).path("status").asText()).isEqualTo("COMPLETED");

      JsonNode done = world.status(folder).orElseThrow();
      String failedJob = done.path("workspace").path("resumedFrom").asText();
      assertThat(failedJob).isNotEmpty().isNotEqualTo(done.path("jobId").asText());
      GenericKubernetesResource first = world.workflowsFor(failedJob).get(0);
      GenericKubernetesResource second = world.workflowsFor(done.path("jobId").asText()).get(0);
      assertThat(OdmStageLog.worked(argo.podLog(first.getMetadata().getName(), "process(0)")))
          .contains("dataset", "odm_orthophoto").doesNotContain("odm_report");
      String log = argo.podLog(second.getMetadata().getName(), "process(0)");
      assertThat(OdmStageLog.worked(log))
          .containsExactly("split", "merge", "odm_orthophoto", "odm_report", "odm_postprocess");
      assertThat(log).contains("--dsm"); // the options given at creation stay: restart only added rerun-from
      // the same volume and ODM project folder as the failed run (as ResumeEndToEndTest asserts)
      assertThat(parameter(first, "workspace")).isEqualTo(first.getMetadata().getName() + "-workspace");
      assertThat(parameter(second, "workspace")).isEqualTo(parameter(first, "workspace"))
          .isEqualTo(done.path("workspace").path("volume").asText());
      assertThat(parameter(second, "project")).isEqualTo(failedJob);
      assertDownloaded(dir, seen, uuid);
    }
  }

  /** Runs drive.py (argument array, no shell) and returns its JSON lines. */
  private List<JsonNode> drive(String mode, String uuid, Path dir) throws IOException, InterruptedException {
    List<String> argv = new ArrayList<>(List.of(python.toString(),
        Path.of(resource("/pyodm/drive.py")).toString(), mode,
        server.getHost(), String.valueOf(server.getPort()), uuid, dir.resolve("assets").toString()));
    for (int i = 1; i <= 3; i++) {
      Path image = dir.resolve(String.format("DJI_%04d.JPG", i));
      Files.write(image, new byte[] {(byte) 0xFF, (byte) 0xD8});
      argv.add(image.toString());
    }
    Path out = dir.resolve("drive.out");
    Path err = dir.resolve("drive.err");
    Process process = new ProcessBuilder(argv)
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!process.waitFor(RUN_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      fail("pyODM did not finish within " + RUN_LIMIT + "; it printed: " + Files.readString(out) + Files.readString(err));
    }
    List<JsonNode> seen = new ArrayList<>();
    for (String line : Files.readAllLines(out)) {
      seen.add(json.readTree(line));
    }
    assertThat(process.exitValue()).as("pyODM said %s%s", seen, Files.readString(err)).isZero();
    return seen;
  }

  private void assertDownloaded(Path dir, List<JsonNode> seen, String uuid) throws IOException {
    // download_assets unpacked all.zip: the orthophoto is the one the job uploaded
    assertThat(event(seen, "downloaded").path("files").toString()).contains("odm_orthophoto/odm_orthophoto.tif");
    byte[] uploaded = world.s3.getObjectAsBytes(b -> b.bucket(world.bucket)
        .key("api-tasks/" + uuid + "/results/odm_orthophoto/odm_orthophoto.tif")).asByteArray();
    assertThat(Files.readAllBytes(dir.resolve("assets/odm_orthophoto/odm_orthophoto.tif"))).isEqualTo(uploaded);
  }

  @SuppressWarnings("unchecked")
  private static String parameter(GenericKubernetesResource wf, String name) {
    Map<String, Object> spec = (Map<String, Object>) wf.getAdditionalProperties().get("spec");
    List<Map<String, Object>> parameters = (List<Map<String, Object>>) ((Map<String, Object>) spec.get("arguments")).get("parameters");
    return parameters.stream().filter(p -> name.equals(p.get("name"))).map(p -> String.valueOf(p.get("value"))).findFirst()
        .orElse(null);
  }

  private static JsonNode event(List<JsonNode> seen, String name) {
    List<JsonNode> found = events(seen, name);
    assertThat(found).as("pyODM's %s line in %s", name, seen).hasSize(1);
    return found.get(0);
  }

  private static List<JsonNode> events(List<JsonNode> seen, String name) {
    return seen.stream().filter(e -> name.equals(e.path("event").asText())).toList();
  }

  private static java.net.URI resource(String name) {
    try {
      return PyOdmClientTest.class.getResource(name).toURI();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
