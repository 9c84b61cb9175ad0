package org.odmwatcher.dashboard;

import io.micronaut.context.annotation.Requires;
import io.micronaut.context.env.Environment;
import io.micronaut.core.type.Argument;
import io.micronaut.runtime.event.annotation.EventListener;
import io.micronaut.runtime.server.event.ServerStartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.odmwatcher.config.DashboardConfig;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.StatusIndex;
import org.odmwatcher.status.StatusListener;
import org.odmwatcher.status.StatusWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the dashboard's work when the HTTP server starts (so commands without a server, such as
 * the Workflow's {@code job-finished}, never list a bucket): hooks the index to every status
 * write, seeds it from each bucket's summary object (the list is complete then) and from one
 * listing per bucket (which checks it), then writes summaries every {@code summary-interval} and
 * repeats the listing every {@code resync}. The seed runs on the timer's thread, so no summary is
 * written while the first check runs: a summary written then would vouch for rows not yet checked.
 */
@Singleton
@Requires(property = DashboardConfig.PREFIX + ".enabled", notEquals = "false")
public class DashboardRuntime {
  private static final Logger LOG = LoggerFactory.getLogger(DashboardRuntime.class);

  private final StatusIndex index;
  private final StatusWriter writer;
  private final IndexSeeder seeder;
  private final SummaryPublisher summaries;
  private final ImagePositions positions;
  private final DashboardConfig config;
  private final Environment environment;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean firstSeedDone = new AtomicBoolean();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "dashboard");
        t.setDaemon(true);
        return t;
      });

  public DashboardRuntime(
      StatusIndex index, StatusWriter writer, IndexSeeder seeder, SummaryPublisher summaries,
      ImagePositions positions, DashboardConfig config, Environment environment) {
    this.positions = positions;
    this.index = index;
    this.writer = writer;
    this.seeder = seeder;
    this.summaries = summaries;
    this.config = config;
    this.environment = environment;
  }

  @EventListener
  void onStartup(ServerStartupEvent event) {
    start();
  }

  /** Hooks the index to status writes and schedules seeding and summaries (once). */
  public void start() {
    if (started.getAndSet(true)) {
      return;
    }
    writer.addListener(index);
    writer.addListener(summaries);
    writer.addListener(positions); // reads image headers on its own pool, never on the writer's thread
    // A status another process wrote first (the exit handler's final state, which the informer
    // then finds already recorded) reaches the list now rather than at the next resync.
    writer.addListener(new StatusListener() {
      @Override
      public void written(String bucket, String folder, JobStatus status) {}

      @Override
      public void upToDate(String bucket, String folder, JobStatus status) {
        if (index.put(bucket, folder, status)) {
          summaries.touch(bucket);
        }
      }
    });
    if (config.buckets().isEmpty() && environment.getProperty("watcher.sqs.enabled", Boolean.class, false)) {
      LOG.warn("dashboard: the SQS queue names no bucket and watcher.dashboard.buckets is empty, so the list"
          + " shows only jobs seen since this start; set watcher.dashboard.buckets to the queue's buckets");
    }
    if (config.publishSite()) {
      timer.execute(this::publishSites);
    }
    timer.scheduleWithFixedDelay(this::seedAll, 0, config.resync().toMillis(), TimeUnit.MILLISECONDS);
    long every = config.summaryInterval().toMillis();
    timer.scheduleWithFixedDelay(this::publishSummaries, every, every, TimeUnit.MILLISECONDS);
  }

  /**
   * A folder's row with its whole status: for a row that came from the summary object, its
   * {@code status.json} read now.
   */
  public java.util.Optional<StatusIndex.Row> row(String bucket, String folder) throws TransientFailureException {
    return index.isPartial(bucket, folder) ? seeder.refresh(bucket, folder) : index.get(bucket, folder);
  }

  /** Whether a listing of every bucket has checked the list (see {@link IndexSeeder.Progress}). */
  public boolean seeded() {
    return seeder.progress().checked();
  }

  /** How far the list is (see {@link IndexSeeder.Progress}). */
  public IndexSeeder.Progress progress() {
    return seeder.progress();
  }

  /**
   * The buckets listed to seed the index: configured, swept, the MinIO webhook's, the API's, and
   * any seen since. An SQS queue names no bucket, so SQS deployments list theirs in {@code
   * watcher.dashboard.buckets}.
   */
  Set<String> buckets() {
    Set<String> buckets = new LinkedHashSet<>(config.buckets());
    if (environment.getProperty("watcher.sweep.enabled", Boolean.class, false)) {
      buckets.addAll(environment.getProperty("watcher.sweep.buckets", Argument.listOf(String.class)).orElse(List.of()));
    }
    if (environment.getProperty("watcher.minio.enabled", Boolean.class, false)) {
      buckets.addAll(environment.getProperty("watcher.minio.buckets", Argument.listOf(String.class)).orElse(List.of()));
    }
    if (environment.getProperty("watcher.api.enabled", Boolean.class, false)) {
      environment.getProperty("watcher.api.bucket", String.class).ifPresent(buckets::add);
    }
    buckets.addAll(index.buckets());
    return buckets;
  }

  private void seedAll() {
    seeder.seedAll(buckets(), new IndexSeeder.Seeded() {
      @Override
      public void seeded(String bucket, int read, long millis) {
        summaries.touch(bucket);
        LOG.info("dashboard index: s3://{} listed, {} statuses read in {} ms", bucket, read, millis);
      }

      @Override
      public void failed(String bucket, Exception e) {
        if (timer.isShutdown()) {
          return; // the watcher is stopping and interrupted the listing: nothing to try again
        }
        LOG.warn("dashboard index: cannot list s3://{} ({}); trying again in {}", bucket, e.getMessage(), config.resync());
      }
    });
    if (!firstSeedDone.getAndSet(true)) {
      // The first seed is the heap's peak (the summary object, every row read once). Serial GC
      // returns heap to the system only at a full collection (by -XX:MaxHeapFreeRatio, the image's
      // options), and an idle watcher may never have another: one now gives the peak back.
      System.gc();
    }
  }

  private void publishSummaries() {
    try {
      summaries.publish();
    } catch (TransientFailureException | RuntimeException e) {
      LOG.warn("dashboard summary not written: {}", e.getMessage());
    }
  }

  private void publishSites() {
    for (String bucket : buckets()) {
      try {
        summaries.publishSite(bucket);
        LOG.info("dashboard page published to s3://{}/{}index.html", bucket, config.sitePrefix());
      } catch (TransientFailureException | RuntimeException e) {
        LOG.warn("dashboard page not published to s3://{}: {}", bucket, e.getMessage());
      }
    }
  }

  @PreDestroy
  void stop() {
    timer.shutdownNow();
  }
}
