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
import org.odmwatcher.config.WorkspaceConfig;
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
 * runs them again. A failed job's work folder is kept for {@code watcher.workspace.keep-failed}
 * (a succeeded one's for {@code keep-succeeded}) so that a new {@code odm.json} with {@code
 * "resume": true} continues in it ({@link KeptFolders}).
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
  private final WorkspaceConfig workspaces;
  private final KeptFolders kept;
  private final Map<String, LocalRun.Failure> failures = new ConcurrentHashMap<>();

  public LocalJobSubmitter(LocalConfig config, OdmArguments odmArguments, BucketStore store,
      StatusWriter statusWriter, String manifestName, long maxManifestBytes, Clock clock) {
    this(config, odmArguments, store, statusWriter, manifestName, maxManifestBytes, clock, WorkspaceConfig.off());
  }

  public LocalJobSubmitter(LocalConfig config, OdmArguments odmArguments, BucketStore store,
      StatusWriter statusWriter, String manifestName, long maxManifestBytes, Clock clock, WorkspaceConfig workspaces) {
    this.config = config;
    this.workspaces = workspaces;
    this.command = new OdmCommand(config);
    this.odmArguments = odmArguments;
    this.store = store;
    this.statusWriter = statusWriter;
    this.manifestName = manifestName;
    this.maxManifestBytes = maxManifestBytes;
    this.workRoot = Path.of(config.workDir()).toAbsolutePath();
    this.kept = new KeptFolders(workRoot);
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
    // Taken over here, not when the pipeline calls takeOver after the submit: by then a quick run
    // may have failed and kept the folder again, and the sweep must not remove it while queued.
    if (spec.resume() != null && !kept.takeOver(spec.resume().workspace(), spec.bucket(), spec.folder(), id)) {
      LOG.warn("job {} (s3://{}/{}): work folder {} is not kept for this folder; the job runs from the start", id,
          spec.bucket(), spec.folder(), spec.resume().workspace());
      spec = new JobSpec(spec.bucket(), spec.folder(), spec.jobId(), spec.manifestETag(), spec.manifest(), spec.images(),
          spec.resultsPrefix(), spec.imageBytes());
    }
    LocalRun run = new LocalRun(spec, odmArguments.render(spec.manifest()), config, jobCommand, store, statusWriter,
        manifestName, maxManifestBytes, workRoot, ticker, clock, () -> runs.remove(id), workspaces, kept,
        failures.remove(spec.bucket() + "/" + spec.folder()));
    runs.put(id, run);
    pool.execute(run);
    LOG.info("job {} (s3://{}/{}) queued on the {} engine", id, spec.bucket(), spec.folder(), config.engine());
    return new Submission(true, ref, config.engineName());
  }

  /** Whether the work folder {@code volume} is kept at {@code now} (and still holds ODM's project). */
  @Override
  public boolean keeps(String volume, java.time.Instant now) {
    return kept.find(volume, now).isPresent();
  }

  /** Nothing to do: {@link #submit} took the folder over before the run was queued. */
  @Override
  public void takeOver(String volume) {}

  /** Deletes a kept work folder (not one a queued or running job resumes in: it is no longer kept). */
  @Override
  public void release(String volume) {
    kept.release(volume);
  }

  /** The kept work folders, for the sweep ({@code workflow.WorkspaceSweep}). */
  public org.odmwatcher.workflow.KeptWorkspaceStore keptFolders() {
    return kept;
  }

  /**
   * For tests: the next run of {@code bucket}/{@code folder} on the test engine fails in ODM's
   * {@code stage} as a tool of that stage exiting with {@code exitCode} would (137: killed for
   * memory). There is no setting, option or environment variable for it (the run drops the test
   * engine's failure variables from the environment it inherits), so no user can trigger it.
   */
  public void failNextRun(String bucket, String folder, int exitCode, String stage) {
    if (!"test".equals(config.engine())) {
      throw new IllegalStateException("only the test engine fails on request; this one is " + config.engine());
    }
    failures.put(bucket + "/" + folder, new LocalRun.Failure(exitCode, stage));
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
