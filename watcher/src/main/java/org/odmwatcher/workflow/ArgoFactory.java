package org.odmwatcher.workflow;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.List;
import org.odmwatcher.config.ArgoConfig;
import org.odmwatcher.config.ManifestConfig;
import org.odmwatcher.config.NodeClassConfig;
import org.odmwatcher.config.PlacementConfig;
import org.odmwatcher.config.ResourcesConfig;
import org.odmwatcher.status.StatusWriter;
import org.odmwatcher.storage.BucketStore;
import org.odmwatcher.config.S3Config;
import org.odmwatcher.config.SplitMergeConfig;
import org.odmwatcher.config.WorkspaceConfig;

/**
 * Argo Workflows as the executor ({@code watcher.executor=argo}, the default). Kubernetes is found
 * the usual way (kubeconfig, in-cluster) unless {@code watcher.argo.kubeconfig} names a kubeconfig
 * file; {@code watcher.argo.master-url} overrides the server either way.
 */
@Factory
@Requires(property = "watcher.executor", value = "argo", defaultValue = "argo")
public class ArgoFactory {

  @Singleton
  @Bean(preDestroy = "close")
  KubernetesClient kubernetesClient(ArgoConfig argo) {
    boolean explicit = argo.kubeconfig() != null && !argo.kubeconfig().isBlank();
    // fabric8's Config.fromKubeconfig reads server, credentials and current context from the file,
    // exactly as autoConfigure does from $KUBECONFIG; the file must exist (a typo is an error).
    ConfigBuilder config =
        new ConfigBuilder(explicit ? Config.fromKubeconfig(new java.io.File(argo.kubeconfig())) : Config.autoConfigure(null));
    if (argo.masterUrl() != null && !argo.masterUrl().isBlank()) {
      config.withMasterUrl(argo.masterUrl());
    }
    // Our own retries go through the event source (SQS redelivery, MinIO's queue_dir): fail fast.
    config.withRequestRetryBackoffLimit(1).withConnectionTimeout(5_000).withRequestTimeout(15_000);
    return new KubernetesClientBuilder().withConfig(config.build()).build();
  }

  @Singleton
  WorkflowRenderer workflowRenderer(ArgoConfig argo, S3Config s3, OdmArguments odmArguments, SplitMergeConfig splitMerge,
      PlacementPlanner placement, WorkspaceConfig workspaces, ResourcesConfig resources) {
    return new WorkflowRenderer(argo, s3, odmArguments, splitMerge, placement, workspaces, resources);
  }

  @Singleton
  PlacementPlanner placementPlanner(PlacementConfig placement, List<NodeClassConfig> nodeClasses) {
    return new PlacementPlanner(placement, nodeClasses);
  }

  @Singleton
  ChildWorkflows childWorkflows(KubernetesClient kubernetes, ArgoConfig argo, SplitMergeConfig splitMerge) {
    return new ChildWorkflows(kubernetes, argo, splitMerge);
  }

  @Singleton
  JobSubmitter argoSubmitter(KubernetesClient kubernetes, WorkflowRenderer renderer, ArgoConfig argo, Clock clock,
      KeptWorkspaces kept) {
    return new ArgoWorkflowSubmitter(kubernetes, renderer, argo, clock, kept);
  }

  @Singleton
  KeptWorkspaces keptWorkspaces(KubernetesClient kubernetes, ArgoConfig argo) {
    return new KeptWorkspaces(kubernetes, argo.namespace());
  }

  @Singleton
  WorkspaceKeeper workspaceKeeper(KeptWorkspaces volumes, StatusWriter statusWriter, BucketStore store,
      WorkspaceConfig workspaces, ManifestConfig manifest, ResourcesConfig resources, Clock clock) {
    return new WorkspaceKeeper(volumes, statusWriter, store, workspaces, manifest.name(), resources, clock);
  }

  @Singleton
  WorkspaceSweep workspaceSweep(KeptWorkspaces volumes, BucketStore store, StatusWriter statusWriter,
      ManifestConfig manifest, Clock clock) {
    return new WorkspaceSweep(volumes, store, statusWriter, manifest.name(), clock);
  }

  /** The sweep, every {@code watcher.workspace.sweep-interval}, in the long-running watcher only. */
  @Context
  @Bean(preDestroy = "shutdownNow")
  @Requires(property = ArgoConfig.PREFIX + ".watch", notEquals = "false")
  java.util.concurrent.ScheduledExecutorService workspaceSweeps(WorkspaceSweep sweep, WorkspaceConfig workspaces) {
    return sweep.every(workspaces.sweepInterval(), "workspace-sweep");
  }

  @Singleton
  ProcessPodLog processPodLog(KubernetesClient kubernetes, ArgoConfig argo) {
    return new ProcessPodLog(kubernetes, argo.namespace(), argo.logCache());
  }

  @Context
  @Bean(preDestroy = "close")
  @Requires(property = ArgoConfig.PREFIX + ".watch", notEquals = "false")
  WorkflowWatcher workflowWatcher(KubernetesClient kubernetes, ArgoConfig argo, PhaseRecorder recorder, ProcessPodLog console,
      PlacementConfig placement, Clock clock, WorkspaceKeeper keeper) {
    WorkflowWatcher watcher = new WorkflowWatcher(kubernetes, argo, recorder, console, placement.unschedulableAfter(), clock,
        keeper);
    watcher.start();
    return watcher;
  }
}
