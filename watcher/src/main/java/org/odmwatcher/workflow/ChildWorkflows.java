package org.odmwatcher.workflow;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.odmwatcher.config.ArgoConfig;
import org.odmwatcher.config.SplitMergeConfig;
import org.odmwatcher.retry.TransientFailureException;

/**
 * The submodel Workflows of split-merge jobs (label {@link WorkflowLabels#PARENT_JOB}): whether one
 * more may start under the caps of {@link SplitMergeConfig}. A Workflow counts while it has not
 * finished (no phase yet, Pending or Running): Argo's own parallelism may hold it Pending, and it
 * still takes a slot, so a task is QUEUED only above our cap.
 */
public final class ChildWorkflows {
  private static final Set<String> DONE = Set.of("Succeeded", "Failed", "Error");
  private final KubernetesClient kubernetes;
  private final ArgoConfig argo;
  private final SplitMergeConfig config;

  private static final String COMPLETED = "workflows.argoproj.io/completed";

  public ChildWorkflows(KubernetesClient kubernetes, ArgoConfig argo, SplitMergeConfig config) {
    this.kubernetes = kubernetes;
    this.argo = argo;
    this.config = config;
  }

  /** Whether a new child of {@code parentJob} may be submitted now. */
  public boolean hasRoom(String parentJob) throws TransientFailureException {
    List<GenericKubernetesResource> active = active();
    long ofJob = active.stream().filter(w -> parentJob.equals(labels(w).get(WorkflowLabels.PARENT_JOB))).count();
    return ofJob < config.maxChildrenPerJob() && active.size() < config.maxChildren();
  }

  /**
   * Whether the job runs: its Workflow exists, has not finished and is not being stopped. A
   * split-merge job's token is good for new tasks only then (one list call, by label).
   */
  public boolean isRunning(String jobId) throws TransientFailureException {
    try {
      return kubernetes.genericKubernetesResources(ArgoWorkflowSubmitter.WORKFLOWS).inNamespace(argo.namespace())
          .withLabel(WorkflowLabels.JOB_ID, jobId).withLabelNotIn(COMPLETED, "true").list().getItems().stream()
          .anyMatch(w -> !DONE.contains(phase(w)) && !stopping(w));
    } catch (KubernetesClientException e) {
      throw new TransientFailureException("cannot look up the Workflow of job " + jobId + ": " + e.getMessage(), e);
    }
  }

  @SuppressWarnings("unchecked")
  private static boolean stopping(GenericKubernetesResource w) {
    Object spec = w.getAdditionalProperties().get("spec");
    return spec instanceof Map<?, ?> s && s.get("shutdown") != null;
  }

  private List<GenericKubernetesResource> active() throws TransientFailureException {
    try {
      return kubernetes.genericKubernetesResources(ArgoWorkflowSubmitter.WORKFLOWS).inNamespace(argo.namespace())
          .withLabel(WorkflowLabels.PARENT_JOB)
          // finished children stay out server-side: the controller labels a Workflow completed=true
          // when it ends (argo-workflows workflow/common LabelKeyCompleted, operator.go); the phase
          // filter below covers the moment before that label lands
          .withLabelNotIn(COMPLETED, "true").list().getItems().stream()
          .filter(w -> !DONE.contains(phase(w)))
          .toList();
    } catch (KubernetesClientException e) {
      throw new TransientFailureException("cannot list submodel Workflows: " + e.getMessage(), e);
    }
  }

  private static Map<String, String> labels(GenericKubernetesResource w) {
    return w.getMetadata().getLabels() == null ? Map.of() : w.getMetadata().getLabels();
  }

  @SuppressWarnings("unchecked")
  private static String phase(GenericKubernetesResource w) {
    Object status = w.getAdditionalProperties().get("status");
    return status instanceof Map<?, ?> s && s.get("phase") != null ? String.valueOf(s.get("phase")) : "";
  }
}
