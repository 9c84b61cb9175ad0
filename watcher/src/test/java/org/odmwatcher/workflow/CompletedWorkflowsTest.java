package org.odmwatcher.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.odmwatcher.status.JobState;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.StatusCodec;
import org.odmwatcher.testing.PipelineFixture;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The informer holds only unfinished Workflows (Argo's {@code workflows.argoproj.io/completed}
 * label), yet no final state is lost: a Workflow that completes while the watcher runs leaves the
 * informer's selector (a DELETED event, as kube-apiserver sends it) and its final state is read
 * and written; one that completed while no watcher ran is written by the reconcile at start.
 */
class CompletedWorkflowsTest {
  private static final String DOWN = "d0000000000000000000000000000001";
  private static final String LIVE = "a0000000000000000000000000000002";
  private static final String DONE = "c0000000000000000000000000000003";
  private final PipelineFixture world = new PipelineFixture("completed-wf", "completed-wf");

  @AfterEach
  void close() {
    world.close();
  }

  @Test
  void aWorkflowThatCompletedWhileNoWatcherRanGetsItsFinalStatusAtStart() throws Exception {
    String folder = "down/flight-1/";
    running(folder, DOWN);
    world.kubernetes.genericKubernetesResources(ArgoWorkflowSubmitter.WORKFLOWS).inNamespace(world.namespace)
        .resource(workflow("odm-down", DOWN, folder, "Succeeded")).create();
    try (ApplicationContext app = ApplicationContext.run(properties())) {
      await().atMost(Duration.ofSeconds(30)).until(() -> "succeeded".equals(state(folder)));
    }
  }

  @Test
  void aWorkflowThatCompletesWhileWatchedLeavesTheInformerAndGetsItsFinalStatus() throws Exception {
    String folder = "live/flight-1/";
    running(folder, LIVE);
    var workflows = world.kubernetes.genericKubernetesResources(ArgoWorkflowSubmitter.WORKFLOWS).inNamespace(world.namespace);
    workflows.resource(workflow("odm-live", LIVE, folder, "Running")).create();
    workflows.resource(workflow("odm-done", DONE, "done/flight-1/", "Succeeded")).create();
    try (ApplicationContext app = ApplicationContext.run(properties())) {
      WorkflowWatcher watcher = app.getBean(WorkflowWatcher.class);
      await().atMost(Duration.ofSeconds(30)).until(watcher::isWatching);
      // memory: a finished Workflow (thousands within Argo's TTL, ~26 KB each) is not held
      assertThat(watcher.held()).containsExactly(world.namespace + "/odm-live");
      GenericKubernetesResource done = workflow("odm-live", LIVE, folder, "Failed");
      done.getMetadata().setResourceVersion(workflows.withName("odm-live").get().getMetadata().getResourceVersion());
      workflows.resource(done).update();
      await().atMost(Duration.ofSeconds(30)).until(() -> "failed".equals(state(folder)));
      assertThat(watcher.held()).isEmpty();
    }
  }

  private Map<String, Object> properties() {
    Map<String, Object> props = new HashMap<>(world.properties());
    props.put("watcher.sqs.enabled", "false");
    return props;
  }

  private void running(String folder, String jobId) {
    JobStatus status = JobStatus.of(jobId, "etag", "flight", JobState.RUNNING, "running: process", Instant.now().minusSeconds(60))
        .withWorkflow(new JobStatus.WorkflowRef(world.namespace, DOWN.equals(jobId) ? "odm-down" : "odm-live"), "argo");
    world.s3.putObject(b -> b.bucket(world.bucket).key(folder + "status.json").contentType("application/json"),
        RequestBody.fromBytes(new StatusCodec().encode(status)));
  }

  private String state(String folder) {
    JsonNode status = world.status(folder).orElse(null);
    return status == null ? null : status.path("state").asText();
  }

  /** A Workflow as the watcher submits it and Argo completes it (labelled completed when done). */
  private GenericKubernetesResource workflow(String name, String jobId, String folder, String phase) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(WorkflowLabels.MANAGED_BY, WorkflowLabels.MANAGED_BY_VALUE);
    labels.put(WorkflowLabels.JOB_ID, jobId);
    // operator.go markWorkflowPhase: completed=false from the first phase, true with the final one
    labels.put("workflows.argoproj.io/completed", String.valueOf(!"Running".equals(phase)));
    GenericKubernetesResource wf = new GenericKubernetesResource();
    wf.setApiVersion("argoproj.io/v1alpha1");
    wf.setKind("Workflow");
    wf.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(world.namespace).withLabels(labels)
        .withAnnotations(Map.of(WorkflowLabels.BUCKET, world.bucket, WorkflowLabels.PREFIX, folder)).build());
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("phase", phase);
    status.put("startedAt", "2026-12-01T10:00:00Z");
    if (!"Running".equals(phase)) {
      status.put("finishedAt", "2026-12-01T11:00:00Z");
    }
    wf.getAdditionalProperties().put("status", status);
    return wf;
  }
}
