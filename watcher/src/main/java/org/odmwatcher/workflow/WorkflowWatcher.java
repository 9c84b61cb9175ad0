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
 * Watches the unfinished Workflows the watcher submitted (label {@code app.kubernetes.io/managed-by},
 * without Argo's {@code workflows.argoproj.io/completed=true}) with an informer and keeps each folder's {@code status.json} in step with its Workflow's phase. Status
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
  /** Argo labels a Workflow completed=true in the update that ends it (operator.go markWorkflowPhase). */
  static final String COMPLETED = "workflows.argoproj.io/completed";
  /**
   * Workflows per list call (the informer's list and the reconcile): a page of 200 is ~5 MB of
   * JSON, where one answer for a namespace of thousands is hundreds of MB at once.
   */
  private static final long LIST_PAGE = 200;

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

  /** The names of the Workflows the informer holds in memory now (for tests of what it keeps). */
  java.util.List<String> held() {
    SharedIndexInformer<GenericKubernetesResource> current = informer;
    return current == null ? java.util.List.of() : current.getStore().listKeys();
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
            // Only unfinished Workflows stay in memory: a cluster keeps finished ones for Argo's TTL
            // (thousands, each with its node status: 186 MB of live heap for 10,000 in the scale
            // bench), and their final state is written once, when they leave this selector (onDelete
            // below) or by the reconcile at each (re)start. "!=" also matches a Workflow without the
            // label (apimachinery labels/selector.go Requirement.Matches, NotEquals), one Argo has
            // not operated on yet; Argo sets completed=false at the first phase and true in the
            // update that writes the final phase (workflow/controller/operator.go markWorkflowPhase,
            // one Update in persistUpdates).
            .withoutLabel(COMPLETED, "true")
            .withLimit(LIST_PAGE)
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
            // Deleted, or completed: kube-apiserver tells a watch whose selector an object leaves
            // with a DELETED event carrying the object as it was before the change, i.e. still
            // running (apiserver/pkg/storage/cacher/cache_watcher.go convertToWatchEvent, case
            // !curObjPasses && oldObjPasses: "return a delete event with the previous object
            // content"), so the final state is read by name from the API server itself.
            // The version queued for writing (if any) is older than the final one: drop it.
            String name = wf.getMetadata().getName();
            pending.remove(name);
            written.remove(name);
            writers.execute(() -> finished(name, 1));
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
                // Workflows that completed while nobody watched (the watcher down, the API away)
                // never pass through the informer: their final state is written from a paged list.
                writers.execute(this::reconcileCompleted);
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

  /**
   * Writes the final state of a Workflow that left the informer's selector; nothing when it is
   * gone (deleted) or not finished (a hand-removed label: the informer sees it again).
   */
  private void finished(String name, int attempt) {
    if (!running) {
      return;
    }
    try {
      GenericKubernetesResource wf = workflows().withName(name).get();
      if (wf != null && WorkflowPhase.of(wf).map(p -> p.state().isFinal()).orElse(false)) {
        apply(wf);
      }
    } catch (TransientFailureException | RuntimeException e) {
      // The informer's resync no longer passes a finished Workflow again, so this keeps trying, at
      // most a resync interval apart (as the resync would), until it is written or the Workflow is gone.
      long pause = Math.min(argo.resync().toSeconds(), 1L << Math.min(attempt, 16));
      LOG.info("final status of {} not written ({}); trying again in {} s", name, e.getMessage(), pause);
      retries.schedule(() -> writers.execute(() -> finished(name, attempt + 1)), Math.max(1, pause), TimeUnit.SECONDS);
    }
  }

  /**
   * Applies every completed Workflow of ours, a page at a time (a page held, not the namespace):
   * the status writer leaves a status that already says so untouched.
   */
  private void reconcileCompleted() {
    String token = null;
    int applied = 0;
    try {
      do {
        io.fabric8.kubernetes.api.model.GenericKubernetesResourceList page = workflows()
            .withLabel(WorkflowLabels.MANAGED_BY, WorkflowLabels.MANAGED_BY_VALUE)
            .withLabel(COMPLETED, "true")
            .list(new io.fabric8.kubernetes.api.model.ListOptionsBuilder().withLimit(LIST_PAGE).withContinue(token).build());
        for (GenericKubernetesResource wf : page.getItems()) {
          if (!running) {
            return;
          }
          try {
            apply(wf);
            applied++;
          } catch (TransientFailureException | RuntimeException e) {
            LOG.info("final status of {} not reconciled ({}); the next start tries again", wf.getMetadata().getName(), e.getMessage());
          }
        }
        token = page.getMetadata() == null ? null : page.getMetadata().getContinue();
      } while (token != null && !token.isEmpty() && running);
      LOG.info("reconciled {} completed Workflows in namespace {}", applied, argo.namespace());
    } catch (RuntimeException e) {
      LOG.warn("completed Workflows in {} not reconciled ({}); the next start tries again", argo.namespace(), e.getMessage());
    }
  }

  private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<GenericKubernetesResource,
      io.fabric8.kubernetes.api.model.GenericKubernetesResourceList,
      io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource>> workflows() {
    return kubernetes.genericKubernetesResources(ArgoWorkflowSubmitter.WORKFLOWS).inNamespace(argo.namespace());
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
      if (parent.isEmpty()) {
        // finished already, so no longer in the informer: one labelled list
        parent = workflows().withLabel(WorkflowLabels.JOB_ID, parentJob).list().getItems().stream().findFirst();
      }
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
