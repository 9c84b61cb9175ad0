package org.odmwatcher.pipeline;

import io.micronaut.core.annotation.Nullable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.odmwatcher.event.ObjectCreated;
import org.odmwatcher.event.ObjectCreatedHandler;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.event.filter.ObjectFilter;
import org.odmwatcher.manifest.DefaultsMerge;
import org.odmwatcher.manifest.FolderImages;
import org.odmwatcher.manifest.ManifestDefaults;
import org.odmwatcher.manifest.FolderRules;
import org.odmwatcher.manifest.ManifestParser;
import org.odmwatcher.manifest.OdmManifest;
import org.odmwatcher.storage.BucketStore;
import org.odmwatcher.storage.PermanentFailureException;
import org.odmwatcher.status.JobState;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.StatusWriter;
import org.odmwatcher.workflow.JobId;
import org.odmwatcher.workflow.JobRejectedException;
import org.odmwatcher.workflow.JobSpec;
import org.odmwatcher.workflow.ChildWorkflows;
import org.odmwatcher.workflow.JobSubmitter;
import org.odmwatcher.workflow.ResumeHint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipeline, top to bottom, for one object: filter → read the manifest → validate it → list the
 * folder's images → submit the job → record {@code status.json}. Every outcome but a transient
 * failure is final, so the event source may acknowledge; nothing is dropped silently: a broken
 * manifest ends as {@code invalid} with every reason in {@code status.json}.
 */
