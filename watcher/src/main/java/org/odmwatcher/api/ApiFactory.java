package org.odmwatcher.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.random.RandomGenerator;
import org.odmwatcher.config.ApiConfig;
import org.odmwatcher.config.ManifestConfig;
import org.odmwatcher.config.NotifyConfig;
import org.odmwatcher.config.SplitMergeConfig;
import org.odmwatcher.config.WorkspaceConfig;
import org.odmwatcher.manifest.ManifestValidator;
import org.odmwatcher.manifest.Engine;
import org.odmwatcher.manifest.Engines;
import org.odmwatcher.notify.WebhookDeliverer;
import org.odmwatcher.notify.WebhookSigner;
import org.odmwatcher.notify.WebhookTargets;
import org.odmwatcher.pipeline.ManifestHandler;
import org.odmwatcher.pipeline.SubmodelOrigins;
import org.odmwatcher.retry.BackoffCalculator;
import org.odmwatcher.retry.RetryPolicy;
import org.odmwatcher.status.StatusCodec;
import org.odmwatcher.status.StatusWriter;
import org.odmwatcher.storage.BucketStore;
import org.odmwatcher.workflow.ChildWorkflows;
import org.odmwatcher.workflow.JobConsole;
import org.odmwatcher.workflow.WorkspaceKeeper;

/** Wires the NodeODM-compatible API when {@code watcher.api.enabled=true}. */
@Factory
@Requires(property = ApiConfig.PREFIX + ".enabled", value = "true")
public class ApiFactory {

  @Singleton
  ApiTasks apiTasks(
      ApiConfig api,
      ManifestConfig manifest,
      BucketStore store,
      StatusWriter statusWriter,
      @Nullable ManifestHandler pipeline,
      Engines engines,
      @Named("api") Engine engine,
      ObjectMapper json,
      Clock clock,
      @Nullable JobConsole console,
      @Nullable SplitMergeConfig splitMerge,
      @Nullable ChildWorkflows jobs,
      WorkspaceConfig workspaces,
      @Nullable WorkspaceKeeper keeper) {
    ResultsArchive archive = new ResultsArchive(store, manifest.resultsFolder());
    TaskView view = new TaskView(store, api.bucket(), api.prefix(), manifest.statusName(), archive, new StatusCodec(),
        json, api.viewExpiry());
    statusWriter.addListener(view);
    return new ApiTasks(
        api.bucket(),
        api.prefix(),
        api.maxImages(),
        manifest.name(),
        manifest.statusName(),
        manifest.resultsFolder(),
        store,
        statusWriter,
        pipeline,
        new TaskOptions(json, new ManifestValidator(engines), engine),
        archive,
        view,
        new WebhookTargets(api.webhookAllowedNetworks()),
        api.maxConcurrentUploads(),
        json,
        clock,
        console,
        api.maxTasks(),
        splitMerge == null ? SplitMergeConfig.off().maxTasksPerJob() : splitMerge.maxTasksPerJob(),
        jobs,
        keeper == null ? WorkspaceConfig.off() : workspaces); // local mode keeps no workspace to wait for
  }

  /** The engine the API's tasks run on ({@code watcher.api.engine}); it must be enabled. */
  @Singleton
  @Named("api")
  Engine apiEngine(ApiConfig api, Engines engines) {
    return engines.enabled(api.engine()).orElseThrow(() -> new IllegalStateException(
        "watcher.api.engine is " + api.engine() + ", which is not in watcher.engines.enabled " + engines.enabledNames()));
  }

  /** Which folders may carry a split-merge {@code parentJob}: the API's tasks created with that job's token. */
  @Singleton
  SubmodelOrigins submodelOrigins(ApiConfig api, BucketStore store, ObjectMapper json) {
    return new ApiSubmodelOrigins(store, api.bucket(), api.prefix(), json);
  }

  /** The task webhooks' deliverer: the manifest notifications' code, with the API's allowed networks. */
  @Singleton
  @Bean(preDestroy = "close")
  @Named("api")
  WebhookDeliverer apiWebhookDeliverer(ApiConfig api, NotifyConfig notify, Clock clock) {
    return new WebhookDeliverer(new WebhookTargets(api.webhookAllowedNetworks()), WebhookSigner.of(notify.signingKey()),
        notify.connectTimeout(), notify.readTimeout(), 4, clock);
  }

  @Singleton
  Webhooks webhooks(ApiConfig api, ObjectMapper json, @Named("api") WebhookDeliverer deliverer) {
    RetryPolicy policy = new RetryPolicy(api.webhookBackoff(), 2.0, api.webhookBackoff().multipliedBy(16), 0.0);
    return new Webhooks(json, api.webhookAttempts(), new BackoffCalculator(policy, RandomGenerator.getDefault()),
        deliverer);
  }

  @Singleton
  ApiTaskWatcher apiTaskWatcher(ApiTasks tasks, Webhooks webhooks, ApiConfig api, Clock clock) {
    return new ApiTaskWatcher(tasks, webhooks, api.uploadExpiry(), api.cleanupTasksAfter(), clock);
  }

  @Singleton
  NodeFigures nodeFigures(ApiConfig api, ApiTaskWatcher watcher, @Named("api") Engine engine) {
    return new NodeFigures(api, watcher, engine);
  }
}
