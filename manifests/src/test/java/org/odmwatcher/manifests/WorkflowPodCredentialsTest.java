package org.odmwatcher.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 22 row 5: S3 credentials reach only the containers that move data (rclone's download and
 * upload, the exit handler's {@code job-finished}) and Argo's executor beside them; never ODM's
 * image (the {@code seed} and {@code process} steps run untrusted imagery and options as root),
 * nor the resource steps. Judged on the rendered overlays as the cluster would decide it
 * ({@link WorkflowPods}: Argo's pod, the EKS pod identity webhook, the Secret references).
 */
class WorkflowPodCredentialsTest {
  /** The steps whose containers need S3 credentials, with the names of their containers. */
  private static final Set<String> TRANSFER_CONTAINERS =
      Set.of("download/side-files", "download/main", "upload/main", "record-status/main");

  @ParameterizedTest
  @ValueSource(strings = {"aws", "minio"})
  void onlyTheTransferStepsHoldS3Credentials(String overlay) {
    Set<String> holders = WorkflowPods.holdingS3Credentials(overlay);
    Set<String> steps = new TreeSet<>();
    holders.forEach(h -> steps.add(h.substring(0, h.indexOf('/'))));

    assertThat(holders).as("the transfer containers need their credentials").containsAll(TRANSFER_CONTAINERS);
    assertThat(steps).as("steps whose pods hold S3 credentials in overlay " + overlay + ": " + holders)
        .containsExactlyInAnyOrder("download", "upload", "record-status");
  }

  @ParameterizedTest
  @ValueSource(strings = {"aws", "minio"})
  void noContainerRunningOdmsImageHoldsS3Credentials(String overlay) {
    for (WorkflowPods.Pod pod : WorkflowPods.of(overlay)) {
      String image = pod.containers().get("main").path("image").asText();
      // the ODM step names its image through a parameter (ODM's, or its GPU image): ODM's image either way
      if (image.contains("opendronemap/odm") || image.equals("{{workflow.parameters.odm-image}}")) {
        assertThat(WorkflowPods.holdingS3Credentials(overlay))
            .as(pod + " runs ODM's image in overlay " + overlay)
            .noneMatch(h -> h.startsWith(pod.template() + "/"));
      }
    }
  }

  /**
   * Where the store has no pod identity (the minio overlay: static keys from Secrets), the Workflow
   * pods get keys of their own, never the watcher's: the watcher's key also writes every folder's
   * status, the dashboard's index and site, and deletes the API's tasks; the Workflow pods' key
   * needs only what event-sources/aws/iam-workflow-pods-policy.json allows (the same policy
   * language in MinIO).
   */
  @ParameterizedTest
  @ValueSource(strings = {"aws", "minio"})
  void theWorkflowPodsNeverHoldTheWatchersKeys(String overlay) {
    var deployment = Manifests.find(Manifests.rendered(overlay), "Deployment", "odm-watcher").node();
    Set<String> watchersSecrets = new TreeSet<>();
    deployment.at("/spec/template/spec/containers").forEach(c -> {
      c.path("envFrom").forEach(f -> watchersSecrets.add(f.path("secretRef").path("name").asText()));
      c.path("env").forEach(e -> watchersSecrets.add(e.path("valueFrom").path("secretKeyRef").path("name").asText()));
    });
    watchersSecrets.remove("");
    if (overlay.equals("minio")) {
      assertThat(watchersSecrets).as("the watcher's static S3 keys").contains(WorkflowPods.WATCHER_S3_SECRET);
    }
    // aws: the watcher signs with its IRSA role and mounts no static keys, but a Secret of that name
    // is the watcher's wherever it exists, so no Workflow pod may name it either.
    watchersSecrets.add(WorkflowPods.WATCHER_S3_SECRET);
    for (WorkflowPods.Pod pod : WorkflowPods.of(overlay)) {
      pod.containers().forEach((name, container) -> {
        container.path("env").forEach(e -> assertThat(e.path("valueFrom").path("secretKeyRef").path("name").asText())
            .as(pod.template() + "/" + name + " env " + e.path("name").asText() + " in overlay " + overlay)
            .isNotIn(watchersSecrets));
        container.path("envFrom").forEach(f -> assertThat(f.path("secretRef").path("name").asText())
            .as(pod.template() + "/" + name + " envFrom in overlay " + overlay).isNotIn(watchersSecrets));
      });
    }
  }

  /** The model reads the webhook's annotation as the webhook does; a wrong reading would hide a holder. */
  @Test
  void theWebhooksSkipListIsOneCommaSeparatedRecord() {
    assertThat(WorkflowPods.skippedContainers("main,wait")).containsExactly("main", "wait");
    assertThat(WorkflowPods.skippedContainers("main, wait")).as("names are not trimmed").containsExactly(" wait", "main");
    assertThat(WorkflowPods.skippedContainers("\"main")).as("unparsable: none skipped").isEmpty();
    assertThat(WorkflowPods.skippedContainers(null)).isEmpty();
  }
}