public final class ManifestHandler implements ObjectCreatedHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ManifestHandler.class);

  private final ObjectFilter ownWrites;
  private final ObjectFilter manifests;
  private final String manifestName;
  private final long maxManifestBytes;
  private final String resultsFolder;
  private final BucketStore store;
  private final ManifestParser parser;
  private final JobSubmitter submitter;
  private final StatusWriter statusWriter;
  private final WaitingFolders waiting;
  private final Clock clock;
  private final int maxImages;
  private final long maxImageBytes;
  private final @Nullable ChildWorkflows children;
  private final ImageWait imageWait;
  private final SubmodelOrigins submodels;
  private final ManifestDefaults defaults;

  /**
   * How long a manifest waits for its images, counted from its upload ({@code Last-Modified}):
   * uploads are not atomic, and a manifest may arrive before the images it names.
   *
   * @param expected with {@code images.expected}: until that many are in the folder
   * @param firstImage without it: until there is at least one image
   */
  public record ImageWait(Duration expected, Duration firstImage) {
    public static final ImageWait DEFAULT = new ImageWait(Duration.ofHours(24), Duration.ofMinutes(10));
  }

  /** The handler with defaults inherited from the bucket ({@link ManifestDefaults}). */
  public ManifestHandler(
      ObjectFilter ownWrites,
      ObjectFilter manifests,
      String manifestName,
      long maxManifestBytes,
      String resultsFolder,
      BucketStore store,
      ManifestParser parser,
      JobSubmitter submitter,
      StatusWriter statusWriter,
      WaitingFolders waiting,
      Clock clock,
      int maxImages,
      long maxImageBytes,
      @Nullable ChildWorkflows children,
      ImageWait imageWait,
      SubmodelOrigins submodels,
      ManifestDefaults defaults) {
    this.defaults = defaults;
    this.imageWait = imageWait;
    this.submodels = submodels;
    this.children = children;
    this.maxImages = maxImages;
    this.maxImageBytes = maxImageBytes;
    this.ownWrites = ownWrites;
    this.manifests = manifests;
    this.manifestName = manifestName;
    this.maxManifestBytes = maxManifestBytes;
    this.resultsFolder = resultsFolder;
    this.store = store;
    this.parser = parser;
    this.submitter = submitter;
    this.statusWriter = statusWriter;
    this.waiting = waiting;
    this.clock = clock;
  }

  @Override
  public Outcome handle(ObjectCreated object) throws TransientFailureException {
    if (!ownWrites.accept(object)) {
      return Outcome.IGNORED;
    }
    boolean manifest = manifests.accept(object);
    if (!manifest && !(FolderImages.isImage(object.key()) && waiting.contains(object.bucket(), object.folder()))) {
      return Outcome.IGNORED; // neither a manifest nor an image a waiting folder expects
    }
    Optional<String> refusal = FolderRules.refusal(object.key());
    if (refusal.isPresent()) {
      // Checked before any read or write: a verdict written beside such a key could land on
      // another folder's status.json.
      LOG.warn("s3://{}/{} refused: {}; nothing read or written", object.bucket(), printable(object.key()), refusal.get());
      return Outcome.REFUSED;
    }
    return handleFolder(object.bucket(), object.folder());
  }

  /** Runs the pipeline for a folder's current manifest (also used by the waiting re-check). */
  public Outcome handleFolder(String bucket, String folder) throws TransientFailureException {
    try {
      return handleFolderOrFail(bucket, folder);
    } catch (PermanentFailureException e) {
      LOG.warn("s3://{}/{} refused: {}", bucket, printable(folder), e.getMessage());
      return Outcome.REFUSED;
    }
  }

  private static String printable(String key) {
    String shown = key.length() > 200 ? key.substring(0, 200) + "…" : key;
    return shown.codePoints()
        .mapToObj(c -> Character.isISOControl(c) ? String.format("\\u%04x", c) : Character.toString(c))
        .collect(java.util.stream.Collectors.joining());
  }

  private Outcome handleFolderOrFail(String bucket, String folder) throws TransientFailureException {
    String manifestKey = folder + manifestName;
    Optional<BucketStore.Blob> blob = store.get(bucket, manifestKey, maxManifestBytes);
    if (blob.isEmpty()) {
      waiting.remove(bucket, folder);
      LOG.info("s3://{}/{} is gone; nothing to do", bucket, manifestKey);
      return Outcome.GONE;
    }
    BucketStore.Blob manifestBlob = blob.get();
    // The job is this upload of the manifest (not its bytes): the same odm.json uploaded again is a
    // new run; the same upload announced again (a redelivery, another source, an old event arriving
    // after a newer upload: the current object is what is read) finds its own job recorded.
    JobId jobId = JobId.derive(bucket, folder, manifestBlob.version());
    Optional<JobStatus> folderStatus = statusWriter.read(bucket, folder);
    Optional<JobStatus> recorded = folderStatus.filter(s -> jobId.value().equals(s.jobId()));
    if (recorded.isPresent() && recorded.get().state().isFinal()) {
      waiting.remove(bucket, folder);
      LOG.debug("s3://{}/{} of this upload ended {} already; nothing to do", bucket, manifestKey, recorded.get().state());
      statusWriter.reconcile(bucket, folder, recorded.get()); // e.g. its notifications, after a crash
      return recorded.get().state() == JobState.INVALID ? Outcome.INVALID : Outcome.ALREADY_SUBMITTED;
    }

    List<String> errors = new ArrayList<>(FolderRules.check(folder));
    ManifestParser.Result parsed = null;
    JobStatus.Defaults inherited = null;
    if (manifestBlob.truncated()) {
      errors.add(manifestName + " is larger than the limit of " + maxManifestBytes + " bytes");
    } else {
      ManifestDefaults.Applied applied = defaults.apply(bucket, folder, manifestKey, manifestBlob);
      inherited = shown(applied);
      parsed = applied.result();
      errors.addAll(parsed.errors());
      if (parsed.valid()) {
        String parent = parsed.manifest().parentJob();
        if (parent != null && !submodels.isTaskOf(bucket, folder, parent)) {
          errors.add("parentJob is set by the NodeODM API for the tasks a split-merge job's ODM creates; this folder is"
              + " no such task of job " + parent + " (remove parentJob to run it as a job of its own)");
        }
      }
    }
    if (!errors.isEmpty()) {
      return invalid(bucket, folder, jobId, manifestBlob.eTag(), errors, inherited);
    }
    OdmManifest manifest = parsed.manifest();
    if (manifest.cancel()) {
      return cancel(bucket, folder);
    }

    FolderImages images = FolderImages.of(store.listFolder(bucket, folder));
    List<String> overLimits = images.overLimits(maxImages, maxImageBytes);
    if (!overLimits.isEmpty()) {
      return invalid(bucket, folder, jobId, manifestBlob.eTag(), overLimits, inherited);
    }
    Integer expected = manifest.expectedImages();
    int found = images.images().size();
    if (found == 0 || expected != null && found < expected) {
      return waitForImages(bucket, folder, jobId, manifestBlob, manifest, found, recorded, folderStatus, inherited);
    }
    if (manifest.parentJob() != null && children != null && !started(recorded)
        && !children.hasRoom(manifest.parentJob())) {
      // A split-merge submodel above the caps waits, whichever way its manifest arrived (the
      // NodeODM API, or a notification of the API's bucket): re-checked with the waiting folders
      // and by the API's poller; ODM's remote.py reads the task as QUEUED meanwhile.
      waiting.add(bucket, folder);
      statusWriter.record(bucket, folder,
          JobStatus.of(jobId.value(), manifestBlob.eTag(), manifest.name(), JobState.WAITING,
                  "waiting for a split-merge slot: job " + manifest.parentJob()
                      + " runs its most submodels at once (watcher.split-merge.max-children-per-job, max-children)",
                  clock.instant())
              .withImages(found, expected)
              .withDefaults(inherited));
      return Outcome.WAITING;
    }
    waiting.remove(bucket, folder);

    JobSpec spec = new JobSpec(bucket, folder, jobId, manifestBlob.eTag(), manifest, images.images(), folder + resultsFolder,
        images.bytes());
    Optional<JobStatus.Workspace> earlier = keptWorkspace(folderStatus, jobId);
    JobStatus.Workspace workspace = null;
    if (manifest.resume() != null) {
      Optional<JobStatus.Workspace> kept = earlier.filter(w -> w.volume() != null);
      // This job took the workspace over already (the same upload handled again: a redelivery).
      boolean takenOver = recorded.isPresent() && kept.isPresent() && kept.get().keptUntil() == null;
      if (kept.isPresent() && (takenOver || submitter.keeps(kept.get().volume(), clock.instant()))) {
        JobStatus.Workspace w = kept.get();
        String from = resumeFrom(manifest, w.failedStage());
        String fromJob = folderStatus.map(JobStatus::jobId).filter(j -> !j.equals(jobId.value())).orElse(w.resumedFrom());
        spec = spec.resuming(new JobSpec.Resumption(w.volume(), w.project() == null ? fromJob : w.project(), fromJob, from,
            hintedMemory(w.resumeWith())));
        workspace = new JobStatus.Workspace(w.volume(), spec.resume().project(), null, fromJob, from, null,
            "resumes job " + fromJob + " in its kept workspace " + w.volume()
                + (from == null ? " where it stopped" : " from ODM's " + from + " stage"));
      } else {
        workspace = new JobStatus.Workspace(null, null, null, null, null, null,
            "no kept workspace of an earlier failed run of this folder (none, expired or removed): this run starts from"
                + " the beginning");
      }
    }
    List<JobStatus.Submodel> reused = spec.resume() == null ? List.of()
        : reusedSubmodels(manifest, spec.resume().fromStage(), folderStatus, jobId);
    JobSubmitter.Submission submission;
    try {
      submission = submitter.submit(spec);
    } catch (JobRejectedException e) {
      if (e.invalid()) {
        return invalid(bucket, folder, jobId, manifestBlob.eTag(), e.invalidReasons(), inherited);
      }
      statusWriter.record(bucket, folder,
          JobStatus.of(jobId.value(), manifestBlob.eTag(), manifest.name(), JobState.FAILED, e.reason(), clock.instant())
              .withImages(found, expected)
              .withDefaults(inherited));
      return Outcome.REJECTED;
    }
    JobStatus submitted = JobStatus.of(jobId.value(), manifestBlob.eTag(), manifest.name(), JobState.SUBMITTED,
            "submitted as " + submission.workflow().namespace() + "/" + submission.workflow().name(), clock.instant())
        .withImages(found, expected)
        .withWorkflow(submission.workflow(), submission.engine())
        .withWorkspace(workspace)
        .withDefaults(inherited);
    for (JobStatus.Submodel submodel : reused) {
      submitted = submitted.withSubmodel(submodel);
    }
    statusWriter.record(bucket, folder, submitted);
    if (spec.resume() != null) {
      submitter.takeOver(spec.resume().workspace());
    } else if (earlier.isPresent() && earlier.get().volume() != null
        && folderStatus.filter(s -> !s.jobId().equals(jobId.value())).isPresent()) {
      submitter.release(earlier.get().volume()); // a newer run that does not resume: the old workspace is not needed
    }
    return submission.created() ? Outcome.SUBMITTED : Outcome.ALREADY_SUBMITTED;
  }

  /**
   * Records the folder as waiting for its images, or, once the wait is over, as invalid with the
   * reason. The wait counts from the manifest's upload (the store's {@code Last-Modified}, so a
   * restart does not extend it; from when this job was first recorded where the store gives none).
   */
  private Outcome waitForImages(String bucket, String folder, JobId jobId, BucketStore.Blob manifestBlob,
      OdmManifest manifest, int found, Optional<JobStatus> recorded, Optional<JobStatus> folderStatus,
      @Nullable JobStatus.Defaults inherited)
      throws TransientFailureException {
    Integer expected = manifest.expectedImages();
    boolean forExpected = expected != null;
    Duration limit = forExpected ? imageWait.expected() : imageWait.firstImage();
    String setting = forExpected ? "watcher.manifest.wait-for-images" : "watcher.manifest.wait-for-first-image";
    Instant since = manifestBlob.lastModified() != null
        ? manifestBlob.lastModified()
        : recorded.map(JobStatus::createdAt).orElse(clock.instant());
    String where = "s3://" + bucket + "/" + folder;
    if (!clock.instant().isBefore(since.plus(limit))) {
      String waited = shown(limit) + " after " + manifestName + " was uploaded (" + setting + ")";
      String reason = found == 0
          ? "no images in " + where + " " + waited + "; looked for " + FolderImages.describeExtensions()
              + ", directly in the folder"
          : "only " + found + " of the " + expected + " images (images.expected) are in " + where + " "
              + waited + "; upload the rest, or lower images.expected, then upload " + manifestName + " again";
      return invalid(bucket, folder, jobId, manifestBlob.eTag(), List.of(reason), inherited);
    }
    waiting.add(bucket, folder);
    String message = forExpected
        ? "waiting for images: " + found + " of " + expected + " present"
        : "waiting for images: no images yet in " + where + " (waiting up to " + shown(limit) + " after "
            + manifestName + " was uploaded; " + manifestName + " goes last, or set images.expected)";
    // A resume that waits for images keeps the earlier run's kept workspace in view (this status
    // replaces that run's).
    JobStatus.Workspace carried = manifest.resume() == null ? null
        : keptWorkspace(folderStatus, jobId)
            .map(w -> new JobStatus.Workspace(w.volume(), w.project(), w.keptUntil(),
                folderStatus.get().jobId().equals(jobId.value()) ? w.resumedFrom() : folderStatus.get().jobId(),
                w.failedStage(), null, "waiting for images before resuming in " + w.volume()))
            .orElse(null);
    JobStatus waitingStatus =
        JobStatus.of(jobId.value(), manifestBlob.eTag(), manifest.name(), JobState.WAITING, message, clock.instant())
            .withImages(found, expected)
            .withWorkspace(carried)
            .withDefaults(inherited);
    if (carried != null) {
      // ... and the submodels it will keep, so that they are still known once the images are there
      String from = resumeFrom(manifest, carried.failedStage());
      for (JobStatus.Submodel submodel : reusedSubmodels(manifest, from, folderStatus, jobId)) {
        waitingStatus = waitingStatus.withSubmodel(submodel);
      }
    }
    statusWriter.record(bucket, folder, waitingStatus);
    return Outcome.WAITING;
  }

  /** A setting's duration as it is written ({@code 10m}, {@code 24h}, {@code 90s}). */
  private static String shown(Duration duration) {
    long seconds = duration.toSeconds();
    if (seconds > 0 && seconds % 3600 == 0) {
      return seconds / 3600 + "h";
    }
    if (seconds > 0 && seconds % 60 == 0) {
      return seconds / 60 + "m";
    }
    return duration.toMillis() % 1000 == 0 ? seconds + "s" : duration.toMillis() + "ms";
  }

  /** What status.json says of the defaults files a manifest inherited; null when none applies. */
  private static JobStatus.@Nullable Defaults shown(ManifestDefaults.Applied applied) {
    if (applied.files().isEmpty()) {
      return null;
    }
    DefaultsMerge.Merged merged = applied.effective();
    Map<String, JobStatus.FileRef> origins = null;
    if (merged != null) {
      origins = new LinkedHashMap<>();
      for (Map.Entry<String, DefaultsMerge.Origin> e : merged.origins().entrySet()) {
        origins.put(e.getKey(), ref(e.getValue()));
      }
    }
    return new JobStatus.Defaults(applied.files().stream().map(ManifestHandler::ref).toList(),
        merged == null ? null : merged.manifest(), origins);
  }

  private static JobStatus.FileRef ref(DefaultsMerge.Origin origin) {
    return new JobStatus.FileRef(origin.key(), origin.eTag());
  }

  /** Re-checks the folder with the other waiting folders (a no-op when it is among them already). */
  public void recheckLater(String bucket, String folder) {
    waiting.add(bucket, folder);
  }

  /**
   * The workspace a new job of the folder may resume: the one the folder's last (other) job kept,
   * or, for this job while it waited for images, the one it carried along.
   */
  private static Optional<JobStatus.Workspace> keptWorkspace(Optional<JobStatus> folderStatus, JobId jobId) {
    return folderStatus.filter(s -> s.workspace() != null)
        .filter(s -> s.jobId().equals(jobId.value()) ? s.workspace().resumedFrom() != null : s.workspace().keptUntil() != null)
        .map(JobStatus::workspace);
  }

  /**
   * The submodel tasks a resumed split-merge job keeps from the failed run it continues: those that
   * run finished (its status.json says {@code succeeded}; ODM downloaded their results into the
   * kept workspace, and skips them: opendm/remote.py lines 453, 471 and 500), unless ODM reruns its
   * split stage ({@link ResumeHint#rerunsSplit}), which sends every submodel again. Listed in this
   * job's status.json with the run they come from; a redelivery of this job keeps its own list.
   */
  private static List<JobStatus.Submodel> reusedSubmodels(OdmManifest manifest, @Nullable String fromStage,
      Optional<JobStatus> folderStatus, JobId jobId) {
    if (!manifest.splits() || ResumeHint.rerunsSplit(fromStage) || folderStatus.isEmpty()
        || folderStatus.get().submodels() == null) {
      return List.of();
    }
    JobStatus earlier = folderStatus.get();
    if (earlier.jobId().equals(jobId.value())) {
      return earlier.submodels().stream().filter(s -> s.reusedFrom() != null).toList();
    }
    return earlier.submodels().stream().filter(s -> s.state() == JobState.SUCCEEDED)
        .map(s -> new JobStatus.Submodel(s.folder(), s.jobId(), s.state(), s.progress(),
            s.reusedFrom() != null ? s.reusedFrom() : earlier.jobId()))
        .toList();
  }

  /**
   * The stage a resume reruns from: the manifest's {@code rerun-from}, else the failed stage as
   * {@link ResumeHint#rerunFrom} reads it (none for a split job that failed while splitting).
   */
  private static @Nullable String resumeFrom(OdmManifest manifest, @Nullable String failedStage) {
    return manifest.resume().fromStage() != null ? manifest.resume().fromStage()
        : ResumeHint.rerunFrom(failedStage, manifest.splits());
  }

  /** The memory a resume hint asks for ({@code resources.memory} of its odm.json), or null. */
  private static String hintedMemory(String resumeWith) {
    if (resumeWith == null) {
      return null;
    }
    try {
      com.fasterxml.jackson.databind.JsonNode memory =
          new com.fasterxml.jackson.databind.ObjectMapper().readTree(resumeWith).path("resources").path("memory");
      return memory.isTextual() ? memory.asText() : null;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return null;
    }
  }

  /** Whether this upload's job was submitted before: its status, read above, is past waiting. */
  private static boolean started(Optional<JobStatus> recorded) {
    return recorded.filter(status -> status.state() != JobState.WAITING).isPresent();
  }

  private Outcome invalid(String bucket, String folder, JobId jobId, String eTag, List<String> errors,
      @Nullable JobStatus.Defaults inherited) throws TransientFailureException {
    waiting.remove(bucket, folder);
    LOG.info("s3://{}/{}{} is invalid: {}", bucket, folder, manifestName, errors);
    statusWriter.record(bucket, folder,
        JobStatus.of(jobId.value(), eTag, null, JobState.INVALID,
                manifestName + " is invalid (" + errors.size() + (errors.size() == 1 ? " problem)" : " problems)"),
                clock.instant())
            .withErrors(errors)
            .withDefaults(inherited));
    return Outcome.INVALID;
  }

  private Outcome cancel(String bucket, String folder) throws TransientFailureException {
    waiting.remove(bucket, folder);
    Optional<JobStatus> current = statusWriter.read(bucket, folder);
    if (current.isEmpty() || current.get().state().isFinal()) {
      return Outcome.CANCELED;
    }
    JobStatus status = current.get();
    submitter.cancel(new JobId(status.jobId()));
    statusWriter.advance(bucket, folder, status.jobId(),
        s -> s.moveTo(JobState.CANCELED, "canceled by " + manifestName, clock.instant()));
    return Outcome.CANCELED;
  }
}
