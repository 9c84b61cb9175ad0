package org.odmwatcher.workflow;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.net.HttpURLConnection;
import java.util.List;
import org.odmwatcher.config.ArgoConfig;
import org.odmwatcher.event.TransientFailureException;
import org.odmwatcher.status.JobStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates Workflows through the Kubernetes API as generic resources. A 409 means the Workflow of
 * this manifest version exists already: that is success. Every other failure is transient (API
 * down, 5xx, throttled, forbidden until RBAC is fixed): the event is kept and offered again.
 */
public final class ArgoWorkflowSubmitter implements JobSubmitter {
  /** The Workflow kind as the API server knows it. */
  public static final ResourceDefinitionContext WORKFLOWS =
      new ResourceDefinitionContext.Builder()
          .withGroup("argoproj.io")
          .withVersion("v1alpha1")
          .withKind("Workflow")
          .withPlural("workflows")
          .withNamespaced(true)
          .build();

  /** The merge patch that asks Argo to stop a Workflow and still run its exit handler. */
  static final String STOP = "{\"spec\":{\"shutdown\":\"Stop\"}}";

  private static final Logger LOG = LoggerFactory.getLogger(ArgoWorkflowSubmitter.class);
  private final KubernetesClient kubernetes;
  private final WorkflowRenderer renderer;
  private final ArgoConfig argo;

  public ArgoWorkflowSubmitter(KubernetesClient kubernetes, WorkflowRenderer renderer, ArgoConfig argo) {
    this.kubernetes = kubernetes;
    this.renderer = renderer;
    this.argo = argo;
  }

  @Override
  public Submission submit(JobSpec spec) throws TransientFailureException {
    GenericKubernetesResource workflow = renderer.render(spec);
    JobStatus.WorkflowRef ref =
        new JobStatus.WorkflowRef(argo.namespace(), workflow.getMetadata().getName());
    try {
      kubernetes.genericKubernetesResources(WORKFLOWS).inNamespace(argo.namespace()).resource(workflow).create();
      LOG.info("submitted Workflow {}/{} for s3://{}/{}", ref.namespace(), ref.name(), spec.bucket(), spec.folder());
      return new Submission(true, ref, "argo");
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        LOG.debug("Workflow {}/{} exists already (redelivered event)", ref.namespace(), ref.name());
        return new Submission(false, ref, "argo");
      }
      throw new TransientFailureException(
          "cannot create Workflow " + ref.name() + " (HTTP " + e.getCode() + "): " + e.getMessage(), e);
    }
  }

  @Override
  public void cancel(JobId jobId) throws TransientFailureException {
    try {
      List<GenericKubernetesResource> found =
          kubernetes
              .genericKubernetesResources(WORKFLOWS)
              .inNamespace(argo.namespace())
              .withLabel(WorkflowLabels.JOB_ID, jobId.value())
              .list()
              .getItems();
      for (GenericKubernetesResource wf : found) {
        // spec.shutdown=Stop, not Terminate: Argo's ShutdownStrategy.ShouldExecute(isOnExitPod)
        // (pkg/apis/workflow/v1alpha1/workflow_types.go) is false for every pod under Terminate,
        // so the exit handler (record-status, release-workspace) would never run and the
        // workspace PVC would stay; under Stop only the exit handler's pods run. One merge PATCH
        // (RBAC verb: patch on workflows.argoproj.io), no read-modify-write race with the controller.
        kubernetes
            .genericKubernetesResources(WORKFLOWS)
            .inNamespace(argo.namespace())
            .withName(wf.getMetadata().getName())
            .patch(PatchContext.of(PatchType.JSON_MERGE), STOP);
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
        return;
      }
      throw new TransientFailureException("cannot cancel job " + jobId + ": " + e.getMessage(), e);
    }
  }
}
