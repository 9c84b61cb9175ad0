package org.odmwatcher.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;

/**
 * Where and how Workflows are submitted ({@code watcher.argo.*}). Kubernetes itself is found the
 * usual way ({@code $KUBECONFIG}, {@code ~/.kube/config}, in-cluster service account) unless
 * {@code kubeconfig} names a kubeconfig file; {@code master-url} overrides the server of either.
 *
 * @param namespace namespace the Workflows are created and watched in
 * @param workflowTemplate name of the WorkflowTemplate each Workflow references
 * @param masterUrl optional API server URL overriding discovery
 * @param watch whether to watch Workflows and keep {@code status.json} current
 * @param resync how often the informer re-delivers every Workflow (repairs missed status writes)
 * @param kubeconfig optional kubeconfig file (server, credentials, current context) to use instead
 *     of the usual discovery, as {@code kubectl --kubeconfig} does
 * @param progressInterval the least time between two writes of one job's {@code status.json} that
 *     only move its ODM stage or percentage (a state change is written at once): bounds the write
 *     rate per job however often Argo reports progress
 * @param logTailLines how many of the ODM pod's last log lines {@code status.json}'s {@code
 *     logTail} shows while the job runs and when it failed
 * @param logCache how long a read of a pod's log is reused before the API asks Kubernetes again
 */
@ConfigurationProperties(ArgoConfig.PREFIX)
public record ArgoConfig(
    @Bindable(defaultValue = "odm") @NotBlank String namespace,
    @Bindable(defaultValue = "odm-process") @NotBlank String workflowTemplate,
    @Nullable String masterUrl,
    @Bindable(defaultValue = "true") boolean watch,
    @Bindable(defaultValue = "5m") @NotNull Duration resync,
    @Nullable String kubeconfig,
    @Bindable(defaultValue = "10s") @NotNull Duration progressInterval,
    @Bindable(defaultValue = "30") @Min(1) int logTailLines,
    @Bindable(defaultValue = "2s") @NotNull Duration logCache) {

  public static final String PREFIX = "watcher.argo";

  @io.micronaut.core.annotation.Creator
  public ArgoConfig {}

  /** Settings with the usual Kubernetes discovery (no kubeconfig file named). */
  public ArgoConfig(String namespace, String workflowTemplate, String masterUrl, boolean watch, Duration resync) {
    this(namespace, workflowTemplate, masterUrl, watch, resync, null);
  }

  /** Settings with a kubeconfig file and the default progress and log pacing. */
  public ArgoConfig(
      String namespace, String workflowTemplate, String masterUrl, boolean watch, Duration resync, String kubeconfig) {
    this(namespace, workflowTemplate, masterUrl, watch, resync, kubeconfig, Duration.ofSeconds(10), 30, Duration.ofSeconds(2));
  }
}
