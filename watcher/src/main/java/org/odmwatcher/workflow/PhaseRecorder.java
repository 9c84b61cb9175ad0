package org.odmwatcher.workflow;

import io.micronaut.core.annotation.Nullable;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.status.JobState;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.StatusWriter;
import org.odmwatcher.storage.BucketStore;

/**
 * Records a job's {@link WorkflowPhase} in its folder's {@code status.json}: used by the informer
 * ({@link WorkflowWatcher}) and by the Workflow's exit handler ({@code job-finished}), whichever
 * comes first; the state order makes the second a no-op. On success it writes the job's STAC Item
 * ({@link StacItemWriter}) and lists the results.
 */
public final class PhaseRecorder {
  private final StatusWriter statusWriter;
  private final BucketStore store;
  private final String resultsFolder;
  private final Clock clock;
  private final StacItemWriter stacItems;

  public PhaseRecorder(StatusWriter statusWriter, BucketStore store, String resultsFolder, Clock clock) {
    this.statusWriter = statusWriter;
    this.store = store;
    this.resultsFolder = resultsFolder;
    this.clock = clock;
    this.stacItems = new StacItemWriter(store, new com.fasterxml.jackson.databind.ObjectMapper());
  }

  public void record(String bucket, String folder, String jobId, WorkflowPhase phase)
      throws TransientFailureException {
    record(bucket, folder, jobId, phase, folder + resultsFolder, null);
  }

  /** As {@link #record(String, String, String, WorkflowPhase)}, with ODM's last log lines when known. */
  public void record(String bucket, String folder, String jobId, WorkflowPhase phase, @Nullable List<String> logTail)
      throws TransientFailureException {
    record(bucket, folder, jobId, phase, folder + resultsFolder, logTail);
  }

  /**
   * {@link #record(String, String, String, WorkflowPhase)} with the results where the Workflow put
   * them ({@code resultsPrefix}, its {@code results-prefix} parameter), which the exit handler is
   * told: its own configuration need not match the watcher's.
   */
  public void record(String bucket, String folder, String jobId, WorkflowPhase phase, String resultsPrefix)
      throws TransientFailureException {
    record(bucket, folder, jobId, phase, resultsPrefix, null);
  }

  private void record(
      String bucket, String folder, String jobId, WorkflowPhase phase, String resultsPrefix, @Nullable List<String> logTail)
      throws TransientFailureException {
    if (phase.state() == JobState.SUCCEEDED) {
      Optional<JobStatus> current = statusWriter.read(bucket, folder);
      if (logTail == null && current.filter(c -> jobId.equals(c.jobId()) && c.state() == JobState.SUCCEEDED).isPresent()) {
        // Recorded before (the exit handler, an earlier watcher, a resync): its Item and outputs
        // were written with it. Only the listeners hear of it again. The reconcile of completed
        // Workflows at each start passes here for every one within Argo's TTL: without this, each
        // cost two listings, a read of the orthophoto's header and a PUT of its Item again (9,000
        // at the scale bench's size, the writer threads busy for minutes after every start).
        statusWriter.reconcile(bucket, folder, current.get());
        return;
      }
      // before the listing, so that the status's outputs link the Item (issue 23)
      stacItems.writeForSucceededJob(bucket, folder, resultsPrefix, jobId, current, clock.instant());
    }
    List<String> outputs = phase.state() == JobState.SUCCEEDED ? resultKeys(bucket, folder, resultsPrefix) : null;
    statusWriter.advance(
        bucket,
        folder,
        jobId,
        current -> {
          var next = current.moveTo(phase.state(), phase.message(), clock.instant());
          if (phase.state() == JobState.RUNNING || phase.progress() != null) {
            next = next.withProgress(phase.stage(), phase.progress());
          }
          if (logTail != null) {
            next = next.withLogTail(logTail);
          }
          return outputs == null ? next : next.withOutputs(outputs);
        });
  }

  /**
   * Records a submodel's phase in its split-merge parent's {@code status.json}; the parent's own
   * state is left as it is. A submodel entry only moves forward ({@link JobState#canMoveTo}). Once
   * the parent has finished, only a submodel's final state is still recorded: a cancelled parent's
   * children are stopped with it and end after it (Argo's {@code shutdown: Stop} reaches each
   * child Workflow on its own), and their entries must not stay {@code running}.
   */
  public void recordSubmodel(String parentBucket, String parentFolder, String parentJob, String childFolder,
      String childJob, WorkflowPhase phase) throws TransientFailureException {
    statusWriter.advance(parentBucket, parentFolder, parentJob, current -> {
      if (current.state().isFinal() && !phase.state().isFinal()) {
        return current;
      }
      JobStatus.Submodel known = current.submodels() == null ? null
          : current.submodels().stream().filter(s -> s.folder().equals(childFolder)).findFirst().orElse(null);
      if (known != null && known.jobId().equals(childJob) && !known.state().canMoveTo(phase.state())) {
        return current;
      }
      // A stopped child reports no progress: its entry keeps the last one it had.
      Integer progress = phase.progress() != null || known == null || !known.jobId().equals(childJob)
          ? phase.progress() : known.progress();
      return current.withSubmodel(new JobStatus.Submodel(childFolder, childJob, phase.state(), progress, null));
    });
  }

  private List<String> resultKeys(String bucket, String folder, String resultsPrefix) throws TransientFailureException {
    return store.listAll(bucket, resultsPrefix).stream()
        .map(e -> e.key().startsWith(folder) ? e.key().substring(folder.length()) : e.key())
        .toList();
  }
}
