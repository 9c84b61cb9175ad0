package org.odmwatcher.workflow;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.odmwatcher.config.ArgoConfig;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.status.JobStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates Workflows through the Kubernetes API as generic resources. A 409 means the Workflow of
 * this manifest version exists already: that is success. A 400, 413 or 422 means the API server
 * refused this Workflow object itself (e.g. annotations over 256 KiB): the same object would be
 * refused again, so the job is rejected for good with the server's reason. Every other failure is
 * transient (see {@link #isPermanent}): the event is kept and offered again. Before creating, the
 * folder's unfinished Workflows of other jobs are stopped (see {@link #stopEarlierJobs}).
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

  /** The Workflows of this namespace whose label {@code key} is the job's id. */
  private List<GenericKubernetesResource> labelled(String key, JobId jobId) {
    return kubernetes.genericKubernetesResources(WORKFLOWS).inNamespace(argo.namespace())
        .withLabel(key, jobId.value()).list().getItems();
  }

  /** The merge patch that asks Argo to stop a Workflow and still run its exit handler. */
  static final String STOP = "{\"spec\":{\"shutdown\":\"Stop\"}}";

  private static final Logger LOG = LoggerFactory.getLogger(ArgoWorkflowSubmitter.class);
  private final KubernetesClient kubernetes;
  private final WorkflowRenderer renderer;
  private final ArgoConfig argo;

  private final Clock clock;
  private final KeptWorkspaces kept;

  @Override
  public boolean keeps(String volume, java.time.Instant now) throws TransientFailureException {
    return kept.find(volume, now).isPresent();
  }

  @Override
  public void takeOver(String volume) throws TransientFailureException {
    kept.takeOver(volume);
  }

  @Override
  public void release(String volume) throws TransientFailureException {
    kept.release(volume);
  }

  public ArgoWorkflowSubmitter(KubernetesClient kubernetes, WorkflowRenderer renderer, ArgoConfig argo) {
    this(kubernetes, renderer, argo, Clock.systemUTC());
  }

  public ArgoWorkflowSubmitter(KubernetesClient kubernetes, WorkflowRenderer renderer, ArgoConfig argo, Clock clock) {
    this(kubernetes, renderer, argo, clock, new KeptWorkspaces(kubernetes, argo.namespace()));
  }

  public ArgoWorkflowSubmitter(KubernetesClient kubernetes, WorkflowRenderer renderer, ArgoConfig argo, Clock clock,
      KeptWorkspaces kept) {
    this.kept = kept;
    this.kubernetes = kubernetes;
    this.renderer = renderer;
    this.argo = argo;
    this.clock = clock;
  }

  /**
   * Whether an API server answer to a create is about the object, not the moment. Permanent: 400
   * Bad Request (malformed object), 413 (body over the server's limit) and 422 Invalid (validation,
   * e.g. {@code metadata.annotations: Too long}). Transient: 5xx and 429 (server trouble,
   * throttling), no answer at all (code 0: connection refused, timeout), 404 (the namespace or the
   * Workflow CRD missing: a deployment an operator completes), and 401/403: a token being rotated
   * or RBAC not applied yet is fixed by an operator without a new manifest, and the shipped Role is
   * proven to grant every call (RbacContractTest), so the queue's redrive policy, not the
   * watcher, decides when to give up.
   */
  static boolean isPermanent(int code) {
    return code == HttpURLConnection.HTTP_BAD_REQUEST || code == HttpURLConnection.HTTP_ENTITY_TOO_LARGE || code == 422;
  }

  @Override
  public Submission submit(JobSpec spec) throws TransientFailureException, JobRejectedException {
    GenericKubernetesResource workflow;
    try {
      workflow = renderer.render(spec);
    } catch (NoNodeFitsException e) {
      throw new JobRejectedException(e);
    }
    JobStatus.WorkflowRef ref =
        new JobStatus.WorkflowRef(argo.namespace(), workflow.getMetadata().getName());
    Optional<String> token = renderer.splitMergeToken(spec, clock.instant());
    stopEarlierJobs(spec);
    try {
      GenericKubernetesResource created =
          kubernetes.genericKubernetesResources(WORKFLOWS).inNamespace(argo.namespace()).resource(workflow).create();
      LOG.info("submitted Workflow {}/{} for s3://{}/{}", ref.namespace(), ref.name(), spec.bucket(), spec.folder());
      if (token.isPresent()) {
        storeToken(ref.name(), created.getMetadata().getUid(), token.get());
      }
      return new Submission(true, ref, "argo");
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        LOG.debug("Workflow {}/{} exists already (redelivered event)", ref.namespace(), ref.name());
        if (token.isPresent()) {
          // the first submit may have failed between the Workflow and its Secret
          storeToken(ref.name(), null, token.get());
        }
        return new Submission(false, ref, "argo");
      }
      if (isPermanent(e.getCode())) {
        String reason = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
        LOG.warn("Kubernetes refused Workflow {}/{} for s3://{}/{} (HTTP {}): {}",
            ref.namespace(), ref.name(), spec.bucket(), spec.folder(), e.getCode(), reason);
        throw new JobRejectedException("Kubernetes refused the Workflow (HTTP " + e.getCode() + "): " + reason, e);
      }
      throw new TransientFailureException(
          "cannot create Workflow " + ref.name() + " (HTTP " + e.getCode() + "): " + e.getMessage(), e);
    }
  }

  /**
   * The split-merge token in a Secret of the Workflow's own, which the {@code process} step reads
   * as env (optional there: other jobs have none), so it is in no parameter, log or status. Owned
   * by the Workflow: Kubernetes' garbage collector deletes it with the Workflow (Argo's TTL). No
   * {@code blockOwnerDeletion}: that would need {@code update} on {@code workflows/finalizers}
   * (the OwnerReferencesPermissionEnforcement admission plugin). A Secret that exists already (a
   * redelivered event) is kept with its first token.
   */
  private void storeToken(String workflowName, String uid, String token) throws TransientFailureException {
    try {
      String owner = uid != null ? uid : kubernetes.genericKubernetesResources(WORKFLOWS).inNamespace(argo.namespace())
          .withName(workflowName).require().getMetadata().getUid();
      kubernetes.secrets().inNamespace(argo.namespace()).resource(tokenSecret(workflowName, owner, token)).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        // the event comes again; the Workflow is then a 409 and the Secret is made there
        throw new TransientFailureException(
            "cannot store the split-merge token of " + workflowName + " (HTTP " + e.getCode() + "): " + e.getMessage(), e);
      }
    }
  }

  private Secret tokenSecret(String workflowName, String uid, String token) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(SplitMergeToken.secretName(workflowName))
        .withNamespace(argo.namespace())
        .addToLabels(WorkflowLabels.MANAGED_BY, WorkflowLabels.MANAGED_BY_VALUE)
        .addNewOwnerReference()
        .withApiVersion(WORKFLOWS.getGroup() + "/" + WORKFLOWS.getVersion())
        .withKind(WORKFLOWS.getKind())
        .withName(workflowName)
        .withUid(uid)
        .endOwnerReference()
        .endMetadata()
        .withType("Opaque")
        .withStringData(Map.of(SplitMergeToken.SECRET_KEY, token))
        .build();
  }

  /**
   * Stops the folder's unfinished Workflows of other jobs, as {@link #cancel} does: each upload of
   * the manifest is a job of its own, and an earlier one still running would write the same
   * {@code results/} as this one. Their exit handlers still run; what they record cannot replace
   * this job's {@code status.json} ({@code job-finished} only advances the status of its own job).
   * Local mode does the same from the run itself ({@code LocalRun}: "superseded").
   */
  private void stopEarlierJobs(JobSpec spec) throws TransientFailureException {
    List<GenericKubernetesResource> folderWorkflows;
    try {
      folderWorkflows = kubernetes.genericKubernetesResources(WORKFLOWS).inNamespace(argo.namespace())
          .withLabel(WorkflowLabels.BUCKET_HASH, JobId.shortHash(spec.bucket()))
          .withLabel(WorkflowLabels.PREFIX_HASH, JobId.shortHash(spec.bucket() + "/" + spec.folder()))
          .list().getItems();
    } catch (KubernetesClientException e) {
      throw new TransientFailureException(
          "cannot list the Workflows of s3://" + spec.bucket() + "/" + spec.folder() + ": " + e.getMessage(), e);
    }
    Set<String> earlier = new LinkedHashSet<>();
    for (GenericKubernetesResource wf : folderWorkflows) {
      Map<String, String> labels = wf.getMetadata().getLabels();
      Map<String, String> annotations = wf.getMetadata().getAnnotations() == null ? Map.of() : wf.getMetadata().getAnnotations();
      String jobId = labels == null ? null : labels.get(WorkflowLabels.JOB_ID);
      // The labels hold hashes only: the annotations say which folder it really is.
      if (jobId != null && !jobId.equals(spec.jobId().value()) && !finished(wf)
          && spec.bucket().equals(annotations.get(WorkflowLabels.BUCKET))
          && spec.folder().equals(annotations.get(WorkflowLabels.PREFIX))) {
        earlier.add(jobId);
      }
    }
    for (String jobId : earlier) {
      LOG.info("stopping job {} of s3://{}/{}: superseded by job {} (the manifest was uploaded again)",
          jobId, spec.bucket(), spec.folder(), spec.jobId().value());
      cancel(new JobId(jobId));
    }
  }

  /** Whether Argo finished the Workflow (it sets {@code status.finishedAt} with the final phase). */
  private static boolean finished(GenericKubernetesResource wf) {
    return wf.getAdditionalProperties().get("status") instanceof Map<?, ?> status
        && (status.get("finishedAt") != null || FINAL_PHASES.contains(String.valueOf(status.get("phase"))));
  }

  /**
   * Argo's completed phases: WorkflowPhase.Completed (pkg/apis/workflow/v1alpha1/workflow_phase.go;
   * newer Argo versions add Cancelled).
   */
  private static final Set<String> FINAL_PHASES = Set.of("Succeeded", "Failed", "Error", "Cancelled");

  @Override
  public void cancel(JobId jobId) throws TransientFailureException {
    try {
      // A split-merge job's submodels run as Workflows of their own: stopping the parent alone
      // would leave them running (ODM's LRE cleanup, opendm/remote.py cleanup_remote_tasks, only
      // runs when ODM exits on its own), so they are stopped with it.
      List<GenericKubernetesResource> found = new ArrayList<>(labelled(WorkflowLabels.JOB_ID, jobId));
      found.addAll(labelled(WorkflowLabels.PARENT_JOB, jobId));
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
