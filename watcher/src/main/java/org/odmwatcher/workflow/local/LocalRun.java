package org.odmwatcher.workflow.local;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.odmwatcher.config.LocalConfig;
import org.odmwatcher.config.WorkspaceConfig;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.manifest.FolderImages;
import org.odmwatcher.manifest.OutputRule;
import org.odmwatcher.status.JobState;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.StatusWriter;
import org.odmwatcher.workflow.JobId;
import org.odmwatcher.storage.BucketStore;
import org.odmwatcher.workflow.JobSpec;
import org.odmwatcher.workflow.OdmStages;
import org.odmwatcher.workflow.ResumeHint;
import org.odmwatcher.workflow.StacItemWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job on this machine, the same three stages as the WorkflowTemplate: download the folder into
 * {@code <work>/<jobId>/project/images}, run ODM (progress parsed from its console as it streams),
 * upload the wanted outputs and {@code odm.log} under the results prefix. While it runs it checks that
 * {@code odm.json} is still there and unchanged; if not, it stops ODM and records {@code canceled}.
 * A failed job's work folder is kept ({@code watcher.workspace.keep-failed}; a succeeded one's with
 * {@code keep-succeeded}) and {@code status.json}'s {@code workspace} says until when and which
 * {@code odm.json} resumes it; a resumed job runs ODM in that folder with {@code --rerun-from} and
 * copies only the images it does not have.
 */
