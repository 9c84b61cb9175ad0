package org.odmwatcher.workflow.local;

import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;
import org.odmwatcher.workflow.WorkspaceSweep;
import org.odmwatcher.config.LocalConfig;
import org.odmwatcher.config.ManifestConfig;
import org.odmwatcher.config.WorkspaceConfig;
import org.odmwatcher.status.StatusWriter;
import org.odmwatcher.storage.BucketStore;
import org.odmwatcher.workflow.JobConsole;
import org.odmwatcher.workflow.JobSubmitter;
import org.odmwatcher.workflow.OdmArguments;

/** The local executor ({@code watcher.executor=local}) instead of Argo. */
@Factory
@Requires(property = "watcher.executor", value = "local")
public class LocalFactory {

  @Singleton
  @Bean(typed = {JobSubmitter.class, JobConsole.class, LocalJobSubmitter.class}, preDestroy = "close")
  LocalJobSubmitter localJobSubmitter(LocalConfig config, OdmArguments odmArguments, BucketStore store,
      StatusWriter statusWriter, ManifestConfig manifest, Clock clock, WorkspaceConfig workspaces) {
    return new LocalJobSubmitter(config, odmArguments, store, statusWriter, manifest.name(), manifest.maxSize(), clock,
        workspaces);
  }

  /**
   * Removes kept work folders nobody will resume, by the cluster's rules ({@link WorkspaceSweep}:
   * expired, the folder's odm.json deleted, a newer run without them), every {@code
   * watcher.workspace.sweep-interval}.
   */
  @Context
  @Bean(preDestroy = "shutdownNow")
  ScheduledExecutorService localWorkspaceSweeps(LocalJobSubmitter submitter, BucketStore store, StatusWriter statusWriter,
      ManifestConfig manifest, Clock clock, WorkspaceConfig workspaces) {
    return new WorkspaceSweep(submitter.keptFolders(), store, statusWriter, manifest.name(), clock)
        .every(workspaces.sweepInterval(), "local-workspace-sweep");
  }
}
