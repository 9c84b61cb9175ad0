package org.odmwatcher.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.pipeline.ManifestHandler;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.argo.TestArgo;
import org.odmwatcher.workflow.JobId;
import org.odmwatcher.workflow.SplitMergeToken;

/**
 * The split-merge token (issue 22, row 3): it reaches ODM and nothing else — not the Workflow's
 * parameters, the pod's log, {@code status.json} (its {@code logTail}) or the uploaded results —
 * and the API accepts it only for a job that runs, before it expires, for a bounded number of
 * tasks. The parent job runs through the test Argo with the template's real {@code process}
 * program and the stand-in ODM, whose {@code --sm-cluster} check (pyODM's Node.info) reaches this
 * very server.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SplitMergeTokenTest implements TestPropertyProvider {
  private static final String SECRET = "split-merge-token-test-secret-0123";
  private static final String API_TOKEN = "api-token-for-admins";

  private final PipelineFixture world = new PipelineFixture("smtoken", "smtoken");
  private final int port = freePort();

  @Inject EmbeddedServer server;
  @Inject ManifestHandler pipeline;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> p = new LinkedHashMap<>(world.apiProperties());
    // a fixed port: the parent's ODM (a local process in the test Argo) reaches the API there
    p.put("micronaut.server.port", Integer.toString(port));
    p.put("watcher.api.allow-anonymous", "false");
    p.put("watcher.api.token", API_TOKEN);
    p.put("watcher.split-merge.cluster-url", "http://127.0.0.1:" + port);
    p.put("watcher.split-merge.token-secret", SECRET);
    p.put("watcher.split-merge.max-tasks-per-job", "3");
    return p;
  }

  @AfterAll
  void close() {
    world.close();
  }

  @Test
  void theTokenIsInNoParameterPodLogStatusOrResult() throws Exception {
    String folder = "farm/leak/";
    world.uploadImages(folder, 3);
    world.putManifest(folder, "{\"options\": {\"split\": 1, \"sm-no-align\": true}}");
    try (TestArgo argo = world.startArgo()) {
      argo.pauseOdm(folder); // ODM runs (its pod log is the status's logTail) until resumed
      pipeline.handleFolder(world.bucket, folder);
      String job = world.status(folder).orElseThrow().path("jobId").asText();
      String tokenStart = "sm-" + job; // every token of this job starts so, whatever follows
      GenericKubernetesResource workflow = world.workflowsFor(job).get(0);
      String name = workflow.getMetadata().getName();
      assertThat(Serialization.asJson(workflow)).as("the Workflow").doesNotContain(tokenStart).doesNotContain("token=");

      // ODM runs (paused in its opensfm stage) once its command line is in the pod's log. The
      // status's logTail is a copy of that log's last lines (ProcessPodLog), so the pod log's check
      // below covers it; waiting for a status whose tail holds the line was timing luck (a paused
      // ODM changes nothing that makes the watcher write again), so the running status is checked
      // as it is.
      await().atMost(Duration.ofSeconds(60)).until(() -> argo.podLog(name, "process(0)").contains("running: "));
      assertThat(argo.podLog(name, "process(0)")).as("the pod log while ODM runs").doesNotContain(tokenStart);
      JsonNode running = world.status(folder).orElseThrow();
      assertThat(running.toString()).as("status.json while ODM runs").doesNotContain(tokenStart);
      argo.resumeOdm(folder);

      // ODM got the token all the same: its Node.info check against this server passed, and it ran.
      assertThat(argo.awaitStatus(name, s -> s.get("finishedAt") != null).get("phase")).as(argo.podLog(name, "process(0)"))
          .isEqualTo("Succeeded");
      String podLog = argo.podLog(name, "process(0)");
      assertThat(podLog).contains("running: ").contains("--sm-cluster").doesNotContain(tokenStart);
      JsonNode done = world.awaitState(folder, "succeeded");
      assertThat(done.toString()).as("status.json at the end").doesNotContain(tokenStart);
      assertThat(Serialization.asJson(argo.workflow(name))).as("the Workflow at the end").doesNotContain(tokenStart);
      assertThat(world.s3.listObjectsV2(b -> b.bucket(world.bucket).prefix(folder + "results/odm.log")).contents()).isNotEmpty();
      world.s3.listObjectsV2Paginator(b -> b.bucket(world.bucket).prefix(folder)).contents().forEach(o -> {
        // ISO-8859-1 reads any bytes (the images too); the token is ASCII
        String text = new String(world.s3.getObjectAsBytes(b -> b.bucket(world.bucket).key(o.key())).asByteArray(),
            StandardCharsets.ISO_8859_1);
        assertThat(text).as(o.key()).doesNotContain(tokenStart);
      });
    }
  }

  @Test
  void aTokenOfAJobThatDoesNotRunCreatesNoTask() throws Exception {
    String never = UUID.randomUUID().toString().replace("-", "");
    NodeOdmClient odm = new NodeOdmClient(server.getURI(), new SplitMergeToken(SECRET).mint(new JobId(never), Instant.now().plusSeconds(3600)));
    JsonNode init = odm.postMultipart("/task/new/init", Map.of(), Map.of("options", "[]"), List.of());
    assertThat(init.path("uuid").asText()).as(init.toString()).isEmpty();
    assertThat(init.path("error").asText()).as(init.toString()).isNotEmpty();
  }

  @Test
  void tasksOfOneJobAreCapped() throws Exception {
    String folder = "farm/cap/";
    world.uploadImages(folder, 3);
    world.putManifest(folder, "{\"options\": {\"split\": 1}}");
    try (TestArgo argo = world.startArgo()) {
      argo.hold(folder, "process");
      pipeline.handleFolder(world.bucket, folder);
      String job = world.status(folder).orElseThrow().path("jobId").asText();
      String name = world.workflowsFor(job).get(0).getMetadata().getName();
      argo.awaitStatus(name, s -> "Running".equals(s.get("phase")));
      NodeOdmClient odm = new NodeOdmClient(server.getURI(), new SplitMergeToken(SECRET).mint(new JobId(job), Instant.now().plusSeconds(3600)));
      for (int i = 0; i < 3; i++) {
        JsonNode init = odm.postMultipart("/task/new/init", Map.of(), Map.of("options", "[]"), List.of());
        assertThat(init.path("uuid").asText()).as(init.toString()).isNotEmpty();
      }
      JsonNode fourth = odm.postMultipart("/task/new/init", Map.of(), Map.of("options", "[]"), List.of());
      assertThat(fourth.path("error").asText()).as(fourth.toString()).contains("watcher.split-merge.max-tasks-per-job");
      // The same job's token, expired: refused at the door, whatever the job does.
      NodeOdmClient expired = new NodeOdmClient(server.getURI(), new SplitMergeToken(SECRET).mint(new JobId(job), Instant.now().minusSeconds(1)));
      assertThat(expired.get("/info").path("error").asText()).startsWith("Invalid authentication token");
      // Once the job is stopped, its token creates nothing more.
      world.putManifest(folder, "{\"options\": {\"split\": 1}, \"cancel\": true}");
      pipeline.handleFolder(world.bucket, folder);
      JsonNode afterCancel = odm.postMultipart("/task/new/init", Map.of(), Map.of("options", "[]"), List.of());
      assertThat(afterCancel.path("error").asText()).as(afterCancel.toString()).contains("is not running");
      argo.release(folder, "process");
    }
  }

  /**
   * Issue 22 row 6: {@code parentJob} in a manifest a bucket writer put there (not written by the
   * API for a task whose {@code task.json} carries it) would make the folder another job's
   * submodel: counted in its caps, listed in its {@code submodels}, stopped by its cancel.
   */
  @Test
  void aBucketManifestCannotMakeItselfAnotherJobsSubmodel() throws Exception {
    String parent = UUID.randomUUID().toString().replace("-", "");
    for (String folder : List.of("farm/claims-a-parent/", "api-tasks/" + UUID.randomUUID() + "/")) {
      world.uploadImages(folder, 2);
      world.putManifest(folder, "{\"options\": {}, \"parentJob\": \"" + parent + "\"}");
      pipeline.handleFolder(world.bucket, folder);
      JsonNode status = world.status(folder).orElseThrow();
      assertThat(status.path("state").asText()).as(folder + ": " + status).isEqualTo("invalid");
      assertThat(status.path("errors").toString()).contains("parentJob");
    }
    assertThat(world.kubernetes.genericKubernetesResources(org.odmwatcher.workflow.ArgoWorkflowSubmitter.WORKFLOWS)
        .inNamespace(world.namespace).withLabel(org.odmwatcher.workflow.WorkflowLabels.PARENT_JOB, parent).list().getItems())
        .isEmpty();
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
