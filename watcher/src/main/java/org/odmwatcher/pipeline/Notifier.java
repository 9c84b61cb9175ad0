package org.odmwatcher.pipeline;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micronaut.core.annotation.Nullable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.odmwatcher.manifest.NotifyTarget;
import org.odmwatcher.notify.JobMessage;
import org.odmwatcher.notify.MailSender;
import org.odmwatcher.notify.MessageBodies;
import org.odmwatcher.notify.WebhookDeliverer;
import org.odmwatcher.notify.WebhookTargets;
import org.odmwatcher.retry.BackoffCalculator;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.status.JobState;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.JobStatus.Delivery;
import org.odmwatcher.status.StatusListener;
import org.odmwatcher.status.StatusWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the manifest's {@code notify} targets about a job's states, at least once per target and
 * state, without a database: {@code status.json} is the record.
 *
 * <p>What is due follows from a status alone: every target that wants the status's state, plus
 * every delivery recorded as {@code retrying}. So nothing has to be written before the first
 * attempt, and a crash (kill -9) between the state change and the delivery loses nothing: the next
 * time this status passes a {@link StatusListener} — the informer's list at start and every
 * resync, a redelivered event finding the job finished — the delivery is due again. Each attempt's
 * outcome is recorded in the status's {@code notifications} (attempts, last error, delivered at),
 * and a failed one is tried again with backoff until {@code watcher.notify.give-up-after} from its
 * first attempt. A {@code running} message still retrying when the job ends gives way to the final
 * one. A state older than {@code give-up-after} is not announced for the first time (a watcher
 * started long after).
 *
 * <p>Never on the pipeline's threads: a listener call only queues the status (a bounded queue; a
 * status dropped when it is full comes back with the next reconcile); one planning thread reads the
 * job's manifest (cached per job: a job's manifest never changes) and hands attempts to {@code
 * senders} threads, each attempt bounded by the connect and read timeouts.
 */
