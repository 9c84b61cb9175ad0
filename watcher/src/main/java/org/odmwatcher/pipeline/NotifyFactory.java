package org.odmwatcher.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.BeanProvider;
import io.micronaut.context.event.BeanCreatedEventListener;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.odmwatcher.config.ManifestConfig;
import org.odmwatcher.config.NotifyConfig;
import org.odmwatcher.manifest.ManifestDefaults;
import org.odmwatcher.manifest.ManifestParser;
import org.odmwatcher.manifest.NotifyTarget;
import org.odmwatcher.notify.MailSender;
import org.odmwatcher.notify.MessageBodies;
import org.odmwatcher.notify.WebhookDeliverer;
import org.odmwatcher.notify.WebhookSigner;
import org.odmwatcher.notify.WebhookTargets;
import org.odmwatcher.retry.BackoffCalculator;
import org.odmwatcher.retry.RetryPolicy;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.StatusListener;
import org.odmwatcher.status.StatusWriter;
import org.odmwatcher.storage.BucketStore;
import org.odmwatcher.workflow.JobId;

/** Wires the {@link Notifier} when {@code watcher.notify.enabled} (the default). */
@Factory
@Requires(property = NotifyConfig.PREFIX + ".enabled", notEquals = "false")
public class NotifyFactory {

  @Singleton
  @Bean(preDestroy = "close")
  Notifier notifier(NotifyConfig notify, ManifestConfig manifest, StatusWriter statusWriter, BucketStore store,
      ManifestParser parser, ManifestDefaults defaults, ObjectMapper json, Clock clock) {
    WebhookDeliverer http = new WebhookDeliverer(
        new WebhookTargets(notify.allowedNetworks(), java.net.InetAddress::getAllByName, NotifyConfig.PREFIX + ".allowed-networks"),
        WebhookSigner.of(notify.signingKey()), notify.connectTimeout(), notify.readTimeout(), 1, clock);
    RetryPolicy policy = new RetryPolicy(notify.backoffInitial(), 2.0, notify.backoffMax(), 0.2);
    return new Notifier(statusWriter, manifestTargets(store, parser, defaults, json, manifest), http, new MailSender(notify),
        new MessageBodies(json), new BackoffCalculator(policy, RandomGenerator.getDefault()), notify.giveUpAfter(),
        notify.senders(), notify.maxPending(), clock, manifest.statusName(), notify.dashboardUrl());
  }

  /**
   * The targets of a job, from its folder's manifest when that is still the job's version. The
   * manifest is parsed as the pipeline parses it; an invalid one still names its targets when its
   * {@code notify} field is valid (so the pilot hears why the job was refused). The folder's
   * defaults files apply as they do to the job ({@link ManifestDefaults}): "every folder under
   * farm-a/ mails the farm manager" is one {@code odm.defaults.json}.
   */
  static Notifier.Targets manifestTargets(BucketStore store, ManifestParser parser, ManifestDefaults defaults,
      ObjectMapper json, ManifestConfig manifest) {
    return (bucket, folder, jobId) -> {
      Optional<BucketStore.Blob> blob = store.get(bucket, folder + manifest.name(), manifest.maxSize());
      if (blob.isEmpty() || blob.get().truncated()
          || !JobId.derive(bucket, folder, blob.get().version()).value().equals(jobId)) {
        return List.of();
      }
      ManifestDefaults.Applied applied = defaults.apply(bucket, folder, folder + manifest.name(), blob.get());
      if (applied.result().valid()) {
        return applied.result().manifest().notifyTargets();
      }
      try {
        return parser.notifyTargets(applied.effective() == null ? blob.get().bytes()
            : json.writeValueAsBytes(applied.effective().manifest()));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        return parser.notifyTargets(blob.get().bytes());
      }
    };
  }

  /**
   * Hooks the notifier to the status writer as soon as the writer exists, before any other bean
   * (the informer, whose first list after a restart re-drives what a crash left undelivered) can
   * write or read a status through it. The notifier itself is made at the first status seen. The
   * exit handler's one-shot command turns notifications off ({@code job-finished}).
   */
  @Singleton
  BeanCreatedEventListener<StatusWriter> notifierHookup(BeanProvider<Notifier> notifier) {
    return event -> {
      StatusWriter writer = event.getBean();
      writer.addListener(new StatusListener() {
        @Override
        public void written(String bucket, String folder, JobStatus status) {
          notifier.get().written(bucket, folder, status);
        }

        @Override
        public void upToDate(String bucket, String folder, JobStatus status) {
          notifier.get().upToDate(bucket, folder, status);
        }
      });
      return writer;
    };
  }
}
