package org.odmwatcher.workflow;

import java.time.Clock;
import java.util.List;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.status.JobState;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.StatusWriter;
import org.odmwatcher.storage.BucketStore;

/**
 * Records a job's {@link WorkflowPhase} in its folder's {@code status.json}: used by the informer
 * ({@link WorkflowWatcher}) and by the Workflow's exit handler ({@code job-finished}), whichever
 * comes first; the state order makes the second a no-op. On success it lists the results.
 */
public final class PhaseRecorder {
  private final StatusWriter statusWriter;
  private final BucketStore store;
  private final String resultsFolder;
  private final Clock clock;

  public PhaseRecorder(StatusWriter statusWriter, BucketStore store, String resultsFolder, Clock clock) {
    this.statusWriter = statusWriter;
    this.store = store;
    this.resultsFolder = resultsFolder;
    this.clock = clock;
  }

  public void record(String bucket, String folder, String jobId, WorkflowPhase phase)
      throws TransientFailureException {
    List<String> outputs = phase.state() == JobState.SUCCEEDED ? resultKeys(bucket, folder) : null;
    statusWriter.advance(
        bucket,
        folder,
        jobId,
        current -> {
          var next = current.moveTo(phase.state(), phase.message(), clock.instant());
          if (phase.state() == JobState.RUNNING || phase.progress() != null) {
            next = next.withProgress(phase.stage(), phase.progress());
          }
          return outputs == null ? next : next.withOutputs(outputs);
        });
  }

  /**
   * Records a submodel's phase in its split-merge parent's {@code status.json} (the parent's own
   * state is left as it is; a finished parent's status is not touched any more).
   */
  public void recordSubmodel(String parentBucket, String parentFolder, String parentJob, String childFolder,
      String childJob, WorkflowPhase phase) throws TransientFailureException {
    statusWriter.advance(parentBucket, parentFolder, parentJob,
        current -> current.state().isFinal() ? current
            : current.withSubmodel(new JobStatus.Submodel(childFolder, childJob, phase.state(), phase.progress())));
  }

  private List<String> resultKeys(String bucket, String folder) throws TransientFailureException {
    return store.listAll(bucket, folder + resultsFolder).stream()
        .map(e -> e.key().substring(folder.length()))
        .toList();
  }
}
