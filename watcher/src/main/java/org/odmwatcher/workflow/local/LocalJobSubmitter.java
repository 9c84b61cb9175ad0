package org.odmwatcher.workflow.local;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.odmwatcher.config.LocalConfig;
import org.odmwatcher.manifest.Engine;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.StatusWriter;
import org.odmwatcher.storage.BucketStore;
import org.odmwatcher.workflow.JobId;
import org.odmwatcher.workflow.JobSpec;
import org.odmwatcher.workflow.JobConsole;
import org.odmwatcher.workflow.JobSubmitter;
import org.odmwatcher.workflow.OdmArguments;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs jobs on this machine instead of Argo, at most {@code watcher.local.concurrency} at a time
 * (the rest queue). A job is started once: a second submit of a job this process knows, or whose
 * {@code status.json} says it finished, reports {@code created=false}. A job whose status says
 * submitted/running but that this process does not know was interrupted by a restart: it runs
 * again. On shutdown running jobs are stopped without recording anything, so the next start
 * runs them again.
 */
public final class LocalJobSubmitter implements JobSubmitter, JobConsole, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalJobSubmitter.class);

  private final LocalConfig config;
  private final OdmCommand command;
  private final OdmArguments odmArguments;
  private final BucketStore store;
  private final StatusWriter statusWriter;
  private final String manifestName;
  private final long maxManifestBytes;
  private final Path workRoot;
  private final Clock clock;
  private final Map<String, LocalRun> runs = new ConcurrentHashMap<>();
  private final ExecutorService pool;
  private final ScheduledExecutorService ticker;

  public LocalJobSubmitter(LocalConfig config, OdmArguments odmArguments, BucketStore store,
      StatusWriter statusWriter, String manifestName, long maxManifestBytes, Clock clock) {
    this.config = config;
    this.command = new OdmCommand(config);
    this.odmArguments = odmArguments;
    this.store = store;
    this.statusWriter = statusWriter;
    this.manifestName = manifestName;
    this.maxManifestBytes = maxManifestBytes;
    this.workRoot = Path.of(config.workDir()).toAbsolutePath();
    this.clock = clock;
    this.pool = Executors.newFixedThreadPool(config.concurrency(), threads("local-job"));
    this.ticker = Executors.newSingleThreadScheduledExecutor(threads("local-ticker"));
  }

  @Override
  public synchronized Submission submit(JobSpec spec) throws TransientFailureException {
    String id = spec.jobId().value();
    JobStatus.WorkflowRef ref = new JobStatus.WorkflowRef("local", spec.jobId().workflowName());
    if (runs.containsKey(id)) {
      return new Submission(false, ref, config.engineName());
    }
    Optional<JobStatus> status = statusWriter.read(spec.bucket(), spec.folder());
    if (status.isPresent() && status.get().jobId().equals(id) && status.get().state().isFinal()) {
      return new Submission(false, ref, config.engineName());
    }
    if (status.isPresent() && status.get().jobId().equals(id) && status.get().engine() != null) {
      LOG.info("job {} (s3://{}/{}) was interrupted ({}); running it again", id, spec.bucket(), spec.folder(),
          status.get().state().wireName());
    }
    // ODM jobs run from the local image (`local --image`); another engine's from its own image.
    OdmCommand jobCommand = Engine.ODM.equals(spec.manifest().engine()) ? command
        : new OdmCommand(config, odmArguments.engines().of(spec.manifest()).image(false));
    LocalRun run = new LocalRun(spec, odmArguments.render(spec.manifest()), config, jobCommand, store, statusWriter,
        manifestName, maxManifestBytes, workRoot, ticker, clock, () -> runs.remove(id));
    runs.put(id, run);
    pool.execute(run);
    LOG.info("job {} (s3://{}/{}) queued on the {} engine", id, spec.bucket(), spec.folder(), config.engine());
    return new Submission(true, ref, config.engineName());
  }

  @Override
  public void cancel(JobId jobId) {
    LocalRun run = runs.get(jobId.value());
    if (run != null) {
      run.cancel("canceled by " + manifestName);
    }
  }

  /**
   * ODM's console of a job this process runs now (its log file, as it grows), so that the NodeODM
   * API's task output shows ODM's lines while it runs, as NodeODM does; empty for any other job.
   */
  @Override
  public Optional<List<String>> lines(JobStatus status) {
    LocalRun run = runs.get(status.jobId());
    return run == null ? Optional.empty() : run.console();
  }

  /** The ODM process of a running job (diagnostics, tests). */
  public Optional<ProcessHandle> process(JobId jobId) {
    LocalRun run = runs.get(jobId.value());
    return run == null ? Optional.empty() : run.processHandle();
  }

  /** Jobs queued or running in this process. */
  public int active() {
    return runs.size();
  }

  @Override
  public void close() {
    runs.values().forEach(LocalRun::abandon);
    pool.shutdownNow();
    try {
      pool.awaitTermination(15, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    ticker.shutdownNow();
  }

  private static ThreadFactory threads(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
