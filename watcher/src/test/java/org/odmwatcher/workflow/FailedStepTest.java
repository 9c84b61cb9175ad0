package org.odmwatcher.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.odmwatcher.status.JobState;

/** Which failed node explains a failed Workflow, as both the informer and job-finished read it. */
class FailedStepTest {
  private static Map<String, Object> node(String displayName, String type, String phase, String message) {
    Map<String, Object> n = new LinkedHashMap<>();
    n.put("displayName", displayName);
    n.put("type", type);
    n.put("phase", phase);
    if (message != null) {
      n.put("message", message);
    }
    return n;
  }

  @Test
  void theLastAttemptOfTheFurthestFailedTaskExplainsTheFailure() {
    List<Map<String, Object>> nodes = List.of(
        node("odm-abc", "DAG", "Failed", null),                                   // Argo leaves the DAG without a message
        node("download(0)", "Pod", "Failed", "main: Error (exit code 1)"),        // retried, then succeeded
        node("download(1)", "Pod", "Succeeded", null),
        node("process", "Retry", "Failed", "No more retries left"),
        node("process(0)", "Pod", "Error", "pod deleted"),
        node("process(1)", "Pod", "Failed", "main: OOMKilled (exit code 137)"),
        node("record-status(0)", "Pod", "Failed", "main: Error (exit code 1)"));  // the exit handler's, not the job's

    assertThat(FailedStep.among(nodes)).hasValueSatisfying(f -> {
      assertThat(f.step()).isEqualTo("process");
      assertThat(f.message()).isEqualTo("process failed: main: OOMKilled (exit code 137)");
    });
  }

  @Test
  void nodesWithoutAMessageOrOutsideTheDagExplainNothing() {
    assertThat(FailedStep.among(List.of(node("odm-abc", "DAG", "Failed", null), node("upload(0)", "Pod", "Failed", " "),
        node("release-workspace(0)", "Pod", "Failed", "forbidden"), "not a node"))).isEmpty();
  }

  private static GenericKubernetesResource workflow(String phase, String message, List<Map<String, Object>> nodes) {
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("phase", phase);
    status.put("progress", "3/4");
    if (message != null) {
      status.put("message", message);
    }
    Map<String, Object> byId = new LinkedHashMap<>();
    nodes.forEach(n -> byId.put("id-" + n.get("displayName"), n));
    status.put("nodes", byId);
    GenericKubernetesResource wf = new GenericKubernetesResource();
    wf.setAdditionalProperty("status", status);
    return wf;
  }

  @Test
  void theInformerNamesTheFailedStepElseKeepsArgosMessage() {
    var failedPod = List.of(node("process(0)", "Pod", "Failed", "main: Error (exit code 137)"));

    assertThat(WorkflowPhase.of(workflow("Failed", null, failedPod)).orElseThrow())
        .returns(JobState.FAILED, WorkflowPhase::state)
        .returns("process failed: main: Error (exit code 137)", WorkflowPhase::message);
    assertThat(WorkflowPhase.of(workflow("Error", "error in entry template execution: x", List.of())).orElseThrow().message())
        .isEqualTo("error in entry template execution: x");
    assertThat(WorkflowPhase.of(workflow("Failed", null, List.of())).orElseThrow().message()).isEqualTo("workflow failed");
    // a stopped Workflow stays a cancel, whatever its pods say
    assertThat(WorkflowPhase.of(workflow("Failed", "Stopped with strategy 'Stop'",
        List.of(node("process(0)", "Pod", "Failed", "workflow shutdown with strategy:  Stop")))).orElseThrow())
        .returns(JobState.CANCELED, WorkflowPhase::state)
        .returns("Stopped with strategy 'Stop'", WorkflowPhase::message);
  }
}
