package org.odmwatcher.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.odmwatcher.config.ArgoConfig;
import org.odmwatcher.config.SplitMergeConfig;
import org.odmwatcher.testing.Clients;
import org.odmwatcher.testing.Principal;
import org.odmwatcher.testing.RealServers;

/**
 * The cap on split-merge children against the Kubernetes mock, whose list now applies set-based
 * label selectors as kube-apiserver does (testing/SetBasedSelector): a child Argo has labelled
 * {@code workflows.argoproj.io/completed=true} is left out by the server, before any phase is read.
 */
class ChildWorkflowsTest {
  private final RealServers servers = RealServers.get();
  private final KubernetesClient kubernetes = Clients.kubernetes(servers, Principal.WATCHER);
  private final String namespace = "cap-" + UUID.randomUUID().toString().substring(0, 8);
  private final ChildWorkflows children = new ChildWorkflows(kubernetes,
      new ArgoConfig(namespace, "odm-process", null, true, Duration.ofMinutes(5)),
      new SplitMergeConfig(null, null, 2, 3, java.time.Duration.ofHours(48), 200));

  private void child(String parent, String completed, String phase) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(WorkflowLabels.PARENT_JOB, parent);
    if (completed != null) {
      labels.put("workflows.argoproj.io/completed", completed);
    }
    GenericKubernetesResource wf = new GenericKubernetesResource();
    wf.setApiVersion("argoproj.io/v1alpha1");
    wf.setKind("Workflow");
    wf.setMetadata(new ObjectMetaBuilder().withName("odm-" + UUID.randomUUID().toString().substring(0, 8))
        .withNamespace(namespace).withLabels(labels).build());
    if (phase != null) {
      wf.setAdditionalProperty("status", Map.of("phase", phase));
    }
    Clients.kubernetes(servers, Principal.CONTROLLER).genericKubernetesResources(ArgoWorkflowSubmitter.WORKFLOWS)
        .inNamespace(namespace).resource(wf).create();
  }

  @Test
  void aChildArgoLabelledCompletedTakesNoSlotEvenBeforeItsPhaseIsRead() throws Exception {
    String parent = "a".repeat(32);
    child(parent, "false", "Running");
    // labelled completed by the controller; its status as this list sees it has no phase yet
    child(parent, "true", null);
    child(parent, "true", null);
    assertThat(children.hasRoom(parent)).as("one running child of two allowed").isTrue();
    child(parent, null, "Pending");
    assertThat(children.hasRoom(parent)).as("two unfinished children of two allowed").isFalse();
    String other = "b".repeat(32);
    assertThat(children.hasRoom(other)).as("another job, two of three in the namespace").isTrue();
    child(other, null, "Running");
    assertThat(children.hasRoom(other)).as("another job, three of three in the namespace").isFalse();
  }

  @Test
  void theMockAppliesInAndNotInToListsAndRefusesThemOnWatches() {
    String parent = "c".repeat(32);
    child(parent, "true", "Succeeded");
    child(parent, "false", "Running");
    child(parent, null, null);
    var workflows = kubernetes.genericKubernetesResources(ArgoWorkflowSubmitter.WORKFLOWS).inNamespace(namespace);
    assertThat(workflows.withLabelNotIn("workflows.argoproj.io/completed", "true").list().getItems()).hasSize(2);
    assertThat(workflows.withLabelIn("workflows.argoproj.io/completed", "true", "x").list().getItems()).hasSize(1);
    assertThat(workflows.withLabel(WorkflowLabels.PARENT_JOB, parent).withLabelNotIn("workflows.argoproj.io/completed", "false", "true")
        .list().getItems()).hasSize(1);
    assertThatThrownBy(() -> workflows.withLabelNotIn("workflows.argoproj.io/completed", "true")
        .watch(new io.fabric8.kubernetes.client.Watcher<>() {
          @Override
          public void eventReceived(Action action, GenericKubernetesResource resource) {}

          @Override
          public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {}
        }))
        .isInstanceOf(KubernetesClientException.class);
  }
}
