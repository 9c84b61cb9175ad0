package org.odmwatcher.workflow;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.odmwatcher.config.ArgoConfig;
import org.odmwatcher.retry.TransientFailureException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the Workflows the watcher submitted (label {@code app.kubernetes.io/managed-by}) with an
 * informer and keeps each folder's {@code status.json} in step with its Workflow's phase. Status
 * writes run off the informer thread, coalesced per Workflow (only the newest version is written);
 * a failed write is tried again, and the informer's periodic resync repairs anything missed. A
 * write that only moves the ODM stage or percentage of a running job waits until {@link
 * ArgoConfig#progressInterval()} has passed since that job's last write (then the newest version
 * is written), so however often Argo reports progress each job's {@code status.json} is written at
 * a bounded rate; any other change is written at once.
 */
public final class WorkflowWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WorkflowWatcher.class);

  private final KubernetesClient kubernetes;
  private final ArgoConfig argo;
  private final PhaseRecorder recorder;
  private final ProcessPodLog console;
  private final java.time.Duration unschedulableAfter;
  private final java.time.Clock clock;
  private final WorkspaceKeeper keeper;
  private final ExecutorService writers = Executors.newFixedThreadPool(4, r -> daemon(r, "status-writer"));
  private final ScheduledExecutorService retries =
      Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "status-retry"));
  private final Map<String, GenericKubernetesResource> pending = new ConcurrentHashMap<>();
  /** Per Workflow: what was last written and when (System.nanoTime), for the progress pacing. */
  private final Map<String, Written> written = new ConcurrentHashMap<>();

  private record Written(JobStateAndMessage what, long at) {}

  private record JobStateAndMessage(org.odmwatcher.status.JobState state, String message) {}
  private static final String JOB_INDEX = "job-id";

  private volatile SharedIndexInformer<GenericKubernetesResource> informer;
  private volatile boolean running;

  public WorkflowWatcher(
      KubernetesClient kubernetes,
      ArgoConfig argo,
      PhaseRecorder recorder,
      ProcessPodLog console) {
    this(kubernetes, argo, recorder, console, (WorkspaceKeeper) null);
  }

  /** With a keeper that takes over the workspaces of ended Workflows to keep ({@link WorkspaceKeeper}). */
  public WorkflowWatcher(KubernetesClient kubernetes, ArgoConfig argo, PhaseRecorder recorder, ProcessPodLog console,
      @io.micronaut.core.annotation.Nullable WorkspaceKeeper keeper) {
    this(kubernetes, argo, recorder, console, org.odmwatcher.config.PlacementConfig.defaults().unschedulableAfter(),
        java.time.Clock.systemUTC(), keeper);
  }

  public WorkflowWatcher(KubernetesClient kubernetes, ArgoConfig argo, PhaseRecorder recorder, ProcessPodLog console,
      java.time.Duration unschedulableAfter, java.time.Clock clock) {
    this(kubernetes, argo, recorder, console, unschedulableAfter, clock, null);
  }

  /**
   * @param unschedulableAfter how long a step's pod may stay unschedulable before {@code
   *     status.json} says so ({@link WorkflowPhase#WAITING_FOR_NODE})
   */
  public WorkflowWatcher(
      KubernetesClient kubernetes,
      ArgoConfig argo,
      PhaseRecorder recorder,
      ProcessPodLog console,
      java.time.Duration unschedulableAfter,
      java.time.Clock clock,
      @io.micronaut.core.annotation.Nullable WorkspaceKeeper keeper) {
    this.keeper = keeper;
    this.kubernetes = kubernetes;
    this.argo = argo;
    this.recorder = recorder;
    this.console = console;
    this.unschedulableAfter = unschedulableAfter;
    this.clock = clock;
  }

  /**
   * Starts watching without blocking: when the API server is unreachable (at start or later) the
   * informer stops, and it is started again with a growing pause until it syncs.
   */
  public void start() {
    running = true;
    startInformer(1);
  }

  /**
   * Whether the informer is running, has synced and its watch is open now (for the health
   * indicator). {@code hasSynced} stays true once the first list succeeded, and {@code isRunning}
   * through reconnects, so only {@code isWatching} goes false while the API server is away.
   */
  public boolean isWatching() {
    SharedIndexInformer<GenericKubernetesResource> current = informer;
    return current != null && current.isRunning() && current.hasSynced() && current.isWatching();
  }

  private void startInformer(int attempt) {
    if (!running) {
      return;
    }
    SharedIndexInformer<GenericKubernetesResource> created =
        kubernetes
            .genericKubernetesResources(ArgoWorkflowSubmitter.WORKFLOWS)
            .inNamespace(argo.namespace())
            .withLabel(WorkflowLabels.MANAGED_BY, WorkflowLabels.MANAGED_BY_VALUE)
            .runnableInformer(argo.resync().toMillis());
    created.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(GenericKubernetesResource wf) {
            enqueue(wf);
          }

          @Override
          public void onUpdate(GenericKubernetesResource before, GenericKubernetesResource after) {
            enqueue(after);
          }

          @Override
          public void onDelete(GenericKubernetesResource wf, boolean unknownFinalState) {
            pending.remove(wf.getMetadata().getName());
            written.remove(wf.getMetadata().getName());
          }
        });
    // A split-merge submodel finds its parent by job id on every event: an index, not a scan of
    // every Workflow the informer holds.
    created.addIndexers(Map.of(JOB_INDEX, wf -> {
      String job = wf.getMetadata().getLabels() == null ? null : wf.getMetadata().getLabels().get(WorkflowLabels.JOB_ID);
      return job == null ? java.util.List.of() : java.util.List.of(job);
    }));
    informer = created;
    created
        .start()
        .whenComplete(
            (ok, error) -> {
              if (error == null) {
                LOG.info("watching Workflows in namespace {}", argo.namespace());
              }
            });
    created
        .stopped()
        .whenComplete(
            (ok, error) -> {
              if (!running) {
                return;
              }
              long pause = Math.min(60, 1L << Math.min(attempt, 6));
              LOG.warn("watching Workflows in {} stopped ({}); starting again in {} s",
                  argo.namespace(), error == null ? "closed" : error.getMessage(), pause);
              retries.schedule(() -> startInformer(attempt + 1), pause, TimeUnit.SECONDS);
            });
  }

  private void enqueue(GenericKubernetesResource wf) {
    String name = wf.getMetadata().getName();
    // Coalesce: if a write for this Workflow is queued, it will pick up this newer version.
    if (pending.put(name, wf) == null) {
      writers.execute(() -> drain(name, 1));
    }
  }

  private void drain(String name, int attempt) {
    GenericKubernetesResource wf = pending.remove(name);
    if (wf == null) {
      return;
    }
    Optional<WorkflowPhase> phase = WorkflowPhase.of(wf, clock.instant(), unschedulableAfter);
    JobStateAndMessage what = phase.map(p -> new JobStateAndMessage(p.state(), p.message())).orElse(null);
    Written last = written.get(name);
    long wait = last == null || what == null || !last.what().equals(what)
        ? 0 : argo.progressInterval().toNanos() - (System.nanoTime() - last.at());
    if (wait > 0) {
      // Only the stage or percentage moved: write the newest version once the interval is over.
      if (pending.putIfAbsent(name, wf) == null) {
        retries.schedule(() -> writers.execute(() -> drain(name, attempt)), wait, TimeUnit.NANOSECONDS);
      }
      return;
    }
    try {
      apply(wf);
      if (what != null) {
        if (what.state().isFinal()) {
          written.remove(name);
        } else {
          written.put(name, new Written(what, System.nanoTime()));
        }
      }
    } catch (TransientFailureException | RuntimeException e) {
      if (attempt >= 5) {
        LOG.warn("giving up on status of {} after {} attempts (resync repairs it): {}", name, attempt, e.getMessage());
        return;
      }
      LOG.info("status of {} not written ({}); trying again", name, e.getMessage());
      pending.putIfAbsent(name, wf);
      retries.schedule(() -> writers.execute(() -> drain(name, attempt + 1)), 1L << attempt, TimeUnit.SECONDS);
    }
  }

  /** Writes the status a Workflow implies. Visible for the exit-handler command and tests. */
  public void apply(GenericKubernetesResource wf) throws TransientFailureException {
    Map<String, String> labels = Optional.ofNullable(wf.getMetadata().getLabels()).orElse(Map.of());
    Map<String, String> annotations = Optional.ofNullable(wf.getMetadata().getAnnotations()).orElse(Map.of());
    String jobId = labels.get(WorkflowLabels.JOB_ID);
    String bucket = annotations.get(WorkflowLabels.BUCKET);
    String folder = annotations.get(WorkflowLabels.PREFIX);
    if (jobId == null || bucket == null || folder == null) {
      return; // not one of ours, or hand-edited
    }
    Optional<WorkflowPhase> phase = WorkflowPhase.of(wf, clock.instant(), unschedulableAfter);
    if (phase.isEmpty()) {
      return;
    }
    recheckWhenUnschedulableTooLong(wf, phase.get());
    recorder.record(bucket, folder, jobId, phase.get(), logTail(wf, phase.get()));
    if (keeper != null && phase.get().state().isFinal()) {
      keeper.settle(wf); // after the final state (and ODM's last lines) are in status.json
    }
    String parentJob = labels.get(WorkflowLabels.PARENT_JOB);
    SharedIndexInformer<GenericKubernetesResource> current = informer;
    if (parentJob != null && current != null) {
      // A split-merge submodel: its parent (a Workflow this informer holds too) lists it.
      Optional<GenericKubernetesResource> parent = current.getIndexer().byIndex(JOB_INDEX, parentJob).stream().findFirst();
      Map<String, String> parentAnnotations =
          parent.map(w -> w.getMetadata().getAnnotations()).orElse(Map.of());
      if (parentAnnotations != null && parentAnnotations.get(WorkflowLabels.BUCKET) != null
          && parentAnnotations.get(WorkflowLabels.PREFIX) != null) {
        recorder.recordSubmodel(parentAnnotations.get(WorkflowLabels.BUCKET), parentAnnotations.get(WorkflowLabels.PREFIX),
            parentJob, folder, jobId, phase.get());
      }
    }
  }

  /**
   * A pod that waits for a node changes nothing in the Workflow while it waits, so no event would
   * come when {@code unschedulable-after} is over: look at the Workflow again then (the informer's
   * newest version of it).
   */
  private void recheckWhenUnschedulableTooLong(GenericKubernetesResource wf, WorkflowPhase phase) {
    if (phase.message().startsWith(WorkflowPhase.WAITING_FOR_NODE)) {
      return;
    }
    WorkflowPhase.unschedulable(wf).ifPresent(u -> {
      long delay = java.time.Duration.between(clock.instant(), u.since().plus(unschedulableAfter)).toMillis();
      String name = wf.getMetadata().getName();
      retries.schedule(() -> {
        SharedIndexInformer<GenericKubernetesResource> current = informer;
        GenericKubernetesResource latest = current == null ? null
            : current.getStore().getByKey(wf.getMetadata().getNamespace() + "/" + name);
        if (latest != null) {
          enqueue(latest);
        }
      }, Math.max(0, delay) + 50, TimeUnit.MILLISECONDS);
    });
  }

  /**
   * While ODM runs, and when the job failed, the last lines of the {@code process} pod's log for
   * {@code status.json}'s {@code logTail} (null when there is no such pod: nothing changes).
   */
  private java.util.List<String> logTail(GenericKubernetesResource wf, WorkflowPhase phase) {
    boolean odmRuns = phase.state() == org.odmwatcher.status.JobState.RUNNING && "running: process".equals(phase.message());
    if (!odmRuns && phase.state() != org.odmwatcher.status.JobState.FAILED) {
      return null;
    }
    try {
      return console.tail(wf, argo.logTailLines()).filter(l -> !l.isEmpty()).orElse(null);
    } catch (TransientFailureException e) {
      LOG.info("log of {}'s process pod not read ({}); status.json keeps its logTail", wf.getMetadata().getName(), e.getMessage());
      return null; // the state and progress matter more than the log: write them anyway
    }
  }

  @Override
  public void close() {
    running = false;
    if (informer != null) {
      informer.close();
    }
    retries.shutdownNow();
    writers.shutdown();
    try {
      writers.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