public final class Notifier implements StatusListener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);

  /** The {@code notify} targets of job {@code jobId}; empty when the folder's manifest is another job's now. */
  @FunctionalInterface
  public interface Targets {
    List<NotifyTarget> of(String bucket, String folder, String jobId) throws TransientFailureException;
  }

  private final StatusWriter writer;
  private final Targets targets;
  private final WebhookDeliverer http;
  private final MailSender mail;
  private final MessageBodies bodies;
  private final BackoffCalculator backoff;
  private final Duration giveUpAfter;
  private final Clock clock;
  private final String statusFile;
  private final @Nullable String dashboardUrl;
  private final int maxPending;
  private final ThreadPoolExecutor planner;
  private final ScheduledExecutorService senders;
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
  private final Cache<String, List<NotifyTarget>> known =
      Caffeine.newBuilder().maximumSize(10_000).expireAfterAccess(Duration.ofHours(6)).build();

  public Notifier(StatusWriter writer, Targets targets, WebhookDeliverer http, MailSender mail, MessageBodies bodies,
      BackoffCalculator backoff, Duration giveUpAfter, int senders, int maxPending, Clock clock, String statusFile,
      @Nullable String dashboardUrl) {
    this.writer = writer;
    this.targets = targets;
    this.http = http;
    this.mail = mail;
    this.bodies = bodies;
    this.backoff = backoff;
    this.giveUpAfter = giveUpAfter;
    this.clock = clock;
    this.statusFile = statusFile;
    this.dashboardUrl = dashboardUrl;
    this.maxPending = maxPending;
    this.planner = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(maxPending),
        daemon("notify-plan"), (r, pool) -> LOG.warn("notifications: {} statuses queued already; this one waits for"
            + " the next reconcile", maxPending));
    this.senders = Executors.newScheduledThreadPool(senders, daemon("notify-send"));
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public void written(String bucket, String folder, JobStatus status) {
    consider(bucket, folder, status);
  }

  @Override
  public void upToDate(String bucket, String folder, JobStatus status) {
    consider(bucket, folder, status);
  }

  private void consider(String bucket, String folder, JobStatus status) {
    boolean retrying = status.notifications() != null
        && status.notifications().stream().anyMatch(d -> !d.settled());
    if (status.state() != JobState.RUNNING && !status.state().isFinal() && !retrying) {
      return;
    }
    try {
      planner.execute(() -> plan(bucket, folder, status));
    } catch (RejectedExecutionException e) {
      LOG.debug("notifications: planner stopped");
    }
  }

  private void plan(String bucket, String folder, JobStatus status) {
    List<NotifyTarget> wanted;
    String job = bucket + "/" + folder + "/" + status.jobId();
    try {
      wanted = known.getIfPresent(job);
      if (wanted == null) {
        wanted = targets.of(bucket, folder, status.jobId());
        known.put(job, wanted);
      }
    } catch (TransientFailureException e) {
      LOG.info("notifications of s3://{}/{}: manifest not read ({}); tried at the next reconcile", bucket, folder,
          e.getMessage());
      return;
    } catch (RuntimeException e) {
      LOG.warn("notifications of s3://{}/{}: manifest not read", bucket, folder, e);
      return;
    }
    String state = status.state().wireName();
    for (int i = 0; i < wanted.size(); i++) {
      NotifyTarget target = wanted.get(i);
      String label = target.label(i);
      List<String> events = new ArrayList<>();
      if (target.wants(state)) {
        events.add(state);
      }
      if (status.notifications() != null) {
        for (Delivery d : status.notifications()) {
          boolean current = d.event().equals(state) || JobState.fromWire(d.event()).isFinal();
          if (d.target().equals(label) && !d.settled() && current && !events.contains(d.event())) {
            events.add(d.event());
          }
        }
      }
      for (String event : events) {
        Optional<Delivery> recorded = status.delivery(label, event);
        if (recorded.isPresent() && recorded.get().settled()) {
          continue;
        }
        if (recorded.isEmpty() && stale(status)) {
          LOG.debug("notifications of s3://{}/{}: {} is older than give-up-after; not announced", bucket, folder, state);
          continue;
        }
        String key = job + "/" + label + "/" + event;
        if (inFlight.size() >= maxPending || !inFlight.add(key)) {
          continue; // in flight already, or too many: the next reconcile offers it again
        }
        JobMessage message = new JobMessage(JobMessage.idOf(status.jobId(), event), bucket, folder, status,
            dashboardUrl, statusFile);
        senders.execute(() -> attempt(key, target, label, event, message, recorded.orElse(null)));
      }
    }
  }

  private boolean stale(JobStatus status) {
    Instant since = status.finishedAt() != null ? status.finishedAt() : status.updatedAt();
    return since.plus(giveUpAfter).isBefore(clock.instant());
  }

  private void attempt(String key, NotifyTarget target, String label, String event, JobMessage message,
      @Nullable Delivery prior) {
    Delivery delivery;
    try {
      WebhookDeliverer.Attempt outcome = switch (target.kind()) {
        case NotifyTarget.WEBHOOK -> http.post(target.url(), bodies.webhook(message, clock.instant()), message.id());
        case NotifyTarget.SLACK -> http.post(target.url(), bodies.slack(message), message.id());
        default -> mail.send(message, target.to());
      };
      Instant now = clock.instant();
      Instant first = prior == null ? now : prior.firstAttemptAt();
      int attempts = prior == null ? 1 : prior.attempts() + 1;
      String result = outcome.delivered() ? Delivery.DELIVERED
          : !outcome.retryable() || !now.isBefore(first.plus(giveUpAfter)) ? Delivery.FAILED
          : Delivery.RETRYING;
      delivery = new Delivery(label, event, message.id(), result, attempts, first, now,
          outcome.delivered() ? now : null, outcome.delivered() ? null : outcome.detail());
      String where = target.url() == null ? label : WebhookTargets.redacted(target.url());
      if (outcome.delivered()) {
        LOG.info("notification {} of s3://{}/{} delivered to {} (attempt {})", event, message.bucket(), message.folder(),
            where, attempts);
      } else {
        LOG.warn("notification {} of s3://{}/{} to {} failed (attempt {}, {}): {}", event, message.bucket(),
            message.folder(), where, attempts, result, outcome.detail());
      }
    } catch (RuntimeException e) {
      LOG.error("notification {} of s3://{}/{} could not be attempted", event, message.bucket(), message.folder(), e);
      inFlight.remove(key);
      return;
    }
    record(message, delivery);
    if (Delivery.RETRYING.equals(delivery.outcome())) {
      long delay = backoff.delayAfter(delivery.attempts()).toMillis();
      try {
        senders.schedule(() -> attempt(key, target, label, event, message, delivery), delay, TimeUnit.MILLISECONDS);
        return;
      } catch (RejectedExecutionException e) {
        LOG.debug("notifications: senders stopped");
      }
    }
    inFlight.remove(key);
  }

  private void record(JobMessage message, Delivery delivery) {
    try {
      writer.advance(message.bucket(), message.folder(), message.status().jobId(), s -> s.withDelivery(delivery));
    } catch (TransientFailureException e) {
      // At least once: an unrecorded delivery is made again at the next reconcile.
      LOG.info("notification {} of s3://{}/{}: outcome not recorded ({})", delivery.event(), message.bucket(),
          message.folder(), e.getMessage());
    }
  }

  /** Deliveries queued or in flight now (for tests and the bench). */
  public int pending() {
    return inFlight.size() + planner.getQueue().size();
  }

  @Override
  public void close() {
    planner.shutdownNow();
    senders.shutdownNow();
  }
}
