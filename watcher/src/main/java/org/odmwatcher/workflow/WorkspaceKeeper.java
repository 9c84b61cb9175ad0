package org.odmwatcher.workflow;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.odmwatcher.config.ResourcesConfig;
import org.odmwatcher.config.WorkspaceConfig;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.status.JobState;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.StatusWriter;
import org.odmwatcher.storage.BucketStore;

/**
 * Once a job's Workflow has ended: keeps its workspace when the Workflow says so (its {@code
 * keep-workspace-on} parameter matches its final phase; the exit handler then left the claim in
 * place) and records in {@code status.json} until when, the stage it failed in and the {@code
 * odm.json} that resumes it; a cancelled job's workspace is released instead. Idempotent: the
 * informer calls it again on every resync, and the keep time counts from the Workflow's
 * {@code finishedAt}.
 */
public final class WorkspaceKeeper {
  private static final Pattern STAGE_LINE = Pattern.compile("Running ([a-z_]+) stage");

  private final KeptWorkspaces volumes;
  private final StatusWriter statusWriter;
  private final BucketStore store;
  private final WorkspaceConfig config;
  private final String manifestName;
  private final ResourcesConfig resources;
  private final Clock clock;

  public WorkspaceKeeper(KeptWorkspaces volumes, StatusWriter statusWriter, BucketStore store, WorkspaceConfig config,
      String manifestName, ResourcesConfig resources, Clock clock) {
    this.volumes = volumes;
    this.statusWriter = statusWriter;
    this.store = store;
    this.config = config;
    this.manifestName = manifestName;
    this.resources = resources;
    this.clock = clock;
  }

  @SuppressWarnings("unchecked")
  public void settle(GenericKubernetesResource wf) throws TransientFailureException {
    Map<String, String> labels = Optional.ofNullable(wf.getMetadata().getLabels()).orElse(Map.of());
    Map<String, String> annotations = Optional.ofNullable(wf.getMetadata().getAnnotations()).orElse(Map.of());
    String jobId = labels.get(WorkflowLabels.JOB_ID);
    String bucket = annotations.get(WorkflowLabels.BUCKET);
    String folder = annotations.get(WorkflowLabels.PREFIX);
    Object statusObject = wf.getAdditionalProperties().get("status");
    if (jobId == null || bucket == null || folder == null || labels.containsKey(WorkflowLabels.PARENT_JOB)
        || !(statusObject instanceof Map<?, ?> status)) {
      return;
    }
    String phase = String.valueOf(status.get("phase"));
    if (!List.of("Succeeded", "Failed", "Error").contains(phase)) {
      return;
    }
    Map<String, String> parameters = parameters(wf);
    String claim = parameters.get(WorkflowParameters.WORKSPACE);
    String keepOn = parameters.get(WorkflowParameters.KEEP_WORKSPACE_ON);
    if (claim == null || keepOn == null || !Pattern.compile(keepOn).matcher(phase).find()) {
      return; // the exit handler released it (or an older Workflow: its owner reference does)
    }
    Optional<JobStatus> current = statusWriter.read(bucket, folder).filter(s -> jobId.equals(s.jobId()));
    if (current.isEmpty()) {
      return; // a newer job has the folder: the sweep decides whether it still needs this claim
    }
    JobStatus job = current.get();
    if (job.state() == JobState.CANCELED) {
      volumes.release(claim); // nobody resumes a job its owner stopped
      return;
    }
    if (job.workspace() != null && claim.equals(job.workspace().volume()) && job.workspace().keptUntil() != null) {
      return; // kept already
    }
    boolean failed = !"Succeeded".equals(phase);
    Duration keep = failed ? config.keepFailed() : config.keepSucceeded();
    Instant finished = status.get("finishedAt") == null ? clock.instant() : Instant.parse(String.valueOf(status.get("finishedAt")));
    Instant until = finished.plus(keep);
    if (volumes.keep(claim, bucket, folder, jobId, until).isEmpty()) {
      return;
    }
    String stage = failed ? failedStage(job) : null;
    String resumeWith = null;
    String note = "workspace " + claim + " kept until " + until;
    if (failed) {
      boolean oom = ResumeHint.outOfMemory(job.message());
      byte[] manifest = store.get(bucket, folder + manifestName, 1 << 20)
          .filter(b -> job.manifestETag() == null || job.manifestETag().equals(b.eTag()))
          .map(BucketStore.Blob::bytes).orElse(null);
      String more = oom && parameters.get(WorkflowParameters.MEMORY) != null
          ? ResourceOverride.lower(ResumeHint.steppedUp(parameters.get(WorkflowParameters.MEMORY), resources.oomStepUp()),
              resources.maxMemory())
          : null;
      String rerunFrom = ResumeHint.rerunFrom(stage, ResumeHint.splits(manifest));
      resumeWith = ResumeHint.manifest(manifest, rerunFrom, more);
      note += "; to resume" + (rerunFrom == null ? "" : " from " + rerunFrom)
          + (rerunFrom == null && "split".equals(stage) ? " (ODM keeps the submodels that finished)" : "")
          + (oom ? " with more memory" : "")
          + ", upload this " + manifestName + ": " + resumeWith;
    }
    String project = parameters.getOrDefault(WorkflowParameters.PROJECT, jobId);
    JobStatus.Workspace kept = new JobStatus.Workspace(claim, project, until,
        job.workspace() == null ? null : job.workspace().resumedFrom(), stage, resumeWith, note);
    // In its own field, not the message: the informer records the Workflow's message again on every resync.
    statusWriter.advance(bucket, folder, jobId, s -> s.withWorkspace(kept));
  }

  /** The ODM stage the job was in: the last stage ODM announced in the log, else the status's stage. */
  static String failedStage(JobStatus job) {
    String stage = null;
    if (job.logTail() != null) {
      for (String line : job.logTail()) {
        Matcher m = STAGE_LINE.matcher(line);
        if (m.find() && OdmStages.STAGES.containsKey(m.group(1))) {
          stage = m.group(1);
        }
      }
    }
    if (stage == null && job.stage() != null && OdmStages.STAGES.containsKey(job.stage())) {
      stage = job.stage();
    }
    return stage;
  }

  @SuppressWarnings("unchecked")
  static Map<String, String> parameters(GenericKubernetesResource wf) {
    Map<String, String> values = new java.util.LinkedHashMap<>();
    Object spec = wf.getAdditionalProperties().get("spec");
    if (spec instanceof Map<?, ?> s && s.get("arguments") instanceof Map<?, ?> arguments
        && arguments.get("parameters") instanceof List<?> list) {
      for (Object p : list) {
        if (p instanceof Map<?, ?> parameter && parameter.get("name") != null && parameter.get("value") != null) {
          values.put(String.valueOf(parameter.get("name")), String.valueOf(parameter.get("value")));
        }
      }
    }
    return values;
  }
}
