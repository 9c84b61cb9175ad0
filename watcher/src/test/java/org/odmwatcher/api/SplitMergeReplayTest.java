package org.odmwatcher.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Random;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.pipeline.ManifestHandler;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.argo.TestArgo;
import org.odmwatcher.workflow.JobId;
import org.odmwatcher.workflow.SplitMergeToken;
import org.odmwatcher.workflow.WorkflowLabels;

/**
 * ODM's split-merge client against the watcher: the exact HTTP calls ODM 3.6.0's
 * LocalRemoteExecutor (opendm/remote.py) makes through pyODM (pyodm/api.py) for each submodel,
 * replayed over real HTTP with the URL and token the watcher put in the parent's
 * {@code --sm-cluster}, while the strict test Argo runs every Workflow (parent and children) with
 * the stand-in ODM.
 *
 * <p>What is replayed, per task (remote.py Task.execute_remote_task, lines 328-429): pyODM's
 * Node.from_url keeps host, port and {@code ?token=} only, so every route is at {@code /};
 * Node.info ({@code GET /info}, version at least 1.4.0 for the chunked upload); Node.create_task:
 * {@code POST /task/new/init} (multipart: {@code options} = options_to_json of
 * get_submodel_args_dict, {@code skipPostProcessing=true}, {@code outputs} = json.dumps of the
 * list), one {@code POST /task/new/upload/<uuid>} per file (field {@code images}, the file's base
 * name: the images, {@code geo.txt}, {@code seed.zip} built as Task.create_seed_payload builds
 * it), {@code POST /task/new/commit/<uuid>}; then Task.info: RUNNING/COMPLETED starts monitoring,
 * QUEUED is "node full" (NodeTaskLimitReachedException: the task is removed and sent again later);
 * Task.wait_for_completion polls info; Task.download_assets gets {@code all.zip}; Task.remove.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SplitMergeReplayTest implements TestPropertyProvider {
  private static final String SECRET = "split-merge-test-secret-0123456789";
  private static final String API_TOKEN = "api-token-for-admins";
  private static final List<String> RECONSTRUCTION_OUTPUTS =
      List.of("opensfm/matches", "opensfm/features", "opensfm/reconstruction.json", "opensfm/tracks.csv", "cameras.json");
  private static final List<String> TOOLCHAIN_OUTPUTS =
      List.of("odm_orthophoto/cutline.gpkg", "odm_orthophoto/odm_orthophoto_cut.tif",
          "odm_orthophoto/odm_orthophoto_feathered.tif", "odm_dem", "odm_report", "odm_georeferencing");

  private final PipelineFixture world = new PipelineFixture("splitmerge", "sm");
  private final ObjectMapper json = new ObjectMapper();

  @Inject EmbeddedServer server;
  @Inject ManifestHandler pipeline;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> p = new LinkedHashMap<>(world.apiProperties());
    p.put("watcher.api.allow-anonymous", "false");
    p.put("watcher.api.token", API_TOKEN);
    p.put("watcher.api.poll-interval", "200ms");
    p.put("watcher.split-merge.cluster-url", "http://odm-watcher.sm.svc:8080");
    p.put("watcher.split-merge.token-secret", SECRET);
    p.put("watcher.split-merge.max-children-per-job", "2");
    p.put("watcher.workspace.keep-failed", "72h"); // a failed parent's workspace is kept, to resume it
    return p;
  }

  @AfterAll
  void close() {
    world.close();
  }

  /** One submodel of the parent project: its name and image count. */
  private record Submodel(String name, int images) {}

  @Test
  void odmsSplitMergeClientRunsEverySubmodelAsAChildWorkflowOfItsJob() throws Exception {
    // The parent: a user's folder whose manifest splits; the watcher submits it with --sm-cluster.
    String parentFolder = "farm/large/";
    world.uploadImages(parentFolder, 9);
    world.putManifest(parentFolder,
        "{\"options\": {\"split\": 3, \"split-overlap\": 50, \"sm-no-align\": true, \"dsm\": true}}");
    try (TestArgo argo = world.startArgo()) {
      argo.hold(parentFolder, "process"); // the parent's ODM runs for as long as its submodels do
      pipeline.handleFolder(world.bucket, parentFolder);
      String parentJob = world.status(parentFolder).orElseThrow().path("jobId").asText();
      GenericKubernetesResource parent = world.workflowsFor(parentJob).get(0);
      assertThat(parent.getMetadata().getLabels()).containsEntry(WorkflowLabels.SPLIT_MERGE, "true");
      List<String> odmArgs = odmArgs(parent);
      int flag = odmArgs.indexOf("--sm-cluster");
      assertThat(flag).as(odmArgs.toString()).isNotNegative();
      URI cluster = URI.create(odmArgs.get(flag + 1));
      // pyODM Node.from_url: host and port of the in-cluster Service; the token is the job's own,
      // in the Workflow's Secret (the process program adds it to the URL), not in the parameter.
      assertThat(cluster.getHost()).isEqualTo("odm-watcher.sm.svc");
      assertThat(cluster.getPort()).isEqualTo(8080);
      assertThat(cluster.getQuery()).isNull();
      String token = tokenSecret(parent);
      assertThat(token).startsWith("sm-" + parentJob + "-");
      // The parent's pod runs one submodel itself (3 images) and holds the whole project.
      assertThat(parameter(parent, "memory")).isEqualTo("4Gi");
      argo.awaitStatus(parent.getMetadata().getName(), s -> "Running".equals(s.get("phase")));

      NodeOdmClient odm = new NodeOdmClient(server.getURI(), token); // the same host:port, as the pod reaches it
      JsonNode info = odm.get("/info");
      assertThat(info.path("version").asText()).as(info.toString()).matches("2\\.\\d+\\.\\d+"); // >= 1.4.0: chunked upload

      List<Submodel> submodels = List.of(new Submodel("submodel_0000", 3), new Submodel("submodel_0001", 45),
          new Submodel("submodel_0002", 4));
      Map<String, Object> options = new LinkedHashMap<>();
      // get_submodel_args_dict (opendm/osfm.py): the parent's set options without split,
      // split-overlap and sm-cluster, plus the four it always adds; booleans stay true.
      options.put("sm-no-align", true);
      options.put("dsm", true);
      options.put("orthophoto-cutline", true);
      options.put("dem-euclidean-map", true);
      options.put("skip-3dmodel", true);
      options.put("skip-report", true);

      // ---- reconstruction tasks; the cap is two children of this job at a time ----
      argo.hold(null, "process");
      String first = createTask(odm, submodels.get(0), options, reconstructionSeed(), RECONSTRUCTION_OUTPUTS);
      String second = createTask(odm, submodels.get(1), options, reconstructionSeed(), RECONSTRUCTION_OUTPUTS);
      assertThat(code(odm, first)).isEqualTo(20); // RUNNING as soon as the child Workflow is accepted
      assertThat(code(odm, second)).isEqualTo(20);
      String third = createTask(odm, submodels.get(2), options, reconstructionSeed(), RECONSTRUCTION_OUTPUTS);
      assertThat(code(odm, third)).isEqualTo(10); // QUEUED: above our cap, no Workflow for it
      assertThat(childWorkflows(parentJob)).hasSize(2);
      // The same manifest arriving as a bucket notification (the API's bucket is also watched)
      // meets the same cap in the pipeline: it waits, with the reason.
      assertThat(pipeline.handleFolder(world.bucket, "api-tasks/" + third + "/")).isEqualTo(org.odmwatcher.event.ObjectCreatedHandler.Outcome.WAITING);
      assertThat(childWorkflows(parentJob)).hasSize(2);
      assertThat(world.status("api-tasks/" + third + "/").orElseThrow().path("message").asText())
          .startsWith("waiting for a split-merge slot: job " + parentJob);
      // NodeTaskLimitReachedException: LRE removes the task and sends it again once one finished.
      assertThat(odm.postForm("/task/remove", Map.of("uuid", third)).path("success").asBoolean()).isTrue();
      assertThat(objects("api-tasks/" + third + "/")).isEmpty();

      argo.release(null, "process");
      Map<String, byte[]> firstZip = completeAndDownload(odm, first);
      assertExactly(firstZip, RECONSTRUCTION_OUTPUTS);
      assertThat(firstZip.keySet()).contains("opensfm/features/DJI_0001.JPG.features.npz", "opensfm/matches/DJI_0003.JPG_matches.pkl.gz");
      assertExactly(completeAndDownload(odm, second), RECONSTRUCTION_OUTPUTS);
      third = sendUntilAccepted(odm, submodels.get(2), options, reconstructionSeed(), RECONSTRUCTION_OUTPUTS);
      assertExactly(completeAndDownload(odm, third), RECONSTRUCTION_OUTPUTS);

      List<String> reconstructionTasks = List.of(first, second, third);
      for (int i = 0; i < 3; i++) {
        assertChild(argo, parentJob, reconstructionTasks.get(i), submodels.get(i));
        assertThat(workspaceFile(argo, reconstructionTasks.get(i), "opensfm/split_merge_stop_at_reconstruction.txt")).exists();
        // Task.remove after download: the task's folder is gone.
        assertThat(odm.postForm("/task/remove", Map.of("uuid", reconstructionTasks.get(i))).path("success").asBoolean()).isTrue();
        assertThat(objects("api-tasks/" + reconstructionTasks.get(i) + "/")).isEmpty();
      }

      // The parent's status.json lists its submodels, each with its state and progress.
      for (String uuid : reconstructionTasks) {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
          for (JsonNode submodel : world.status(parentFolder).orElseThrow().path("submodels")) {
            if (submodel.path("folder").asText().equals("api-tasks/" + uuid + "/")) {
              return submodel.path("state").asText().equals("succeeded") && submodel.path("progress").asInt() == 100
                  && submodel.path("jobId").asText().matches("[0-9a-f]{32}");
            }
          }
          return false;
        });
      }
      assertThat(world.status(parentFolder).orElseThrow().path("state").asText()).isEqualTo("running");

      // ---- toolchain tasks ----
      List<String> toolchainTasks = new ArrayList<>();
      for (Submodel submodel : submodels) {
        toolchainTasks.add(sendUntilAccepted(odm, submodel, options, toolchainSeed(), TOOLCHAIN_OUTPUTS));
      }
      for (int i = 0; i < 3; i++) {
        assertExactly(completeAndDownload(odm, toolchainTasks.get(i)), TOOLCHAIN_OUTPUTS);
        assertChild(argo, parentJob, toolchainTasks.get(i), submodels.get(i));
        assertThat(workspaceFile(argo, toolchainTasks.get(i), "opensfm/features/empty")).exists();
        assertThat(odm.postForm("/task/remove", Map.of("uuid", toolchainTasks.get(i))).path("success").asBoolean()).isTrue();
      }

      // ---- the job's token reaches only the job's tasks ----
      NodeOdmClient admin = new NodeOdmClient(server.getURI(), API_TOKEN);
      String stranger = admin.postMultipart("/task/new/init", Map.of(), Map.of(), List.of()).path("uuid").asText();
      assertThat(odm.get("/task/" + stranger + "/info").path("error").asText()).isEqualTo(stranger + " not found");
      assertThat(odm.postForm("/task/remove", Map.of("uuid", stranger)).path("success").asBoolean()).isFalse();
      // restart is not among a job token's calls (ODM's remote.py never restarts): refused at the door
      assertThat(odm.postForm("/task/restart", Map.of("uuid", stranger)).path("error").asText()).startsWith("Invalid authentication token");
      assertThat(odm.get("/task/list").path("error").asText()).startsWith("Invalid authentication token");
      NodeOdmClient otherJob = new NodeOdmClient(server.getURI(), new SplitMergeToken(SECRET).mint(new JobId("0".repeat(32)), java.time.Instant.now().plusSeconds(3600)));
      argo.hold(null, "process");
      String mine = sendUntilAccepted(odm, submodels.get(0), options, toolchainSeed(), TOOLCHAIN_OUTPUTS);
      assertThat(otherJob.get("/task/" + mine + "/info").path("error").asText()).isEqualTo(mine + " not found");
      NodeOdmClient forged = new NodeOdmClient(server.getURI(), token.substring(0, token.length() - 1) + (token.endsWith("0") ? "1" : "0"));
      assertThat(forged.get("/info").path("error").asText()).startsWith("Invalid authentication token");

      // ---- cancelling the parent cancels every child ----
      String running = createTask(odm, submodels.get(1), options, toolchainSeed(), TOOLCHAIN_OUTPUTS);
      assertThat(code(odm, running)).isEqualTo(20);
      world.putManifest(parentFolder,
          "{\"options\": {\"split\": 3, \"split-overlap\": 50, \"sm-no-align\": true, \"dsm\": true}, \"cancel\": true}");
      pipeline.handleFolder(world.bucket, parentFolder);
      List<GenericKubernetesResource> children = childWorkflows(parentJob);
      assertThat(children).hasSizeGreaterThanOrEqualTo(7); // 3 + 3 + the two still open
      for (GenericKubernetesResource child : children) {
        GenericKubernetesResource now = argo.workflow(child.getMetadata().getName());
        @SuppressWarnings("unchecked")
        Map<String, Object> status = (Map<String, Object>) now.getAdditionalProperties().get("status");
        // A child committed a moment ago may have no status yet (the controller has not seen it):
        // it has not succeeded, so it must be stopped too.
        if (status == null || !"Succeeded".equals(status.get("phase"))) {
          @SuppressWarnings("unchecked")
          Map<String, Object> spec = (Map<String, Object>) now.getAdditionalProperties().get("spec");
          assertThat(spec.get("shutdown")).as(child.getMetadata().getName()).isEqualTo("Stop");
        }
      }
      for (String uuid : List.of(mine, running)) {
        String workflow = childWorkflow(uuid).getMetadata().getName();
        assertThat(argo.awaitStatus(workflow, s -> s.get("finishedAt") != null).get("message"))
            .isEqualTo("Stopped with strategy 'Stop'");
      }
      assertThat(argo.awaitStatus(parent.getMetadata().getName(), s -> s.get("finishedAt") != null).get("message"))
          .isEqualTo("Stopped with strategy 'Stop'");
      // Every child Workflow ended: the parent's status.json lists each submodel in its final
      // state, also the children that finished after the parent's own final write (issue 25).
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        JsonNode parentStatus = world.status(parentFolder).orElseThrow();
        assertThat(parentStatus.path("state").asText()).isEqualTo("canceled");
        List<String> open = new ArrayList<>();
        parentStatus.path("submodels").forEach(s -> {
          if (Set.of("waiting", "submitted", "running").contains(s.path("state").asText())) {
            open.add(s.path("folder").asText() + "=" + s.path("state").asText());
          }
        });
        assertThat(open).as(parentStatus.path("submodels").toString()).isEmpty();
        assertThat(parentStatus.path("submodels")).hasSizeGreaterThanOrEqualTo(children.size());
      });
      argo.release(null, "process");
      argo.release(parentFolder, "process");
    }
  }

  @Test
  void theParentsOdmJsonUploadedAgainWhileItRunsStopsTheOldParentAndItsSubmodels() throws Exception {
    String parentFolder = "farm/again/";
    String manifest = "{\"options\": {\"split\": 3, \"split-overlap\": 50, \"sm-no-align\": true}}";
    world.uploadImages(parentFolder, 9);
    world.putManifest(parentFolder, manifest);
    try (TestArgo argo = world.startArgo()) {
      argo.hold(null, "process"); // the parent's ODM and its submodel's run on
      pipeline.handleFolder(world.bucket, parentFolder);
      String oldParentJob = world.status(parentFolder).orElseThrow().path("jobId").asText();
      String oldParent = world.workflowsFor(oldParentJob).get(0).getMetadata().getName();
      argo.awaitStatus(oldParent, s -> "Running".equals(s.get("phase")));
      NodeOdmClient odm = new NodeOdmClient(server.getURI(), tokenSecret(world.workflowsFor(oldParentJob).get(0)));
      Map<String, Object> options = new LinkedHashMap<>();
      // get_submodel_args_dict (opendm/osfm.py): the parent's options without split and
      // split-overlap, plus the four it always adds.
      for (String option : List.of("sm-no-align", "orthophoto-cutline", "dem-euclidean-map", "skip-3dmodel", "skip-report")) {
        options.put(option, true);
      }
      String child = createTask(odm, new Submodel("submodel_0000", 3), options, reconstructionSeed(), RECONSTRUCTION_OUTPUTS);
      assertThat(code(odm, child)).isEqualTo(20);
      String childName = childWorkflow(child).getMetadata().getName();

      // The same bytes uploaded again (a second later: S3's Last-Modified has whole seconds).
      Instant firstUpload = world.s3.headObject(b -> b.bucket(world.bucket).key(parentFolder + "odm.json")).lastModified();
      await().atMost(Duration.ofSeconds(3)).until(() -> Instant.now().isAfter(firstUpload.plusSeconds(1)));
      world.putManifest(parentFolder, manifest);
      pipeline.handleFolder(world.bucket, parentFolder);

      String newParentJob = world.status(parentFolder).orElseThrow().path("jobId").asText();
      assertThat(newParentJob).isNotEqualTo(oldParentJob);
      for (String stopped : List.of(oldParent, childName)) {
        assertThat(argo.awaitStatus(stopped, s -> s.get("finishedAt") != null).get("message"))
            .as(stopped).isEqualTo("Stopped with strategy 'Stop'");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> newSpec = (Map<String, Object>) world.workflowsFor(newParentJob).get(0).getAdditionalProperties().get("spec");
      assertThat(newSpec.get("shutdown")).isNull();
      argo.release(null, "process");
    }
  }

  /**
   * Issue 25 item 6. The parent fails in its split stage after submodel_0000 finished and
   * submodel_0001's toolchain task failed (remote.py handle_result: a TaskFailedError is not
   * retried, so ODM stops). Its workspace is kept; the odm.json that status.json gives resumes it
   * there, and ODM's own rules (replayed below from the files in the kept workspace and the
   * arguments the watcher gives the resumed ODM) send only submodel_0001's toolchain again: one new
   * child Workflow. status.json lists the three finished tasks as reused from the failed run.
   */
  @Test
  void aResumedParentKeepsItsFinishedSubmodelsAndSendsOnlyTheUnfinishedOneAgain() throws Exception {
    String parentFolder = "farm/resumed/";
    String manifest = "{\"options\": {\"split\": 3, \"split-overlap\": 50, \"sm-no-align\": true}}";
    world.uploadImages(parentFolder, 6);
    world.putManifest(parentFolder, manifest);
    List<Submodel> submodels = List.of(new Submodel("submodel_0000", 3), new Submodel("submodel_0001", 3));
    Map<String, Object> options = new LinkedHashMap<>();
    for (String option : List.of("sm-no-align", "orthophoto-cutline", "dem-euclidean-map", "skip-3dmodel", "skip-report")) {
      options.put(option, true);
    }
    try (TestArgo argo = world.startArgo()) {
      argo.service("odm-watcher.sm.svc:8080", server.getURI()); // the parent's ODM checks the node at start (config.py)
      // ---- the first run: submodel_0000 finishes, submodel_0001's toolchain fails, so does ODM ----
      argo.hold(parentFolder, "process");
      argo.failOdmNext(parentFolder, 1, "split"); // the parent's ODM, once released, fails in its split stage
      pipeline.handleFolder(world.bucket, parentFolder);
      String failedJob = world.status(parentFolder).orElseThrow().path("jobId").asText();
      GenericKubernetesResource failedParent = world.workflowsFor(failedJob).get(0);
      argo.awaitStatus(failedParent.getMetadata().getName(), s -> "Running".equals(s.get("phase")));
      NodeOdmClient odm = new NodeOdmClient(server.getURI(), tokenSecret(failedParent));
      Path project = argo.workspace(failedParent.getMetadata().getName()).resolve(parameter(failedParent, "project"));
      List<String> firstRun = runSplitStage(argo, odm, project, odmArgs(failedParent), submodels, options, "submodel_0001");
      assertThat(firstRun).containsExactly("reconstruction submodel_0000", "reconstruction submodel_0001",
          "toolchain submodel_0000", "toolchain submodel_0001");
      argo.release(parentFolder, "process");
      JsonNode failed = world.awaitState(parentFolder, "failed");
      assertThat(failed.path("jobId").asText()).isEqualTo(failedJob);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(world.status(parentFolder).orElseThrow()
          .path("workspace").path("keptUntil").isTextual()).as(() -> world.status(parentFolder).orElseThrow() + " "
          + world.kubernetes.persistentVolumeClaims().inNamespace(world.namespace).list().getItems().stream()
              .map(c -> c.getMetadata().getName() + c.getMetadata().getLabels()).toList()).isTrue());
      JsonNode kept = world.status(parentFolder).orElseThrow().path("workspace");
      assertThat(kept.path("failedStage").asText()).isEqualTo("split");
      // ODM resumes a split stage by itself, keeping what is done; "rerun-from": "split" would
      // remove every submodel (stages/splitmerge.py lines 48 and 76-79).
      List<String> failedChildren = childWorkflows(failedJob).stream().map(w -> w.getMetadata().getName()).toList();
      assertThat(failedChildren).hasSize(4);

      // ---- resumed with the odm.json status.json gave ----
      argo.hold(parentFolder, "process");
      world.putManifest(parentFolder, kept.path("resumeWith").asText());
      pipeline.handleFolder(world.bucket, parentFolder);
      String resumedJob = world.status(parentFolder).orElseThrow().path("jobId").asText();
      assertThat(resumedJob).isNotEqualTo(failedJob);
      GenericKubernetesResource resumedParent = world.workflowsFor(resumedJob).get(0);
      assertThat(parameter(resumedParent, "workspace")).isEqualTo(parameter(failedParent, "workspace"));
      assertThat(parameter(resumedParent, "project")).isEqualTo(failedJob);
      argo.awaitStatus(resumedParent.getMetadata().getName(), s -> "Running".equals(s.get("phase")));
      NodeOdmClient resumedOdm = new NodeOdmClient(server.getURI(), tokenSecret(resumedParent));
      Path keptProject = argo.workspace(resumedParent.getMetadata().getName()).resolve(failedJob);
      assertThat(keptProject).isEqualTo(project);
      List<String> secondRun = runSplitStage(argo, resumedOdm, keptProject, odmArgs(resumedParent), submodels, options, null);
      assertThat(secondRun).as(odmArgs(resumedParent).toString()).containsExactly("toolchain submodel_0001");
      JsonNode resumeWith = json.readTree(kept.path("resumeWith").asText());
      assertThat(resumeWith.path("resume").asBoolean()).isTrue();
      assertThat(resumeWith.has("rerun-from")).as(resumeWith.toString()).isFalse();
      List<GenericKubernetesResource> newChildren = childWorkflows(resumedJob);
      assertThat(newChildren).hasSize(1);
      assertThat(childWorkflows(failedJob)).extracting(w -> w.getMetadata().getName()).containsExactlyElementsOf(failedChildren);
      argo.release(parentFolder, "process");

      JsonNode done = world.awaitState(parentFolder, "succeeded");
      assertThat(done.path("jobId").asText()).isEqualTo(resumedJob);
      assertThat(done.path("workspace").path("resumedFrom").asText()).isEqualTo(failedJob);
      // status.json: the three tasks of the failed run ODM did not send again, reused; the new one
      // in its own final state; the failed run's failed task is not listed (it was sent again).
      String newChildJob = newChildren.get(0).getMetadata().getLabels().get(WorkflowLabels.JOB_ID);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        JsonNode listed = world.status(parentFolder).orElseThrow().path("submodels");
        List<String> entries = new ArrayList<>();
        listed.forEach(s -> entries.add(s.path("jobId").asText() + " " + s.path("state").asText()
            + (s.has("reusedFrom") ? " reused from " + s.path("reusedFrom").asText() : "")));
        List<String> expected = new ArrayList<>();
        for (GenericKubernetesResource child : childWorkflows(failedJob)) {
          if ("Succeeded".equals(argo.workflow(child.getMetadata().getName()).getAdditionalProperties().get("status") instanceof Map<?, ?> st ? st.get("phase") : null)) {
            expected.add(child.getMetadata().getLabels().get(WorkflowLabels.JOB_ID) + " succeeded reused from " + failedJob);
          }
        }
        expected.add(newChildJob + " succeeded");
        assertThat(entries).as(listed.toString()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(expected).hasSize(4);
      });
    }
  }

  /** ODM_Stage.rerun of the split stage (opendm/types.py) with config.py's RerunFrom (stages from the named one on). */
  private static boolean splitReruns(List<String> odmArgs) {
    int from = odmArgs.indexOf("--rerun-from");
    int one = odmArgs.indexOf("--rerun");
    return odmArgs.contains("--rerun-all")
        || from >= 0 && List.of("dataset", "split").contains(odmArgs.get(from + 1))
        || one >= 0 && "split".equals(odmArgs.get(one + 1));
  }

  /**
   * The split stage of the parent's ODM with {@code --sm-cluster} (stages/splitmerge.py
   * ODMSplitStage.process, ODM 3.6.0), as it treats the project it finds: the submodels folder is
   * made again only when absent or when the stage reruns (lines 76-81, removing the old one);
   * LocalRemoteExecutor gets {@code rerun} = the stage's rerun (line 134) and sends a submodel's
   * reconstruction unless its features and matches folders, tracks.csv and reconstruction.json
   * are there (remote.py line 453; opendm/osfm.py is_feature_matching_done,
   * is_reconstruction_done), its toolchain unless toolchain_completed.txt is there (remote.py
   * lines 471 and 500), which it writes once the task's assets are downloaded (lines 494-498). A
   * task is extracted into the submodel's folder (pyodm Task.download_assets) and removed
   * (handle_result's cleanup_remote). {@code failing}: the submodel whose toolchain task fails (its
   * child's ODM exits 1), which ends the stage (a TaskFailedError is not retried, line 130).
   *
   * @return the tasks sent, "<kind> <submodel>"
   */
  private List<String> runSplitStage(TestArgo argo, NodeOdmClient odm, Path project, List<String> odmArgs,
      List<Submodel> submodels, Map<String, Object> options, String failing) throws Exception {
    boolean rerun = splitReruns(odmArgs);
    Path all = project.resolve("submodels");
    if (!java.nio.file.Files.isDirectory(all) || rerun) {
      if (java.nio.file.Files.isDirectory(all)) {
        try (var tree = java.nio.file.Files.walk(all)) { // shutil.rmtree
          for (Path p : tree.sorted(java.util.Comparator.reverseOrder()).toList()) {
            java.nio.file.Files.delete(p);
          }
        }
      }
      for (Submodel submodel : submodels) {
        java.nio.file.Files.createDirectories(all.resolve(submodel.name()).resolve("opensfm"));
        java.nio.file.Files.createDirectories(all.resolve(submodel.name()).resolve("images"));
      }
    }
    List<String> sent = new ArrayList<>();
    for (Submodel submodel : submodels) {
      Path opensfm = all.resolve(submodel.name()).resolve("opensfm");
      boolean done = java.nio.file.Files.isDirectory(opensfm.resolve("features")) && java.nio.file.Files.isDirectory(opensfm.resolve("matches"))
          && java.nio.file.Files.isRegularFile(opensfm.resolve("tracks.csv")) && java.nio.file.Files.isRegularFile(opensfm.resolve("reconstruction.json"));
      if (!done || rerun) {
        sent.add("reconstruction " + submodel.name());
        String uuid = createTask(odm, submodel, options, reconstructionSeed(), RECONSTRUCTION_OUTPUTS, u -> {});
        extract(completeAndDownload(odm, uuid), all.resolve(submodel.name()));
        assertThat(odm.postForm("/task/remove", Map.of("uuid", uuid)).path("success").asBoolean()).isTrue();
      }
    }
    for (Submodel submodel : submodels) {
      Path completed = all.resolve(submodel.name()).resolve("toolchain_completed.txt");
      if (!java.nio.file.Files.exists(completed) || rerun) {
        sent.add("toolchain " + submodel.name());
        boolean fails = submodel.name().equals(failing);
        String uuid = createTask(odm, submodel, options, toolchainSeed(), TOOLCHAIN_OUTPUTS,
            u -> { if (fails) argo.failOdmNext("api-tasks/" + u + "/", 1, "odm_orthophoto"); });
        if (fails) {
          await().atMost(Duration.ofSeconds(60)).until(() -> code(odm, uuid) == 30); // FAILED
          assertThat(odm.postForm("/task/remove", Map.of("uuid", uuid)).path("success").asBoolean()).isTrue();
          return sent; // remote.py: nonloc.error ends the run; ODM raises it
        }
        extract(completeAndDownload(odm, uuid), all.resolve(submodel.name()));
        java.nio.file.Files.writeString(completed, "Done!\n");
        assertThat(odm.postForm("/task/remove", Map.of("uuid", uuid)).path("success").asBoolean()).isTrue();
      }
    }
    return sent;
  }

  private static void extract(Map<String, byte[]> entries, Path into) throws IOException {
    for (Map.Entry<String, byte[]> e : entries.entrySet()) {
      Path file = into.resolve(e.getKey()).normalize();
      assertThat(file.startsWith(into)).as(e.getKey()).isTrue();
      if (e.getKey().endsWith("/")) {
        java.nio.file.Files.createDirectories(file);
      } else {
        java.nio.file.Files.createDirectories(file.getParent());
        java.nio.file.Files.write(file, e.getValue());
      }
    }
  }

  @Test
  void aManifestThatSetsSmClusterItselfIsInvalidWithTheReason() throws Exception {
    String folder = "farm/own-cluster/";
    world.uploadImages(folder, 2);
    world.putManifest(folder, "{\"options\": {\"split\": 1, \"sm-cluster\": \"http://elsewhere:3000\"}}");
    pipeline.handleFolder(world.bucket, folder);
    JsonNode status = world.awaitState(folder, "invalid");
    assertThat(status.path("errors").toString()).contains("option 'sm-cluster' cannot be set by a job");
  }

  // ---- what ODM sends ------------------------------------------------------------------------

  /**
   * pyODM Node.create_task (pyodm/api.py): init with the fields, each file in its own upload
   * request, then commit; returns the uuid.
   */
  private String createTask(NodeOdmClient odm, Submodel submodel, Map<String, Object> options, byte[] seed,
      List<String> outputs) throws IOException, InterruptedException {
    return createTask(odm, submodel, options, seed, outputs, uuid -> {});
  }

  /** As above; {@code afterInit} is told the uuid before the commit submits the task's Workflow. */
  private String createTask(NodeOdmClient odm, Submodel submodel, Map<String, Object> options, byte[] seed,
      List<String> outputs, java.util.function.Consumer<String> afterInit) throws IOException, InterruptedException {
    List<Map<String, Object>> list = new ArrayList<>();
    options.forEach((name, value) -> list.add(Map.of("name", name, "value", value)));
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("options", json.writeValueAsString(list));
    fields.put("skipPostProcessing", "true");
    fields.put("outputs", json.writeValueAsString(outputs));
    JsonNode init = odm.postMultipart("/task/new/init", Map.of(), fields, List.of());
    String uuid = init.path("uuid").asText();
    assertThat(uuid).as(init.toString()).isNotEmpty();
    afterInit.accept(uuid);
    for (int i = 1; i <= submodel.images(); i++) {
      upload(odm, uuid, String.format("DJI_%04d.JPG", i), jpeg(64 + i));
    }
    upload(odm, uuid, "geo.txt", "EPSG:4326\nDJI_0001.JPG 10.0 45.0 100\n".getBytes(StandardCharsets.UTF_8));
    upload(odm, uuid, "seed.zip", seed);
    JsonNode commit = odm.postMultipart("/task/new/commit/" + uuid, Map.of(), Map.of(), List.of());
    assertThat(commit.path("uuid").asText()).as(commit.toString()).isEqualTo(uuid);
    return uuid;
  }

  /**
   * LRE's answer to QUEUED (remote.py handle_result): NodeTaskLimitReachedException, so the task is
   * removed (cleanup_remote) and sent again later, without counting a retry; here until accepted.
   */
  private String sendUntilAccepted(NodeOdmClient odm, Submodel submodel, Map<String, Object> options, byte[] seed,
      List<String> outputs) {
    java.util.concurrent.atomic.AtomicReference<String> accepted = new java.util.concurrent.atomic.AtomicReference<>();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(() -> {
      String uuid = createTask(odm, submodel, options, seed, outputs);
      if (code(odm, uuid) == 10) {
        assertThat(odm.postForm("/task/remove", Map.of("uuid", uuid)).path("success").asBoolean()).isTrue();
        return false;
      }
      accepted.set(uuid);
      return true;
    });
    return accepted.get();
  }

  private static void upload(NodeOdmClient odm, String uuid, String name, byte[] bytes) throws IOException, InterruptedException {
    JsonNode answer = odm.postMultipart("/task/new/upload/" + uuid, Map.of(), Map.of(),
        List.of(new NodeOdmClient.Part("images", name, bytes)));
    assertThat(answer.path("success").asBoolean()).as(answer.toString()).isTrue();
  }

  /** ReconstructionTask.process_remote's seed (remote.py lines 454-457). */
  private static byte[] reconstructionSeed() throws IOException {
    Map<String, String> files = new LinkedHashMap<>();
    files.put("opensfm/exif/DJI_0001.JPG.exif", "{}");
    files.put("opensfm/camera_models.json", "{\"camera\": {}}");
    files.put("opensfm/reference_lla.json", "{\"latitude\": 45.0, \"longitude\": 10.0, \"altitude\": 0}");
    files.put("opensfm/split_merge_stop_at_reconstruction.txt", "");
    return zip(files);
  }

  /** ToolchainTask.process_remote's seed (remote.py lines 501-507). */
  private static byte[] toolchainSeed() throws IOException {
    Map<String, String> files = new LinkedHashMap<>();
    files.put("opensfm/camera_models.json", "{\"camera\": {}}");
    files.put("opensfm/reference_lla.json", "{\"latitude\": 45.0, \"longitude\": 10.0, \"altitude\": 0}");
    files.put("opensfm/reconstruction.json", "[]");
    files.put("opensfm/tracks.csv", "OPENSFM_TRACKS_VERSION_v2\n");
    files.put("opensfm/features/empty", "");
    files.put("opensfm/matches/empty", "");
    files.put("opensfm/exif/empty", "");
    return zip(files);
  }

  /** As Task.create_seed_payload writes it: entries relative to the project, deflated. */
  static byte[] zip(Map<String, String> files) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      for (Map.Entry<String, String> file : files.entrySet()) {
        zip.putNextEntry(new ZipEntry(file.getKey()));
        zip.write(file.getValue().getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
      }
    }
    return bytes.toByteArray();
  }

  // ---- what ODM reads back -------------------------------------------------------------------

  private int code(NodeOdmClient odm, String uuid) throws IOException, InterruptedException {
    JsonNode info = odm.get("/task/" + uuid + "/info");
    assertThat(info.has("error")).as(info.toString()).isFalse();
    return info.path("status").path("code").asInt();
  }

  /** Task.wait_for_completion (polls info until COMPLETED), then Task.download_assets' all.zip. */
  private Map<String, byte[]> completeAndDownload(NodeOdmClient odm, String uuid) throws Exception {
    await().atMost(Duration.ofSeconds(60)).until(() -> code(odm, uuid) == 40);
    var response = odm.download("/task/" + uuid + "/download/all.zip", null);
    assertThat(response.statusCode()).isEqualTo(200);
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(response.body()))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        entries.put(e.getName(), in.readAllBytes());
      }
    }
    return entries;
  }

  /** Every entry is one of the requested paths or inside one, and every requested path is there. */
  private static void assertExactly(Map<String, byte[]> entries, List<String> outputs) {
    assertThat(entries).isNotEmpty();
    for (String entry : entries.keySet()) {
      assertThat(outputs).as(entry + " was not asked for").anyMatch(o -> entry.equals(o) || entry.startsWith(o + "/"));
    }
    for (String output : outputs) {
      if (output.equals("odm_report")) {
        continue; // the stand-in ODM writes its report only in odm_report/, checked below when present
      }
      assertThat(entries.keySet()).as(output + " missing from all.zip").anyMatch(e -> e.equals(output) || e.startsWith(output + "/"));
    }
  }

  /** The child Workflow: the job's label, sized from its own images, the seed step before ODM. */
  @SuppressWarnings("unchecked")
  private void assertChild(TestArgo argo, String parentJob, String uuid, Submodel submodel) throws IOException {
    GenericKubernetesResource child = childWorkflow(uuid);
    assertThat(child.getMetadata().getLabels()).containsEntry(WorkflowLabels.PARENT_JOB, parentJob)
        .doesNotContainKey(WorkflowLabels.SPLIT_MERGE);
    assertThat(parameter(child, "image-count")).isEqualTo(Integer.toString(submodel.images()));
    // sized from its own images (ODM's table, interpolated: WorkflowRendererTest checks the figures)
    org.odmwatcher.workflow.ResourceSizing own = org.odmwatcher.workflow.ResourceSizing.forImages(submodel.images());
    assertThat(parameter(child, "memory")).isEqualTo(own.memory());
    assertThat(parameter(child, "cpu")).isEqualTo(own.cpu());
    assertThat(odmArgs(child)).contains("--orthophoto-cutline", "--skip-3dmodel").doesNotContain("--sm-cluster", "--split");
    Map<String, Object> status = argo.awaitPhase(child.getMetadata().getName(), "Succeeded");
    Map<String, Map<String, Object>> nodes = (Map<String, Map<String, Object>>) status.get("nodes");
    Map<String, Object> seed = node(nodes, "seed(0)");
    Map<String, Object> process = node(nodes, "process(0)");
    assertThat(seed.get("phase")).isEqualTo("Succeeded");
    assertThat(String.valueOf(seed.get("finishedAt"))).isLessThanOrEqualTo(String.valueOf(process.get("startedAt")));
    // seed.zip was unpacked into the project (and is gone from it) before ODM ran.
    assertThat(workspaceFile(argo, uuid, "opensfm/camera_models.json")).exists();
    assertThat(workspaceFile(argo, uuid, "seed.zip")).doesNotExist();
  }

  private static Map<String, Object> node(Map<String, Map<String, Object>> nodes, String displayName) {
    return nodes.values().stream().filter(n -> displayName.equals(n.get("displayName"))).findFirst()
        .orElseThrow(() -> new AssertionError("no node " + displayName + " in " + nodes.keySet()));
  }

  private Path workspaceFile(TestArgo argo, String uuid, String relative) {
    GenericKubernetesResource child = childWorkflow(uuid);
    return argo.workspace(child.getMetadata().getName()).resolve(parameter(child, "job-id")).resolve(relative);
  }

  private GenericKubernetesResource childWorkflow(String uuid) {
    String jobId = world.status("api-tasks/" + uuid + "/").orElseThrow().path("jobId").asText();
    return world.workflowsFor(jobId).get(0);
  }

  private List<GenericKubernetesResource> childWorkflows(String parentJob) {
    return world.kubernetes.genericKubernetesResources(org.odmwatcher.workflow.ArgoWorkflowSubmitter.WORKFLOWS)
        .inNamespace(world.namespace).withLabel(WorkflowLabels.PARENT_JOB, parentJob).list().getItems();
  }

  /** The token in the Workflow's Secret, owned by the Workflow (so deleted with it). */
  private String tokenSecret(GenericKubernetesResource workflow) {
    io.fabric8.kubernetes.api.model.Secret secret = world.kubernetes.secrets().inNamespace(world.namespace)
        .withName(SplitMergeToken.secretName(workflow.getMetadata().getName())).get();
    assertThat(secret).as("the split-merge Secret").isNotNull();
    assertThat(secret.getMetadata().getOwnerReferences()).singleElement().satisfies(owner -> {
      assertThat(owner.getKind()).isEqualTo("Workflow");
      assertThat(owner.getName()).isEqualTo(workflow.getMetadata().getName());
      assertThat(owner.getUid()).isNotBlank().isEqualTo(workflow.getMetadata().getUid());
    });
    return secret.getData() != null && secret.getData().containsKey(SplitMergeToken.SECRET_KEY)
        ? new String(java.util.Base64.getDecoder().decode(secret.getData().get(SplitMergeToken.SECRET_KEY)), StandardCharsets.UTF_8)
        : secret.getStringData().get(SplitMergeToken.SECRET_KEY);
  }

  @SuppressWarnings("unchecked")
  private static String parameter(GenericKubernetesResource wf, String name) {
    Map<String, Object> spec = (Map<String, Object>) wf.getAdditionalProperties().get("spec");
    List<Map<String, Object>> parameters = (List<Map<String, Object>>) ((Map<String, Object>) spec.get("arguments")).get("parameters");
    return parameters.stream().filter(p -> name.equals(p.get("name"))).map(p -> String.valueOf(p.get("value"))).findFirst().orElseThrow();
  }

  private List<String> odmArgs(GenericKubernetesResource wf) throws IOException {
    return List.of(json.readValue(parameter(wf, "odm-args"), String[].class));
  }

  private Set<String> objects(String prefix) {
    Set<String> keys = new TreeSet<>();
    world.s3.listObjectsV2Paginator(b -> b.bucket(world.bucket).prefix(prefix)).contents().forEach(o -> keys.add(o.key()));
    return keys;
  }

  private static byte[] jpeg(int size) {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    bytes[0] = (byte) 0xFF;
    bytes[1] = (byte) 0xD8;
    return bytes;
  }
}
