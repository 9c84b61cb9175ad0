package org.odmwatcher.workflow;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.net.HttpURLConnection;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.odmwatcher.retry.TransientFailureException;

/**
 * The workspace volumes (PersistentVolumeClaims) kept after their Workflow ended, so that a failed
 * run can be resumed. A Workflow's workspace is created with the Workflow as its owner, so
 * Kubernetes' garbage collector deletes it with the Workflow (ownerReferences, "Garbage Collection"
 * in the Kubernetes docs); keeping one removes that reference, which orphans it (the collector
 * leaves objects without owners alone), and labels it {@link #KEPT} with {@link #KEEP_UNTIL}. A
 * resumed run applies the claim again with its own Workflow as owner ({@link #takeOver} removes the
 * kept label first), so from then on it lives and dies with that Workflow.
 */
public final class KeptWorkspaces implements KeptWorkspaceStore {
  /** Label of a kept workspace claim: {@code "true"}. */
  public static final String KEPT = "odmwatcher.org/kept";
  /** Annotation: until when the claim is kept (ISO-8601). */
  public static final String KEEP_UNTIL = "odmwatcher.org/keep-until";

  /** A kept claim, its folder and job, and until when. */
  public record Kept(String claim, String bucket, String folder, String jobId, Instant keepUntil) {}

  private final KubernetesClient kubernetes;
  private final String namespace;

  public KeptWorkspaces(KubernetesClient kubernetes, String namespace) {
    this.kubernetes = kubernetes;
    this.namespace = namespace;
  }

  /**
   * Keeps {@code claim} until {@code until} for the job's folder: one JSON merge patch (RFC 7386;
   * {@code null} removes the owner references). Empty when the claim is gone already.
   */
  public Optional<Kept> keep(String claim, String bucket, String folder, String jobId, Instant until)
      throws TransientFailureException {
    Map<String, Object> labels = new LinkedHashMap<>();
    labels.put(KEPT, "true");
    labels.put(WorkflowLabels.JOB_ID, jobId);
    labels.put(WorkflowLabels.PREFIX_HASH, JobId.shortHash(bucket + "/" + folder));
    Map<String, Object> annotations = Map.of(KEEP_UNTIL, until.toString(), WorkflowLabels.BUCKET, bucket,
        WorkflowLabels.PREFIX, folder);
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("ownerReferences", null);
    metadata.put("labels", labels);
    metadata.put("annotations", annotations);
    if (!patch(claim, Map.of("metadata", metadata))) {
      return Optional.empty();
    }
    return Optional.of(new Kept(claim, bucket, folder, jobId, until));
  }

  /** The claim, when it exists and is kept until after {@code now}. */
  public Optional<Kept> find(String claim, Instant now) throws TransientFailureException {
    try {
      PersistentVolumeClaim pvc = kubernetes.persistentVolumeClaims().inNamespace(namespace).withName(claim).get();
      return Optional.ofNullable(pvc).flatMap(KeptWorkspaces::kept).filter(k -> k.keepUntil().isAfter(now));
    } catch (KubernetesClientException e) {
      throw new TransientFailureException("cannot read workspace " + claim + ": " + e.getMessage(), e);
    }
  }

  /**
   * A resumed run takes the claim: no longer kept (its new Workflow becomes its owner when the
   * run's first step applies it). False when the claim is gone.
   */
  public boolean takeOver(String claim) throws TransientFailureException {
    Map<String, Object> labels = new LinkedHashMap<>();
    labels.put(KEPT, null);
    Map<String, Object> annotations = new LinkedHashMap<>();
    annotations.put(KEEP_UNTIL, null);
    return patch(claim, Map.of("metadata", Map.of("labels", labels, "annotations", annotations)));
  }

  /** Every kept claim of the namespace. */
  @Override
  public List<Kept> all() throws TransientFailureException {
    try {
      return kubernetes.persistentVolumeClaims().inNamespace(namespace).withLabel(KEPT, "true").list().getItems()
          .stream().map(KeptWorkspaces::kept).flatMap(Optional::stream).toList();
    } catch (KubernetesClientException e) {
      throw new TransientFailureException("cannot list kept workspaces: " + e.getMessage(), e);
    }
  }

  /** Deletes the claim (its volume goes with it under the storage class's Delete policy); gone is fine. */
  @Override
  public void release(String claim) throws TransientFailureException {
    try {
      kubernetes.persistentVolumeClaims().inNamespace(namespace).withName(claim).delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
        throw new TransientFailureException("cannot delete workspace " + claim + ": " + e.getMessage(), e);
      }
    }
  }

  private boolean patch(String claim, Map<String, Object> patch) throws TransientFailureException {
    try {
      String body = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(patch);
      kubernetes.persistentVolumeClaims().inNamespace(namespace).withName(claim)
          .patch(PatchContext.of(PatchType.JSON_MERGE), body);
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
        return false;
      }
      throw new TransientFailureException("cannot update workspace " + claim + ": " + e.getMessage(), e);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Optional<Kept> kept(PersistentVolumeClaim pvc) {
    Map<String, String> labels = pvc.getMetadata().getLabels() == null ? Map.of() : pvc.getMetadata().getLabels();
    Map<String, String> annotations =
        pvc.getMetadata().getAnnotations() == null ? Map.of() : pvc.getMetadata().getAnnotations();
    if (!"true".equals(labels.get(KEPT)) || annotations.get(KEEP_UNTIL) == null
        || annotations.get(WorkflowLabels.BUCKET) == null || annotations.get(WorkflowLabels.PREFIX) == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(new Kept(pvc.getMetadata().getName(), annotations.get(WorkflowLabels.BUCKET),
          annotations.get(WorkflowLabels.PREFIX), labels.getOrDefault(WorkflowLabels.JOB_ID, ""),
          Instant.parse(annotations.get(KEEP_UNTIL))));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
