package org.odmwatcher.testing.argo;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.odmwatcher.testing.Clients;
import org.odmwatcher.testing.Principal;
import org.odmwatcher.testing.RealServers;
import org.odmwatcher.workflow.ArgoWorkflowSubmitter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A test Argo: a workflow-controller for the Workflows of one namespace that reference our
 * WorkflowTemplate (read from {@code manifests/}), following argo-workflows v4's controller source
 * (each rule cites the file and function it follows). It polls the Kubernetes mock, writes each
 * Workflow's {@code status} as the controller does (a PUT of the whole object, with the
 * controller's identity {@link Principal#CONTROLLER}) and runs the pods on background threads
 * ({@link PodRunner}, identity {@link Principal#WORKFLOW}).
 *
 * <p>Kinder than the real one, knowingly: retry backoffs are not waited for (a retry starts at
 * once), a pod goes straight to Running (no Pending while being scheduled), dependants of a failed
 * task get no {@code Omitted} node, and {@code activeDeadlineSeconds} is not enforced.
 */
public final class TestArgo implements AutoCloseable {
  /** Argo's message for a Workflow over the parallelism limit (workflow/controller/controller.go processNextItem). */
  public static final String POSTPONED = "Workflow processing has been postponed because too many workflows are already running";

  private static final Logger LOG = LoggerFactory.getLogger(TestArgo.class);

  private final KubernetesClient controller;
  private final KubernetesClient workflowPods;
  private final String namespace;
  private final int parallelism;
  private final WorkflowTemplateFile template = WorkflowTemplateFile.load();
  private final Path workRoot;
  private final PodRunner pods;
  private final org.odmwatcher.testing.PodLogs podLogs;
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "test-argo-controller"));
  private final ExecutorService podThreads = Executors.newCachedThreadPool(r -> daemon(r, "test-argo-pod"));
  private final Map<String, Run> runs = new ConcurrentHashMap<>();
  private final Map<String, Deque<Fault>> faults = new ConcurrentHashMap<>();
  private final Set<String> held = ConcurrentHashMap.newKeySet();
  private final Object holdLock = new Object();

  /** How the next pod of a task ends instead of running normally. */
  public enum Fault {
    /** The main container exits 1 (rclone's network trouble, say): node {@code Failed}. */
    FAILED,
    /** The pod is lost (node drained, evicted): node {@code Error}, "pod deleted". */
    ERROR
  }

  /**
   * @param parallelism the namespace's parallelism limit (0: none), as the controller's
   *     {@code namespaceParallelism} setting
   */
  public TestArgo(RealServers servers, String namespace, int parallelism) {
    this(servers, namespace, parallelism, null);
  }

  /** A test Argo whose pods run the real programs ({@link PodRunner.Programs}), or emulate them (null). */
  public TestArgo(RealServers servers, String namespace, int parallelism, PodRunner.Programs programs) {
    this.namespace = namespace;
    this.parallelism = parallelism;
    this.controller = Clients.kubernetes(servers, Principal.CONTROLLER);
    this.workflowPods = Clients.kubernetes(servers, Principal.WORKFLOW);
    try {
      workRoot = Files.createTempDirectory("test-argo-" + namespace);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    podLogs = servers.podLogs();
    pods = new PodRunner(workflowPods, controller, namespace, workRoot, programs, podLogs);
    loop.scheduleWithFixedDelay(this::reconcileQuietly, 0, 100, TimeUnit.MILLISECONDS);
  }

  // ---- the test world's knobs -----------------------------------------------------------------

  /**
   * The next pod of {@code task} (a DAG task or exit-handler step name) in the Workflow of
   * {@code folder} (its {@code prefix} parameter) ends with {@code fault}.
   */
  public void failNext(String folder, String task, Fault fault) {
    faults.computeIfAbsent(key(folder, task), k -> new java.util.concurrent.ConcurrentLinkedDeque<>()).add(fault);
  }

  /** The stand-in ODM of the next {@code process} pod of {@code folder}'s Workflow exits with {@code exitCode}. */
  public void failOdmNext(String folder, int exitCode) {
    odmExitCodes.computeIfAbsent(folder, k -> new java.util.concurrent.ConcurrentLinkedDeque<>()).add(exitCode);
  }

  private final Map<String, Deque<Integer>> odmExitCodes = new ConcurrentHashMap<>();
  private final Map<String, String> odmExitStages = new ConcurrentHashMap<>();
  private volatile double odmSeconds;

  /**
   * The stand-in ODM of every later {@code process} pod takes {@code seconds} for a whole run, each
   * stage that works its share of ODM's progress scale (a benchmark's stand-in for ODM's time).
   */
  public void odmTakes(double seconds) {
    odmSeconds = seconds;
  }

  /**
   * The stand-in ODM of the next {@code process} pod of {@code folder}'s Workflow fails in
   * {@code stage} with {@code exitCode} (137: the kernel's out-of-memory kill of the stage's tool).
   */
  public void failOdmNext(String folder, int exitCode, String stage) {
    odmExitStages.put(folder, stage);
    failOdmNext(folder, exitCode);
  }

  private final Map<String, String> services = new ConcurrentHashMap<>();

  /**
   * A pod that calls {@code hostPort} (a Service's in-cluster name and port, as the watcher's
   * {@code watcher.split-merge.cluster-url} gives it) reaches {@code target}: the cluster DNS
   * (a Service's {@code <name>.<namespace>.svc} record) and kube-proxy's forwarding to its pods,
   * for the stand-in ODM's node check and calls (its {@code ODM_STANDIN_SERVICES}).
   */
  public void service(String hostPort, java.net.URI target) {
    services.put(hostPort, target.getHost() + ":" + target.getPort());
  }

  private volatile SchedulerEmulation scheduler;

  /**
   * From now on each pod is scheduled onto {@code nodes} ({@link SchedulerEmulation}): one that
   * fits none stays Pending with the scheduler's message. Without it every pod runs at once.
   */
  public void scheduleWith(SchedulerEmulation nodes) {
    this.scheduler = nodes;
  }

  /**
   * Pods of {@code task} in {@code folder}'s Workflow (any Workflow when {@code folder} is null)
   * keep running (a long transfer, a long ODM run) until {@link #release}.
   */
  public void hold(String folder, String task) {
    held.add(key(folder, task));
  }

  public void release(String folder, String task) {
    synchronized (holdLock) {
      held.remove(key(folder, task));
      holdLock.notifyAll();
    }
  }

  private boolean isHeld(String folder, String task) {
    return held.contains(key(folder, task)) || held.contains(key(null, task));
  }

  private static String key(String folder, String task) {
    return (folder == null ? "*" : folder) + "\u0000" + task;
  }

  /**
   * The stand-in ODM of {@code folder}'s next {@code process} pod pauses midway (after its
   * opensfm stage line) until {@link #resumeOdm}: a long ODM run, while its pod is Running.
   */
  public void pauseOdm(String folder) {
    try {
      Files.createDirectories(workRoot);
      Files.writeString(odmPause(folder), "paused");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void resumeOdm(String folder) {
    try {
      Files.deleteIfExists(odmPause(folder));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Path odmPause(String folder) {
    return workRoot.resolve("odm-pause-" + Integer.toHexString(folder.hashCode()));
  }

  /**
   * The progress file ({@code $ARGO_PROGRESS_FILE}) of the pod node {@code podDisplayName} (e.g.
   * {@code process(0)}) of a Workflow: what a step writes "N/M" lines into.
   */
  public Path progressFile(String workflowName, String podDisplayName) {
    Run run = runs.get(workflowName);
    String nodeId = run == null ? null : run.nodes.values().stream()
        .filter(n -> podDisplayName.equals(n.displayName) && "Pod".equals(n.type)).map(n -> n.id).findFirst().orElse(null);
    if (nodeId == null) {
      throw new IllegalStateException("no pod node " + podDisplayName + " in " + workflowName);
    }
    return pods.progressFile(workflowName, nodeId);
  }

  /** The log of the pod node {@code podDisplayName} (e.g. {@code upload(0)}) of a Workflow: its containers' output. */
  public String podLog(String workflowName, String podDisplayName) {
    Run run = runs.get(workflowName);
    String nodeId = run == null ? null : run.nodes.values().stream()
        .filter(n -> podDisplayName.equals(n.displayName) && "Pod".equals(n.type)).map(n -> n.id).findFirst().orElse(null);
    try {
      return nodeId == null ? "" : pods.podLog(nodeId);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** ParseProgress/IsValid (pkg/apis/workflow/v1alpha1/progress.go): N/M with 0 <= N <= M, M > 0. */
  static boolean validProgress(String text) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)/(\\d+)").matcher(text == null ? "" : text);
    return m.matches() && Long.parseLong(m.group(2)) > 0 && Long.parseLong(m.group(1)) <= Long.parseLong(m.group(2));
  }

  /** Told after each status write the controller made (for the benchmark's timings). */
  public interface StatusListener {
    void written(String workflow, String phase, long nanoTime);
  }

  private final List<StatusListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  public void onStatusWritten(StatusListener listener) {
    listeners.add(listener);
  }

  /** The Workflow as the API server has it now. */
  public GenericKubernetesResource workflow(String name) {
    return controller.genericKubernetesResources(ArgoWorkflowSubmitter.WORKFLOWS).inNamespace(namespace).withName(name).get();
  }

  /** Waits until the Workflow's status satisfies {@code condition}, and returns the status. */
  @SuppressWarnings("unchecked")
  public Map<String, Object> awaitStatus(String name, Predicate<Map<String, Object>> condition) {
    await().atMost(Duration.ofSeconds(60)).until(() -> Optional.ofNullable(workflow(name))
        .map(w -> (Map<String, Object>) w.getAdditionalProperties().get("status"))
        .filter(condition).isPresent());
    return (Map<String, Object>) workflow(name).getAdditionalProperties().get("status");
  }

  public Map<String, Object> awaitPhase(String name, String phase) {
    return awaitStatus(name, s -> phase.equals(s.get("phase")));
  }

  /** The workspace volume of a Workflow (what its pods see as {@code /data}). */
  public Path workspace(String workflowName) {
    Run run = runs.get(workflowName);
    String claim = run == null || run.variables == null ? null : run.variables.get("workflow.parameters.workspace");
    return pods.claimDirectory(claim == null ? workflowName + "-workspace" : claim);
  }

  /** The directory of a PersistentVolumeClaim's volume (what a pod mounting it sees). */
  public Path claim(String claimName) {
    return pods.claimDirectory(claimName);
  }

  @Override
  public void close() {
    loop.shutdownNow();
    podThreads.shutdownNow();
    try {
      loop.awaitTermination(10, TimeUnit.SECONDS);
      podThreads.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    controller.close();
    workflowPods.close();
    podLogs.forgetAll(namespace);
    PodRunner.deleteTree(workRoot);
  }

  // ---- the controller loop --------------------------------------------------------------------

  private void reconcileQuietly() {
    try {
      reconcile();
    } catch (RuntimeException e) {
      LOG.debug("test Argo: reconcile failed ({}); next round", e.getMessage());
    }
  }

  private void reconcile() {
    List<GenericKubernetesResource> workflows =
        new ArrayList<>(controller.genericKubernetesResources(ArgoWorkflowSubmitter.WORKFLOWS).inNamespace(namespace).list().getItems());
    // The throttler admits by priority, then creation time (workflow/sync/throttler.go).
    workflows.sort(Comparator.comparing((GenericKubernetesResource w) -> String.valueOf(w.getMetadata().getCreationTimestamp()))
        .thenComparing(w -> w.getMetadata().getName()));
    for (GenericKubernetesResource wf : workflows) {
      Run run = runs.computeIfAbsent(wf.getMetadata().getName(), n -> new Run(wf));
      if (!run.admitted && run.phase == null && phaseOf(wf) != null && !"Pending".equals(phaseOf(wf))) {
        // Completed before this controller started (the real one ignores them: controller.go,
        // the informer's "workflows.argoproj.io/completed" filter), or left Running by an earlier
        // test Argo (resuming another controller's pods is not emulated).
        run.persisted = true;
        continue;
      }
      if (run.persisted) {
        continue;
      }
      if (run.done || run.operate(wf)) {
        wf.getAdditionalProperties().put("status", run.status());
        // workflow/controller/operator.go markWorkflowPhase (argo-workflows v4.1): every phase change
        // labels the Workflow workflows.argoproj.io/phase=<phase> and, if absent,
        // workflows.argoproj.io/completed=false; the change to Succeeded, Failed or Error sets
        // completed=true. persistUpdates writes all of it in one Update with the status, so a watch
        // sees the final phase and completed=true in the same event.
        Map<String, String> labels = new java.util.LinkedHashMap<>(
            wf.getMetadata().getLabels() == null ? Map.of() : wf.getMetadata().getLabels());
        if (run.phase != null) {
          labels.put("workflows.argoproj.io/phase", run.phase);
          labels.putIfAbsent("workflows.argoproj.io/completed", "false");
        }
        if (run.done) {
          labels.put("workflows.argoproj.io/completed", "true");
        }
        wf.getMetadata().setLabels(labels);
        try {
          controller.genericKubernetesResources(ArgoWorkflowSubmitter.WORKFLOWS).inNamespace(namespace).resource(wf).update();
          run.persisted = run.done;
          for (StatusListener listener : listeners) {
            listener.written(run.name, run.phase, System.nanoTime());
          }
        } catch (KubernetesClientException e) {
          // 409: someone (the watcher's stop) changed it since we read it; the next round re-reads.
          run.dirty = true;
          LOG.debug("test Argo: status of {} not written ({})", wf.getMetadata().getName(), e.getCode());
        }
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static String phaseOf(GenericKubernetesResource wf) {
    Object status = wf.getAdditionalProperties().get("status");
    return status instanceof Map<?, ?> m && m.get("phase") != null ? String.valueOf(m.get("phase")) : null;
  }

  private long admittedRunning() {
    return runs.values().stream().filter(r -> r.admitted && !r.done).count();
  }

  /** One node of {@code status.nodes} (pkg/apis/workflow/v1alpha1/workflow_types.go NodeStatus). */
  private static final class Node {
    String id;
    String name;
    String displayName;
    String type;
    String templateName;
    String phase;
    String boundaryId;
    String message;
    Instant startedAt;
    Instant finishedAt;
    final List<String> children = new ArrayList<>();
    boolean onExit;
    String task; // for Retry and Pod nodes: the DAG task / step name
    String progress; // for Pod nodes: as reported in the pod's WorkflowTaskResult

    /**
     * workflow/progress/updater.go UpdateProgress: a pod without reported progress counts 0/1
     * (ProgressDefault); once Succeeded it is complete (M/M).
     */
    String podProgress() {
      String p = progress == null ? "0/1" : progress;
      if ("Succeeded".equals(phase)) {
        String m = p.substring(p.indexOf('/') + 1);
        return m + "/" + m;
      }
      return p;
    }

    boolean fulfilled() {
      return switch (phase) {
        case "Succeeded", "Failed", "Error", "Skipped", "Omitted" -> true;
        default -> false;
      };
    }

    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", id);
      m.put("name", name);
      m.put("displayName", displayName);
      m.put("type", type);
      m.put("templateName", templateName);
      m.put("templateScope", "local/");
      m.put("phase", phase);
      if (boundaryId != null) {
        m.put("boundaryID", boundaryId);
      }
      if (message != null) {
        m.put("message", message);
      }
      m.put("startedAt", startedAt.toString());
      m.put("finishedAt", finishedAt == null ? null : finishedAt.toString());
      if ("Pod".equals(type)) {
        // workflow/progress/updater.go UpdateProgress: a pod counts 0/1, 1/1 once Succeeded.
        m.put("progress", podProgress());
      }
      if (!children.isEmpty()) {
        m.put("children", List.copyOf(children));
      }
      if (onExit) {
        m.put("nodeFlag", Map.of("hooked", true));
      }
      return m;
    }
  }

  /** The controller's state of one Workflow (what woc, the operation context, keeps in status). */
  private final class Run {
    final String name;
    final String uid;
    final Map<String, Node> nodes = new LinkedHashMap<>();
    final Map<String, Future<PodRunner.Outcome>> running = new LinkedHashMap<>();
    Map<String, String> variables;
    String phase;
    String message;
    Instant startedAt;
    Instant finishedAt;
    boolean admitted;
    volatile boolean done;
    boolean dirty;
    /** The final status is written: nothing more to do for this Workflow. */
    boolean persisted;

    Run(GenericKubernetesResource wf) {
      name = wf.getMetadata().getName();
      uid = wf.getMetadata().getUid() == null ? name : wf.getMetadata().getUid();
    }

    Map<String, Object> status() {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("phase", phase);
      s.put("startedAt", startedAt == null ? null : startedAt.toString());
      s.put("finishedAt", finishedAt == null ? null : finishedAt.toString());
      if (message != null) {
        s.put("message", message);
      }
      if (admitted) {
        s.put("progress", progress());
        Map<String, Object> byId = new LinkedHashMap<>();
        nodes.values().forEach(n -> byId.put(n.id, n.toMap()));
        s.put("nodes", byId);
      }
      return s;
    }

    /** workflow/progress/updater.go UpdateProgress: the sum of the pod nodes' N/M. */
    String progress() {
      long n = 0;
      long m = 0;
      for (Node node : nodes.values()) {
        if ("Pod".equals(node.type)) {
          String p = node.podProgress();
          n += Long.parseLong(p.substring(0, p.indexOf('/')));
          m += Long.parseLong(p.substring(p.indexOf('/') + 1));
        }
      }
      return n + "/" + m;
    }

    /**
     * taskresult.go taskResultReconciliation: a WorkflowTaskResult's valid {@code progress}
     * becomes its node's progress.
     */
    private boolean reconcileTaskResults() {
      boolean changed = false;
      for (GenericKubernetesResource result : controller.genericKubernetesResources(PodRunner.TASK_RESULTS)
          .inNamespace(namespace).withLabel("workflows.argoproj.io/workflow", name).list().getItems()) {
        Node node = nodes.get(result.getMetadata().getName());
        Object progress = result.getAdditionalProperties().get("progress");
        if (node != null && progress != null && validProgress(progress.toString()) && !progress.toString().equals(node.progress)) {
          node.progress = progress.toString();
          changed = true;
        }
      }
      return changed;
    }

    @SuppressWarnings("unchecked")
    boolean operate(GenericKubernetesResource wf) {
      Map<String, Object> spec = (Map<String, Object>) wf.getAdditionalProperties().getOrDefault("spec", Map.of());
      String shutdown = spec.get("shutdown") == null ? "" : String.valueOf(spec.get("shutdown"));
      boolean changed = dirty;
      dirty = false;
      if (!admitted) {
        // operator.go operate: a Pending Workflow told to Terminate fails without running anything.
        if ("Terminate".equals(shutdown) && "Pending".equals(phase)) {
          finish("Failed", "Stopped with strategy 'Terminate'");
          return true;
        }
        // controller.go processNextItem: over the parallelism limit a Workflow is postponed
        // (phase Pending with this message) unless it is being terminated.
        if (!"Terminate".equals(shutdown) && parallelism > 0 && admittedRunning() >= parallelism) {
          if (phase == null) {
            phase = "Pending";
            message = POSTPONED;
            return true;
          }
          return changed;
        }
        admit(spec);
        changed = true;
      }
      changed |= reconcileTaskResults();
      changed |= reconcilePods(shutdown);
      changed |= reconcileRetries(shutdown);
      Node root = nodes.get(name);
      if (!root.fulfilled()) {
        changed |= executeDag(root, shutdown);
      }
      if (root.fulfilled()) {
        changed |= exitHandlerAndFinish(root, shutdown);
      }
      return changed;
    }

    /** operator.go operate/markWorkflowRunning: phase Running, startedAt, the entrypoint's node. */
    private void admit(Map<String, Object> spec) {
      admitted = true;
      phase = "Running";
      message = null;
      startedAt = now();
      variables = new LinkedHashMap<>();
      template.parameters(spec).forEach((k, v) -> variables.put("workflow.parameters." + k, v));
      variables.put("workflow.name", name);
      variables.put("workflow.namespace", namespace);
      variables.put("workflow.uid", uid);
      Node root = newNode(name, "DAG", template.entrypoint(), null, false, null);
      root.phase = "Running";
    }

    /**
     * Node id and display name as operator.go initializeNode sets them: the id is
     * {@code Workflow.NodeID(name)} (workflow_types.go: the workflow's name, or name + "-" + FNV-32a
     * of the node name), the display name is the node name without its boundary node's name and
     * the following {@code .} (stepsOrDagSeparator).
     */
    private Node newNode(String nodeName, String type, String templateName, String boundaryId, boolean onExit, String task) {
      Node n = new Node();
      n.id = nodeId(nodeName);
      n.name = nodeName;
      n.type = type;
      n.templateName = templateName;
      n.boundaryId = boundaryId;
      n.onExit = onExit;
      n.task = task;
      n.phase = "Pending";
      n.startedAt = now();
      Node boundary = boundaryId == null ? null : nodes.get(boundaryId);
      n.displayName = boundary == null ? nodeName : nodeName.substring(boundary.name.length()).replaceFirst("^(\\[\\d+])?\\.", "");
      nodes.put(n.id, n);
      return n;
    }

    private String nodeId(String nodeName) {
      if (nodeName.equals(name)) {
        return name;
      }
      return name + "-" + fnv32a(nodeName);
    }

    private void mark(Node n, String nodePhase, String nodeMessage) {
      n.phase = nodePhase;
      if (nodeMessage != null) {
        n.message = nodeMessage;
      }
      if (n.fulfilled() && n.finishedAt == null) {
        n.finishedAt = now();
      }
    }

    /**
     * A task with a retryStrategy becomes a {@code Retry} node whose children are the attempts
     * {@code name(0)}, {@code name(1)}… (operator.go executeTemplate: {@code
     * fmt.Sprintf("%s(%d)", retryNodeName, retryNum)}), each a {@code Pod} node.
     */
    private void startTask(String nodeName, String task, String templateName, String boundaryId, boolean onExit, String shutdown) {
      Node retry = newNode(nodeName, "Retry", templateName, boundaryId, onExit, task);
      retry.phase = "Running";
      startAttempt(retry, shutdown);
    }

    private void startAttempt(Node retry, String shutdown) {
      String podName = retry.name + "(" + retry.children.size() + ")";
      Node pod = newNode(podName, "Pod", retry.templateName, retry.boundaryId, retry.onExit, retry.task);
      retry.children.add(pod.id);
      // workflowpod.go createWorkflowPod: no pod is created while shutting down, unless
      // ShutdownStrategy.ShouldExecute(onExitPod) (workflow_types.go) allows it.
      if (!shouldExecute(shutdown, pod.onExit)) {
        mark(pod, "Failed", "workflow shutdown with strategy: " + shutdown);
        return;
      }
      Map<String, String> podVariables = new LinkedHashMap<>(variables);
      SchedulerEmulation kubeScheduler = scheduler;
      if (kubeScheduler != null) {
        SchedulerEmulation.Decision decision =
            kubeScheduler.schedule(name, retry.task, template.template(retry.templateName), podVariables);
        if (decision.unschedulable()) {
          // The pod stays Pending with PodScheduled=False, reason Unschedulable; Argo's node takes
          // "Unschedulable: <message>" (operator.go assessNodeStatus, getPendingReason). It never
          // ends by itself: only a shutdown (its future cancelled) fails it.
          mark(pod, "Pending", "Unschedulable: " + decision.message());
          running.put(pod.id, new java.util.concurrent.CompletableFuture<>());
          return;
        }
      }
      pod.phase = "Running";
      String folder = variables.get("workflow.parameters.prefix");
      Deque<Fault> taskFaults = faults.get(key(folder, retry.task));
      Fault fault = taskFaults == null ? null : taskFaults.poll();
      Deque<Integer> exits = odmExitCodes.get(folder);
      Integer odmExit = fault == null && exits != null && "process".equals(retry.templateName) ? exits.poll() : null;
      Map<String, String> standIn = new LinkedHashMap<>();
      if ("process".equals(retry.templateName) && Files.exists(odmPause(folder))) {
        standIn.put("ODM_STANDIN_PAUSE_FILE", odmPause(folder).toString());
      }
      if (odmSeconds > 0) {
        standIn.put("ODM_STANDIN_SECONDS", Double.toString(odmSeconds));
      }
      if (!services.isEmpty()) {
        standIn.put("ODM_STANDIN_SERVICES", services.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
            .collect(java.util.stream.Collectors.joining(",")));
      }
      if (odmExit != null && odmExitStages.containsKey(folder)) {
        standIn.put("ODM_STANDIN_EXIT_STAGE", odmExitStages.remove(folder));
      }
      var context = new PodRunner.PodContext(name, uid, pod.id, podName(pod), podVariables, odmExit == null ? 0 : odmExit, standIn, new StringBuilder());
      Map<String, Object> podTemplate = template.template(retry.templateName);
      String task = retry.task;
      running.put(pod.id, podThreads.submit(() -> {
        synchronized (holdLock) {
          while (isHeld(folder, task)) {
            holdLock.wait();
          }
        }
        if (fault == Fault.ERROR) {
          // operator.go podReconciliation: a pod that disappears marks its node Error "pod deleted".
          return new PodRunner.Outcome("Error", "pod deleted");
        }
        if (fault == Fault.FAILED) {
          return PodRunner.Outcome.exitCode("main", 1);
        }
        return pods.run(context, podTemplate);
      }));
    }

    /** ShutdownStrategy.ShouldExecute (pkg/apis/workflow/v1alpha1/workflow_types.go). */
    private static boolean shouldExecute(String shutdown, boolean onExitPod) {
      return switch (shutdown) {
        case "Terminate" -> false;
        case "Stop" -> onExitPod;
        default -> true;
      };
    }

    /**
     * Pods that ended take their outcome; under a shutdown a pod that
     * {@code ShouldExecute} refuses is terminated and its node fails with
     * "workflow shutdown with strategy:  X" (exec_control.go applyExecutionControl, two spaces
     * in Argo's format string).
     */
    private boolean reconcilePods(String shutdown) {
      boolean changed = false;
      for (var it = running.entrySet().iterator(); it.hasNext(); ) {
        var entry = it.next();
        Node pod = nodes.get(entry.getKey());
        Future<PodRunner.Outcome> future = entry.getValue();
        if (!shutdown.isEmpty() && !shouldExecute(shutdown, pod.onExit)) {
          future.cancel(true);
          mark(pod, "Failed", "workflow shutdown with strategy:  " + shutdown);
          it.remove();
          changed = true;
        } else if (future.isDone()) {
          PodRunner.Outcome outcome;
          try {
            outcome = future.get();
          } catch (ExecutionException e) {
            outcome = new PodRunner.Outcome("Error", String.valueOf(e.getCause()));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return changed;
          } catch (java.util.concurrent.CancellationException e) {
            outcome = new PodRunner.Outcome("Failed", "workflow shutdown with strategy:  " + shutdown);
          }
          mark(pod, outcome.phase(), outcome.message());
          // The pod GC (workflow/controller/operator.go, podGC OnPodSuccess) deletes a succeeded
          // pod, and its log with it; a failed one stays until the Workflow is deleted.
          if ("Succeeded".equals(outcome.phase()) && template.podGcStrategy().filter("OnPodSuccess"::equals).isPresent()) {
            podLogs.forget(namespace, podName(pod));
          }
          it.remove();
          changed = true;
        }
      }
      return changed;
    }

    /**
     * operator.go processNodeRetries: a Retry node mirrors its running attempt; succeeds with it;
     * under a shutdown fails with "Stopped with strategy 'X'"; retries a {@code Failed} attempt
     * only with retryPolicy Always/OnFailure and an {@code Error} one with Always/OnError (else
     * takes the attempt's phase and message); and gives up with "No more retries left" once it has
     * more attempts than {@code limit}.
     */
    @SuppressWarnings("unchecked")
    private boolean reconcileRetries(String shutdown) {
      boolean changed = false;
      for (Node retry : List.copyOf(nodes.values())) {
        if (!"Retry".equals(retry.type) || retry.fulfilled()) {
          continue;
        }
        Node last = nodes.get(retry.children.get(retry.children.size() - 1));
        if (!last.fulfilled()) {
          if (!retry.phase.equals(last.phase)) {
            retry.phase = last.phase;
            changed = true;
          }
          continue;
        }
        changed = true;
        if ("Succeeded".equals(last.phase)) {
          mark(retry, "Succeeded", null);
          continue;
        }
        if (!shutdown.isEmpty()) {
          mark(retry, last.phase, "Stopped with strategy '" + shutdown + "'");
          continue;
        }
        Map<String, Object> strategy = (Map<String, Object>) template.template(retry.templateName).get("retryStrategy");
        String policy = String.valueOf(strategy.getOrDefault("retryPolicy", "OnFailure"));
        boolean retryOnFailed = policy.equals("Always") || policy.equals("OnFailure");
        boolean retryOnError = policy.equals("Always") || policy.equals("OnError");
        if (("Failed".equals(last.phase) && !retryOnFailed) || ("Error".equals(last.phase) && !retryOnError)) {
          mark(retry, last.phase, last.message);
          continue;
        }
        int limit = Integer.parseInt(String.valueOf(strategy.get("limit")));
        if (retry.children.size() > limit) {
          mark(retry, last.phase, "No more retries left");
          continue;
        }
        startAttempt(retry, shutdown);
      }
      return changed;
    }

    /**
     * dag.go executeDAG/executeDAGTask: a task starts once every task its {@code depends} names
     * has succeeded; task nodes are named {@code <dag node>.<task>}; a root task is a child of the
     * DAG node, the others children of their dependencies' outbound nodes (operator.go
     * getOutboundNodes: a Retry node's last attempt). assessDAGPhase: Succeeded when every task
     * succeeded, Failed under a shutdown or when a task failed and nothing runs any more (no
     * message on the DAG node).
     */
    @SuppressWarnings("unchecked")
    private boolean executeDag(Node root, String shutdown) {
      boolean changed = false;
      List<Map<String, Object>> tasks = (List<Map<String, Object>>) ((Map<String, Object>) template.template(root.templateName).get("dag")).get("tasks");
      boolean anyRunning = false;
      boolean anyFailed = false;
      boolean allSucceeded = true;
      for (Map<String, Object> task : tasks) {
        String taskName = (String) task.get("name");
        Node node = nodes.get(nodeId(root.name + "." + taskName));
        if (node == null) {
          allSucceeded = false;
          List<String> depends = task.get("depends") == null ? List.of() : List.of(String.valueOf(task.get("depends")).split("\\s*&&\\s*"));
          boolean ready = true;
          for (String dep : depends) {
            if (!dep.matches("[a-z0-9-]+")) {
              throw new IllegalArgumentException("depends expression not emulated: " + dep);
            }
            Node depNode = nodes.get(nodeId(root.name + "." + dep));
            ready &= depNode != null && "Succeeded".equals(depNode.phase);
          }
          if (ready && shutdown.isEmpty()) {
            startTask(root.name + "." + taskName, taskName, (String) task.get("template"), root.id, false, shutdown);
            Node started = nodes.get(nodeId(root.name + "." + taskName));
            if (depends.isEmpty()) {
              root.children.add(started.id);
            } else {
              for (String dep : depends) {
                Node depNode = nodes.get(nodeId(root.name + "." + dep));
                nodes.get(depNode.children.get(depNode.children.size() - 1)).children.add(started.id);
              }
            }
            anyRunning = true;
            changed = true;
          }
        } else if (!node.fulfilled()) {
          anyRunning = true;
          allSucceeded = false;
        } else if (!"Succeeded".equals(node.phase)) {
          anyFailed = true;
          allSucceeded = false;
        }
      }
      if (allSucceeded) {
        mark(root, "Succeeded", null);
        changed = true;
      } else if (!anyRunning && (anyFailed || !shutdown.isEmpty())) {
        mark(root, "Failed", null);
        changed = true;
      }
      return changed;
    }

    /**
     * operator.go operate, after the entrypoint's node is fulfilled: {@code workflow.status} from
     * the node's phase; the onExit template runs when ShutdownStrategy.ShouldExecute(true) (not
     * under Terminate) as node {@code <wf>.onExit} (common.GenerateOnExitNodeName); once it is
     * fulfilled the Workflow takes the node's phase (Failed when the main part succeeded but the
     * exit handler failed), message "Stopped with strategy 'X'" when it failed under a shutdown,
     * else the node's message, and finishedAt.
     */
    private boolean exitHandlerAndFinish(Node root, String shutdown) {
      boolean changed = false;
      Optional<String> onExit = template.onExit();
      String onExitName = name + ".onExit";
      Node exitNode = nodes.get(nodeId(onExitName));
      variables.put("workflow.failures", failures());
      if (onExit.isPresent() && (exitNode != null || shouldExecute(shutdown, true))) {
        if (exitNode == null) {
          variables.put("workflow.status", switch (root.phase) {
            case "Succeeded", "Skipped", "Omitted" -> "Succeeded";
            case "Error" -> "Error";
            default -> "Failed";
          });
          exitNode = newNode(onExitName, "Steps", onExit.get(), null, true, null);
          exitNode.phase = "Running";
          changed = true;
        }
        changed |= executeSteps(exitNode, shutdown);
        if (!exitNode.fulfilled()) {
          return changed;
        }
      }
      String finalPhase = switch (root.phase) {
        case "Succeeded", "Skipped", "Omitted" -> "Succeeded";
        case "Error" -> "Error";
        default -> "Failed";
      };
      String finalMessage = "Succeeded".equals(finalPhase) ? null : root.message;
      if (!"Succeeded".equals(finalPhase) && !shutdown.isEmpty()) {
        finalMessage = "Stopped with strategy '" + shutdown + "'";
      }
      if ("Succeeded".equals(finalPhase) && exitNode != null && !"Succeeded".equals(exitNode.phase)) {
        finalPhase = "Error".equals(exitNode.phase) ? "Error" : "Failed";
        finalMessage = exitNode.message;
      }
      finish(finalPhase, finalMessage);
      return true;
    }

    /**
     * {@code {{workflow.failures}}} as operator.go operate sets it on every round once the
     * entrypoint has run: the Failed and Error nodes as a JSON array of failedNodeStatus
     * (displayName, message, templateName, phase, podName, finishedAt; encoding/json, which escapes
     * {@code < > &} and U+2028/U+2029), then {@code strconv.Quote}d ("so that the escaped quotes are
     * not removed during parameter substitution"). Argo's substitution (util/template
     * simple_template.go simpleReplaceStrict) quotes the value again into the template's JSON, which
     * is then decoded once: an argv element gets the quoted text itself, as substituted here. For
     * printable text, as these messages are, strconv.Quote and a JSON string literal agree.
     */
    private String failures() {
      List<Map<String, Object>> failed = new ArrayList<>();
      for (Node n : nodes.values()) {
        if ("Failed".equals(n.phase) || "Error".equals(n.phase)) {
          Map<String, Object> f = new LinkedHashMap<>();
          f.put("displayName", n.displayName);
          f.put("message", n.message == null ? "" : n.message);
          f.put("templateName", n.templateName);
          f.put("phase", n.phase);
          f.put("podName", podName(n));
          f.put("finishedAt", n.finishedAt == null ? null : n.finishedAt.toString());
          failed.add(f);
        }
      }
      try {
        String array = FAILURES_JSON.writeValueAsString(failed.isEmpty() ? null : failed)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029");
        return FAILURES_JSON.writeValueAsString(array);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }

    /**
     * workflow/util/pod_name.go GeneratePodName (v2, the default): the Workflow's name for its own
     * node, else {@code <workflow>-<template>-<FNV-32a of the node name>}.
     */
    private String podName(Node n) {
      if (n.name.equals(name)) {
        return name;
      }
      String prefix = n.templateName == null || n.templateName.isEmpty() ? name : name + "-" + n.templateName;
      return prefix + "-" + fnv32a(n.name);
    }

    /**
     * steps.go executeSteps/executeStepGroup: group {@code i} is node {@code <steps>[i]} (type
     * StepGroup), its steps {@code <steps>[i].<step>} run side by side; a group fails with
     * "child '<id>' failed" once all its steps ended and one did not succeed, and so does the
     * Steps node.
     */
    @SuppressWarnings("unchecked")
    private boolean executeSteps(Node steps, String shutdown) {
      boolean changed = false;
      List<List<Map<String, Object>>> groups = (List<List<Map<String, Object>>>) template.template(steps.templateName).get("steps");
      for (int i = 0; i < groups.size(); i++) {
        String groupName = steps.name + "[" + i + "]";
        Node group = nodes.get(nodeId(groupName));
        if (group == null) {
          group = newNode(groupName, "StepGroup", "", steps.id, true, null);
          group.phase = "Running";
          steps.children.add(group.id);
          for (Map<String, Object> step : groups.get(i)) {
            String stepName = groupName + "." + step.get("name");
            if (step.get("when") != null && !when(WorkflowTemplateFile.substitute(String.valueOf(step.get("when")), variables))) {
              // steps.go executeStepGroup: a step whose `when` is false gets a Skipped node,
              // message "when '<expression>' evaluated false" (the substituted expression).
              Node skipped = newNode(stepName, "Skipped", (String) step.get("template"), steps.id, true, (String) step.get("name"));
              mark(skipped, "Skipped", "when '" + WorkflowTemplateFile.substitute(String.valueOf(step.get("when")), variables)
                  + "' evaluated false");
              group.children.add(skipped.id);
              continue;
            }
            startTask(stepName, (String) step.get("name"), (String) step.get("template"), steps.id, true, shutdown);
            group.children.add(nodeId(stepName));
          }
          changed = true;
        }
        if (!group.fulfilled()) {
          boolean allDone = true;
          String failedChild = null;
          for (String child : group.children) {
            Node c = nodes.get(child);
            allDone &= c.fulfilled();
            if (c.fulfilled() && !"Succeeded".equals(c.phase) && !"Skipped".equals(c.phase) && failedChild == null) {
              failedChild = c.id;
            }
          }
          if (!allDone) {
            return changed;
          }
          if (failedChild == null) {
            mark(group, "Succeeded", null);
          } else {
            mark(group, "Failed", "child '" + failedChild + "' failed");
            mark(steps, "Failed", "child '" + failedChild + "' failed");
            return true;
          }
          changed = true;
        }
      }
      if (!steps.fulfilled()) {
        mark(steps, "Succeeded", null);
        changed = true;
      }
      return changed;
    }

    private void finish(String finalPhase, String finalMessage) {
      phase = finalPhase;
      message = finalMessage;
      finishedAt = now();
      done = true;
    }
  }

  /**
   * A step's {@code when} as Argo evaluates it with govaluate (workflow/controller/steps.go
   * shouldExecute): only the form our template uses, {@code 'a' =~ 'regex'} or {@code 'a' !~
   * 'regex'} (govaluate's regex operators, Go's RE2 syntax; a match anywhere, regexp.MatchString).
   */
  static boolean when(String expression) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\s*'([^']*)'\\s*([=!]~)\\s*'([^']*)'\\s*").matcher(expression);
    if (!m.matches()) {
      throw new IllegalArgumentException("when expression not emulated: " + expression);
    }
    boolean found = java.util.regex.Pattern.compile(m.group(3)).matcher(m.group(1)).find();
    return "=~".equals(m.group(2)) == found;
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper FAILURES_JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  /** Go's hash/fnv New32a over the UTF-8 bytes, as an unsigned decimal. */
  private static String fnv32a(String text) {
    int hash = 0x811c9dc5;
    for (byte b : text.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      hash ^= (b & 0xff);
      hash *= 0x01000193;
    }
    return Integer.toUnsignedString(hash);
  }

  private static Instant now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS);
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