final class LocalRun implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalRun.class);
  private static final com.fasterxml.jackson.databind.ObjectMapper CANCEL_READER =
      new com.fasterxml.jackson.databind.ObjectMapper();

  private final JobSpec spec;
  private final List<String> odmOptions;
  private final LocalConfig config;
  private final OdmCommand command;
  private final BucketStore store;
  private final StatusWriter statusWriter;
  private final String manifestName;
  private final long maxManifestBytes;
  private final Path jobDir;
  private final ScheduledExecutorService ticker;
  private final Clock clock;
  private final Runnable onDone;
  private final WorkspaceConfig workspaces;
  private final KeptFolders kept;
  private final Failure failure;

  /** For tests: the test engine fails in {@code stage} with {@code exitCode} ({@link LocalJobSubmitter#failNextRun}). */
  record Failure(int exitCode, String stage) {}

  private volatile String odmStage;
  private int imagesThere;
  private int imagesCopied;

  private volatile Process process;
  private volatile String cancelReason;
  private volatile boolean shutdown;
  private Instant lastWrite = Instant.EPOCH;

  LocalRun(JobSpec spec, List<String> odmOptions, LocalConfig config, OdmCommand command, BucketStore store,
      StatusWriter statusWriter, String manifestName, long maxManifestBytes, Path workRoot,
      ScheduledExecutorService ticker, Clock clock, Runnable onDone, WorkspaceConfig workspaces, KeptFolders kept,
      Failure failure) {
    this.spec = spec;
    this.odmOptions = List.copyOf(odmOptions);
    this.config = config;
    this.command = command;
    this.store = store;
    this.statusWriter = statusWriter;
    this.manifestName = manifestName;
    this.maxManifestBytes = maxManifestBytes;
    // A resumed job works in the kept folder of the run it continues (its name is a job id: KeptFolders).
    this.jobDir = spec.resume() == null ? workRoot.resolve(spec.jobId().value())
        : kept.folder(spec.resume().workspace()).orElse(workRoot.resolve(spec.jobId().value()));
    this.ticker = ticker;
    this.clock = clock;
    this.onDone = onDone;
    this.workspaces = workspaces;
    this.kept = kept;
    this.failure = failure;
  }

  String jobId() {
    return spec.jobId().value();
  }

  /** Stops the job: ODM is killed, the state becomes {@code canceled} with {@code reason}. */
  void cancel(String reason) {
    if (cancelReason == null) {
      cancelReason = reason;
    }
    stopProcess();
  }

  /** Stops ODM without recording anything: the next start finds the job unfinished and runs it again. */
  void abandon() {
    shutdown = true;
    stopProcess();
  }

  /** The ODM process, while it runs (for tests and diagnostics). */
  /** The most of ODM's log {@link #console()} reads: its last 8 MiB, as the API's read of odm.log. */
  static final int MAX_CONSOLE_BYTES = 8 << 20;

  /**
   * ODM's console so far: the log file this run writes its output to, line by line (the last
   * {@link #MAX_CONSOLE_BYTES} of it); empty before ODM starts and once the run has cleaned up.
   */
  Optional<List<String>> console() {
    Path log = jobDir.resolve("odm.log");
    try (SeekableByteChannel in = Files.newByteChannel(log)) {
      long size = in.size();
      long from = Math.max(0, size - MAX_CONSOLE_BYTES);
      in.position(from);
      ByteBuffer bytes = ByteBuffer.allocate((int) (size - from));
      while (bytes.hasRemaining() && in.read(bytes) > 0) {
        // read what the file held when opened; ODM may write more meanwhile
      }
      List<String> lines = new ArrayList<>(List.of(new String(bytes.array(), 0, bytes.position(), StandardCharsets.UTF_8)
          .split("\r?\n", -1)));
      if (from > 0 && !lines.isEmpty()) {
        lines.remove(0); // a line cut by the limit
      }
      if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
        lines.remove(lines.size() - 1); // the newline that ends the last line, or a line ODM is writing
      }
      return Optional.of(lines);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      LOG.debug("cannot read {}: {}", log, e.toString());
      return Optional.empty();
    }
  }

  Optional<ProcessHandle> processHandle() {
    Process p = process;
    return p == null ? Optional.empty() : Optional.of(p.toHandle());
  }

  private void stopProcess() {
    Process p = process;
    if (p == null) {
      return;
    }
    command.stop(jobId()).ifPresent(this::runQuietly);
    p.descendants().forEach(ProcessHandle::destroy);
    p.destroy();
    ticker.schedule(() -> {
      if (p.isAlive()) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
    }, 10, TimeUnit.SECONDS);
  }

  @Override
  public void run() {
    ScheduledFuture<?> watch = null;
    try {
      String problem = manifestProblem();
      if (problem != null) {
        cancel(problem);
      }
      if (cancelReason != null) {
        finish(JobState.CANCELED, cancelReason, null, null);
        return;
      }
      JobStatus starting =
          JobStatus.of(jobId(), spec.manifestETag(), spec.manifest().name(), JobState.RUNNING,
                  "downloading images", clock.instant())
              .withImages(spec.images().size(), spec.manifest().expectedImages())
              .withWorkflow(new JobStatus.WorkflowRef("local", spec.jobId().workflowName()), config.engineName())
              .withProgress(OdmStages.DOWNLOAD, OdmStages.DOWNLOAD_PERCENT)
              .withWorkspace(startingWorkspace());
      if (statusWriter.begin(spec.bucket(), spec.folder(), starting).isEmpty()) {
        LOG.info("job {} is already finished; not running it again", jobId());
        return;
      }
      watch = ticker.scheduleWithFixedDelay(this::checkManifest,
          config.manifestCheck().toMillis(), config.manifestCheck().toMillis(), TimeUnit.MILLISECONDS);
      Path project = jobDir.resolve(OdmCommand.PROJECT);
      if (!resumes()) {
        deleteTree(jobDir);
      }
      Files.createDirectories(project.resolve("images"));
      download(project);
      if (cancelReason != null || shutdown) {
        finish(JobState.CANCELED, cancelReason, null, null);
        return;
      }
      Path log = jobDir.resolve("odm.log");
      Deque<String> tail = new ArrayDeque<>();
      int exit = runOdm(log, tail);
      if (shutdown) {
        return;
      }
      uploadQuietly(log, spec.resultsPrefix() + "odm.log");
      if (cancelReason != null) {
        finish(JobState.CANCELED, cancelReason, null, null);
      } else if (exit != 0) {
        String message = OdmExitCode.describe(exit, config.engine());
        finish(JobState.FAILED, message, null, List.copyOf(tail), keep(true, exit == 137));
      } else {
        progress(OdmStages.UPLOAD, OdmStages.UPLOAD_PERCENT, "uploading results", true);
        uploadResults(project);
        new StacItemWriter(store, new com.fasterxml.jackson.databind.ObjectMapper()).writeForSucceededJob(spec.bucket(),
            spec.folder(), spec.resultsPrefix(), jobId(), statusWriter.read(spec.bucket(), spec.folder()), clock.instant());
        List<String> outputs = store.listAll(spec.bucket(), spec.resultsPrefix()).stream()
            .map(e -> e.key().substring(spec.folder().length())).toList();
        String done = "test".equals(config.engine())
            ? "TEST ENGINE finished: test outputs (TEST DATA), not real processing" : "processing finished";
        finish(JobState.SUCCEEDED, done, outputs, null, keep(false, false));
      }
    } catch (MissingEngineException e) {
      finish(JobState.FAILED, e.getMessage(), null, List.of(e.getMessage()), keep(true, false));
    } catch (TransientFailureException | IOException | RuntimeException e) {
      if (!shutdown) {
        LOG.warn("job {} failed: {}", jobId(), e.toString());
        finish(JobState.FAILED, "the local executor failed: " + e.getMessage(), null, null, keep(true, false));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (watch != null) {
        watch.cancel(false);
      }
      if (!shutdown && !keptFolder) {
        try {
          deleteTree(jobDir);
        } catch (IOException e) {
          LOG.debug("cannot clean {}: {}", jobDir, e.toString());
        }
      }
      onDone.run();
    }
  }

  private String manifestProblem() {
    try {
      Optional<BucketStore.Blob> manifest = store.get(spec.bucket(), spec.folder() + manifestName, maxManifestBytes);
      if (manifest.isEmpty()) {
        return manifestName + " was deleted";
      }
      // Another upload of the manifest (edited, or the same bytes again) is another job.
      if (!JobId.derive(spec.bucket(), spec.folder(), manifest.get().version()).equals(spec.jobId())) {
        return asksToCancel(manifest.get().bytes())
            ? "canceled by " + manifestName
            : "superseded: " + manifestName + " was replaced by a newer version";
      }
      return null;
    } catch (TransientFailureException e) {
      return null; // cannot tell now; the next check will
    }
  }

  private static boolean asksToCancel(byte[] manifest) {
    try {
      return CANCEL_READER.readTree(manifest).path("cancel").asBoolean(false);
    } catch (IOException e) {
      return false; // a broken manifest: the pipeline records it as invalid
    }
  }

  private void checkManifest() {
    String problem = manifestProblem();
    if (problem != null) {
      LOG.info("job {}: {}; stopping it", jobId(), problem);
      cancel(problem);
    }
  }

  private void download(Path project) throws TransientFailureException, IOException {
    BucketStore.FolderContents contents = store.listFolder(spec.bucket(), spec.folder());
    java.util.Map<String, Long> sizes = new java.util.HashMap<>();
    contents.files().forEach(e -> sizes.put(e.key(), e.size()));
    FolderImages folder = FolderImages.of(contents);
    // The masks go with the images: ODM pairs DJI_0001_mask.png with DJI_0001.JPG (stages/dataset.py).
    for (String key : Stream.concat(folder.images().stream(), folder.masks().stream()).toList()) {
      if (cancelReason != null || shutdown) {
        return;
      }
      Path target = project.resolve("images").resolve(fileName(key));
      // A resumed run's folder has the images already: a file of the object's size is not copied
      // again (rclone copy's size check, as the cluster's download step skips them).
      if (resumes() && Files.isRegularFile(target) && Files.size(target) == sizes.getOrDefault(key, -1L)) {
        imagesThere++;
        continue;
      }
      store.download(spec.bucket(), key, target);
      imagesCopied++;
    }
    for (String key : folder.sideFiles()) {
      store.download(spec.bucket(), key, project.resolve(fileName(key)));
    }
  }

  private int runOdm(Path log, Deque<String> tail) throws IOException, InterruptedException {
    List<String> options = new ArrayList<>(odmOptions);
    if (spec.resume() != null && spec.resume().fromStage() != null) {
      // ODM's own restart switch (opendm/config.py --rerun-from; opendm/types.py ODM_Stage.rerun):
      // that stage and every later one run again, the earlier ones find their products and skip.
      options.addAll(List.of("--rerun-from", spec.resume().fromStage()));
    }
    List<String> cmd = command.build(jobDir, jobId(), options);
    ProcessBuilder builder = new ProcessBuilder(cmd).directory(jobDir.toFile()).redirectErrorStream(true);
    builder.environment().put(TestOdmEngine.PACE_ENV, Long.toString(config.testPace().toMillis()));
    // The test engine's failure knobs come from a test's failNextRun only, never from this process's environment.
    builder.environment().remove(TestOdmEngine.EXIT_ENV);
    builder.environment().remove(TestOdmEngine.EXIT_STAGE_ENV);
    if (failure != null) {
      builder.environment().put(TestOdmEngine.EXIT_ENV, Integer.toString(failure.exitCode()));
      builder.environment().put(TestOdmEngine.EXIT_STAGE_ENV, failure.stage());
    }
    OdmProgress parser = new OdmProgress();
    try (BufferedWriter out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
      line(out, tail, "[odm-watcher] engine: " + config.engineName()
          + ("test".equals(config.engine()) ? " (TEST ENGINE: replays a recorded ODM log, NOT real processing)" : ""));
      line(out, tail, "[odm-watcher] command: " + String.join(" ", cmd));
      if (resumes()) {
        line(out, tail, "[odm-watcher] resuming job " + spec.resume().fromJob() + " in " + jobDir + ": " + imagesThere
            + " images already in the project, " + imagesCopied + " copied");
      }
      try {
        process = builder.start();
      } catch (IOException e) {
        String hint = command.missingHint(cmd.get(0));
        line(out, tail, "[odm-watcher] " + hint);
        throw new MissingEngineException(hint);
      }
      if (cancelReason != null || shutdown) {
        stopProcess();
      }
      progress("dataset", OdmStages.STAGES.get("dataset"),
          "docker".equals(config.engine()) || "podman".equals(config.engine())
              ? "starting ODM (the first run downloads the ODM image, several GB)" : "starting ODM", true);
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String text;
        while ((text = in.readLine()) != null) {
          line(out, tail, text);
          java.util.regex.Matcher running = RUNNING.matcher(text);
          if (running.find() && OdmStages.STAGES.containsKey(running.group(1))) {
            odmStage = running.group(1);
          }
          Optional<OdmStages.Position> moved = parser.accept(text);
          if (moved.isPresent()) {
            progress(moved.get().stage(), moved.get().percent(), "running ODM: " + moved.get().stage(), false);
          } else {
            flushIfDue();
          }
        }
      } catch (IOException e) {
        if (cancelReason == null && !shutdown) {
          throw e;
        }
        // stopping the process closes its output under the reader: expected on cancel
      }
      int exit = process.waitFor();
      line(out, tail, "[odm-watcher] ODM exited with code " + exit);
      return exit;
    }
  }

  private void line(BufferedWriter out, Deque<String> tail, String text) throws IOException {
    out.write(text);
    out.newLine();
    out.flush();
    tail.addLast(text);
    while (tail.size() > config.logTailLines()) {
      tail.removeFirst();
    }
  }

  private static final java.util.regex.Pattern RUNNING = java.util.regex.Pattern.compile("Running ([a-z_]+) stage");

  /** Whether this job continues a failed run in its kept folder. */
  private boolean resumes() {
    return spec.resume() != null && !jobDir.equals(workRoot().resolve(jobId()));
  }

  private Path workRoot() {
    return jobDir.getParent();
  }

  private boolean keptFolder;

  /**
   * What status.json says of the workspace when the job starts: the kept folder it continues, or
   * that a resume found none (the words of the pipeline's ManifestHandler, whose record of the
   * submitted job {@code begin} replaces).
   */
  private JobStatus.Workspace startingWorkspace() {
    if (spec.resume() != null) {
      JobSpec.Resumption r = spec.resume();
      return new JobStatus.Workspace(r.workspace(), OdmCommand.PROJECT, null, r.fromJob(), r.fromStage(), null,
          "resumes job " + r.fromJob() + " in its kept work folder " + jobDir
              + (r.fromStage() == null ? " where it stopped" : " from ODM's " + r.fromStage() + " stage"));
    }
    if (spec.manifest().resume() != null) {
      return new JobStatus.Workspace(null, null, null, null, null, null,
          "no kept workspace of an earlier failed run of this folder (none, expired or removed): this run starts from"
              + " the beginning");
    }
    return null;
  }

  /**
   * Keeps the work folder when the settings say so for this outcome (never a split-merge submodel's:
   * its parent's ODM sends it again), and returns what status.json says of it; null when it goes.
   */
  private JobStatus.Workspace keep(boolean failed, boolean outOfMemory) {
    java.time.Duration keep = failed ? workspaces.keepFailed() : workspaces.keepSucceeded();
    if (keep.isZero() || keep.isNegative() || spec.manifest().parentJob() != null || shutdown
        || !Files.isDirectory(jobDir.resolve(OdmCommand.PROJECT))) {
      return null;
    }
    Instant until = clock.instant().plus(keep);
    String name = jobDir.getFileName().toString();
    try {
      kept.keep(name, spec.bucket(), spec.folder(), jobId(), until);
    } catch (IOException | RuntimeException e) {
      LOG.warn("job {}: cannot keep its work folder {} ({}); it is removed", jobId(), jobDir, e.toString());
      return null;
    }
    keptFolder = true;
    String resumedFrom = spec.resume() == null ? null : spec.resume().fromJob();
    String note = "work folder " + jobDir + " kept until " + until;
    if (!failed) {
      return new JobStatus.Workspace(name, OdmCommand.PROJECT, until, resumedFrom, null, null, note);
    }
    String stage = odmStage;
    byte[] manifest = null;
    try {
      manifest = store.get(spec.bucket(), spec.folder() + manifestName, maxManifestBytes)
          .filter(b -> spec.manifestETag() == null || spec.manifestETag().equals(b.eTag()))
          .map(BucketStore.Blob::bytes).orElse(null);
    } catch (TransientFailureException e) {
      LOG.info("job {}: cannot read {} for its resume hint ({}); the hint has the resume fields only", jobId(),
          manifestName, e.getMessage());
    }
    String resumeWith = ResumeHint.manifest(manifest, stage, null);
    note += "; to resume" + (stage == null ? "" : " from " + stage) + ", upload this " + manifestName + ": " + resumeWith;
    if (outOfMemory) {
      note += " (ODM ran out of memory: give it more first, watcher.local.memory or the container runtime's"
          + " settings)";
    }
    return new JobStatus.Workspace(name, OdmCommand.PROJECT, until, resumedFrom, stage, resumeWith, note);
  }

  private String pendingStage;
  private int pendingPercent;
  private String pendingMessage;

  /** Records progress, at most once per {@code status-interval} unless forced. */
  private void progress(String stage, int percent, String message, boolean force) {
    pendingStage = stage;
    pendingPercent = percent;
    pendingMessage = message;
    if (force || due()) {
      flush();
    }
  }

  private void flushIfDue() {
    if (pendingStage != null && due()) {
      flush();
    }
  }

  private boolean due() {
    return !clock.instant().isBefore(lastWrite.plus(config.statusInterval()));
  }

  private void flush() {
    String stage = pendingStage;
    int percent = pendingPercent;
    String message = pendingMessage;
    pendingStage = null;
    lastWrite = clock.instant();
    write(s -> s.moveTo(JobState.RUNNING, message, clock.instant()).withProgress(stage, percent));
  }

  /**
   * Uploads what the job wants, as the Workflow's upload filter selects it: the manifest's outputs
   * and result paths ({@link OutputRule#uploaded}), nothing else of the project.
   */
  private void uploadResults(Path project) throws TransientFailureException, IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(project)) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    }
    for (Path file : files) {
      String relative = project.relativize(file).toString().replace('\\', '/');
      if (OutputRule.uploaded(relative, spec.manifest().outputs(), spec.manifest().resultPaths())) {
        store.upload(spec.bucket(), spec.resultsPrefix() + relative, file, contentType(relative));
      }
    }
  }

  private void uploadQuietly(Path file, String key) {
    try {
      if (Files.exists(file)) {
        store.upload(spec.bucket(), key, file, "text/plain; charset=utf-8");
      }
    } catch (TransientFailureException e) {
      LOG.warn("cannot upload {}: {}", key, e.getMessage());
    }
  }

  private void finish(JobState state, String message, List<String> outputs, List<String> logTail) {
    finish(state, message, outputs, logTail, null);
  }

  private void finish(JobState state, String message, List<String> outputs, List<String> logTail,
      JobStatus.Workspace workspace) {
    if (shutdown) {
      return;
    }
    LOG.info("job {} (s3://{}/{}) {}: {}", jobId(), spec.bucket(), spec.folder(), state.wireName(), message);
    write(s -> {
      JobStatus next = s.moveTo(state, message, clock.instant());
      if (outputs != null) {
        next = next.withOutputs(outputs);
      }
      if (logTail != null) {
        next = next.withLogTail(logTail);
      }
      if (s.engine() == null) {
        next = next.withWorkflow(new JobStatus.WorkflowRef("local", spec.jobId().workflowName()), config.engineName());
      }
      if (workspace != null) {
        next = next.withWorkspace(workspace);
      }
      return next;
    });
  }

  private void write(UnaryOperator<JobStatus> change) {
    try {
      statusWriter.advance(spec.bucket(), spec.folder(), jobId(), change);
    } catch (TransientFailureException e) {
      LOG.warn("job {}: cannot write status.json ({}); continuing", jobId(), e.getMessage());
    }
  }

  private void runQuietly(List<String> cmd) {
    try {
      Process stop = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      stop.waitFor(30, TimeUnit.SECONDS);
    } catch (IOException e) {
      LOG.debug("{} failed: {}", cmd, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String contentType(String name) {
    String lower = name.toLowerCase(java.util.Locale.ROOT);
    if (lower.endsWith(".tif") || lower.endsWith(".tiff")) {
      return "image/tiff";
    }
    if (lower.endsWith(".json")) {
      return "application/json";
    }
    if (lower.endsWith(".pdf")) {
      return "application/pdf";
    }
    if (lower.endsWith(".txt") || lower.endsWith(".log")) {
      return "text/plain; charset=utf-8";
    }
    return "application/octet-stream";
  }

  /**
   * The key's last segment as a file name in the job folder: one plain segment only. A backslash or
   * a colon would be a separator or a drive on Windows ({@code ..\\..\\x.jpg}, {@code C:x.jpg}) and
   * leave the job folder, so such a key fails the job with its name rather than being downloaded.
   */
  static String fileName(String key) throws IOException {
    String name = key.substring(key.lastIndexOf('/') + 1);
    if (name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("\\") || name.contains(":")
        || name.chars().anyMatch(Character::isISOControl)) {
      throw new IOException("'" + key + "' cannot be a file name on this machine (one path segment without"
          + " '\\', ':' or control characters); rename it");
    }
    return name;
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** The engine's program does not exist on this machine. */
  static final class MissingEngineException extends IOException {
    MissingEngineException(String message) {
      super(message);
    }
  }
}
