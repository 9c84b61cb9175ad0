package org.odmwatcher.testing.argo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.odmwatcher.config.NodeClassConfig;

/**
 * kube-scheduler for the test Argo's pods, over one empty node per configured node class (what
 * an autoscaler would bring: a pod that fits a class's node runs there, a pod that fits none stays
 * Pending). Each step's pod is the template's after Argo's podSpecPatch (argo-workflows
 * util/util.go ApplyPodSpecPatch: a strategic merge patch of the pod spec; emulated for what the
 * watcher patches: nodeSelector merged by key, tolerations replaced, containers merged by name and
 * their resources' requests and limits merged by key) and with the template's metadata annotations.
 *
 * <p>Per node, the filter plugins in kube-scheduler's default order, the first that rejects giving
 * the node's reason (pkg/scheduler/framework/runtime/framework.go RunFilterPlugins stops at the
 * first failure): TaintToleration (plugins/tainttoleration/taint_toleration.go Filter: "node(s) had
 * untolerated taint {key: value}" for a NoSchedule/NoExecute taint no toleration matches),
 * NodeAffinity (plugins/nodeaffinity/node_affinity.go ErrReasonPod "node(s) didn't match Pod's node
 * affinity/selector"), NodeResourcesFit (plugins/noderesources/fit.go fitsRequest: "Insufficient
 * cpu", "Insufficient memory", "Insufficient nvidia.com/gpu", every short resource of the node; the
 * pod's request is its containers' sum, at least its largest init container's, computePodResourceRequest).
 * No node left: the scheduler's FitError message (pkg/scheduler/framework/types.go FitError.Error:
 * {@code "0/%v nodes are available:"}, then the reasons as "count reason" sorted and joined by
 * ", " with a final ".", then the PostFilter message) with default preemption's message
 * (plugins/defaultpreemption, framework/preemption/preemption.go: "preemption: 0/N nodes are
 * available: " + "N Preemption is not helpful for scheduling" for nodes whose reason is
 * UnschedulableAndUnresolvable (taints, selector), "N No preemption victims found for incoming pod"
 * for the others; there are no lower-priority pods here to evict). Messages as kube-scheduler
 * 1.3x prints them, e.g. {@code 0/3 nodes are available: 1 Insufficient memory, 2 node(s) didn't
 * match Pod's node affinity/selector. preemption: 0/3 nodes are available: 1 No preemption victims
 * found for incoming pod, 2 Preemption is not helpful for scheduling.}
 *
 * <p>Among the nodes that fit, the smallest (by memory, then name) takes the pod, as a
 * cost-minded autoscaler would provision it. Every decision is recorded ({@link #scheduled()}).
 */
public final class SchedulerEmulation {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String GPU = "nvidia.com/gpu";

  private final List<NodeClassConfig> classes;
  private final List<Scheduled> scheduled = new CopyOnWriteArrayList<>();

  /** A pod that got a node: which Workflow and step, which class, and what it carried. */
  public record Scheduled(String workflow, String step, NodeClassConfig nodeClass, Map<String, String> annotations,
      Map<String, String> nodeSelector, Map<String, Long> requests) {}

  /** The scheduler's answer: a node class, or its message for a pod that fits none. */
  public record Decision(NodeClassConfig nodeClass, String message) {
    public boolean unschedulable() {
      return nodeClass == null;
    }
  }

  public SchedulerEmulation(List<NodeClassConfig> classes) {
    List<NodeClassConfig> sorted = new ArrayList<>(classes);
    sorted.sort(Comparator.comparingLong(NodeClassConfig::memoryBytes).thenComparing(NodeClassConfig::name));
    this.classes = List.copyOf(sorted);
  }

  /** Every pod placed so far, in order. */
  public List<Scheduled> scheduled() {
    return Collections.unmodifiableList(scheduled);
  }

  /** The pods of {@code step} ({@code process}, {@code download}…) placed so far. */
  public List<Scheduled> scheduled(String step) {
    return scheduled.stream().filter(s -> s.step().equals(step)).toList();
  }

  /**
   * Schedules the pod of {@code template} (one of the WorkflowTemplate's) with Argo's {@code
   * variables}; resource and DAG templates make no pod of their own here.
   */
  @SuppressWarnings("unchecked")
  public Decision schedule(String workflow, String step, Map<String, Object> template, Map<String, String> variables) {
    if (!template.containsKey("container")) {
      return new Decision(classes.isEmpty() ? null : classes.get(0), null);
    }
    Pod pod = pod(template, variables);
    Map<String, Integer> reasons = new TreeMap<>();
    Map<String, Integer> preemption = new TreeMap<>();
    NodeClassConfig chosen = null;
    for (NodeClassConfig node : classes) {
      List<String> why = filter(node, pod);
      if (why.isEmpty()) {
        chosen = chosen == null ? node : chosen;
        continue;
      }
      why.forEach(r -> reasons.merge(r, 1, Integer::sum));
      boolean unresolvable = why.get(0).startsWith("node(s)");
      preemption.merge(unresolvable ? "Preemption is not helpful for scheduling" : "No preemption victims found for incoming pod",
          1, Integer::sum);
    }
    if (chosen != null) {
      scheduled.add(new Scheduled(workflow, step, chosen, pod.annotations, pod.nodeSelector, pod.requests));
      return new Decision(chosen, null);
    }
    return new Decision(null, "0/" + classes.size() + " nodes are available: " + histogram(reasons) + "."
        + " preemption: 0/" + classes.size() + " nodes are available: " + histogram(preemption) + ".");
  }

  /** FitError.Error's sortReasonsHistogram: "count reason", sorted as strings, joined by ", ". */
  private static String histogram(Map<String, Integer> counts) {
    List<String> parts = new ArrayList<>();
    counts.forEach((reason, n) -> parts.add(n + " " + reason));
    Collections.sort(parts);
    return String.join(", ", parts);
  }

  private static List<String> filter(NodeClassConfig node, Pod pod) {
    for (NodeClassConfig.Taint taint : node.parsedTaints()) {
      if (!taint.effect().equals("PreferNoSchedule") && pod.tolerations.stream().noneMatch(t -> tolerates(t, taint))) {
        return List.of("node(s) had untolerated taint {" + taint.key() + ": " + taint.value() + "}");
      }
    }
    for (var e : pod.nodeSelector.entrySet()) {
      if (!e.getValue().equals(node.labels().get(e.getKey()))) {
        return List.of("node(s) didn't match Pod's node affinity/selector");
      }
    }
    List<String> short_ = new ArrayList<>();
    if (pod.requests.getOrDefault("cpu", 0L) > node.cpu() * 1000L) {
      short_.add("Insufficient cpu");
    }
    if (pod.requests.getOrDefault("memory", 0L) > node.memoryBytes()) {
      short_.add("Insufficient memory");
    }
    if (pod.requests.getOrDefault(GPU, 0L) > node.gpu()) {
      short_.add("Insufficient " + GPU);
    }
    return short_;
  }

  /** k8s.io/api core/v1 toleration.go ToleratesTaint: key, effect (empty = all), Exists or Equal value. */
  private static boolean tolerates(Map<String, Object> toleration, NodeClassConfig.Taint taint) {
    String effect = String.valueOf(toleration.getOrDefault("effect", ""));
    if (!effect.isEmpty() && !effect.equals(taint.effect())) {
      return false;
    }
    String key = String.valueOf(toleration.getOrDefault("key", ""));
    String operator = String.valueOf(toleration.getOrDefault("operator", "Equal"));
    if (key.isEmpty()) {
      return operator.equals("Exists");
    }
    if (!key.equals(taint.key())) {
      return false;
    }
    return operator.equals("Exists") || String.valueOf(toleration.getOrDefault("value", "")).equals(taint.value());
  }

  private record Pod(Map<String, String> nodeSelector, List<Map<String, Object>> tolerations, Map<String, Long> requests,
      Map<String, String> annotations) {}

  @SuppressWarnings("unchecked")
  private static Pod pod(Map<String, Object> template, Map<String, String> variables) {
    Map<String, String> nodeSelector = new TreeMap<>();
    ((Map<String, Object>) template.getOrDefault("nodeSelector", Map.of())).forEach((k, v) -> nodeSelector.put(k,
        WorkflowTemplateFile.substitute(String.valueOf(v), variables)));
    List<Map<String, Object>> tolerations = new ArrayList<>((List<Map<String, Object>>) template.getOrDefault("tolerations", List.of()));
    Map<String, Object> main = (Map<String, Object>) template.get("container");
    Map<String, Object> resources = (Map<String, Object>) main.getOrDefault("resources", Map.of());
    Map<String, String> requests = new LinkedHashMap<>();
    ((Map<String, Object>) resources.getOrDefault("requests", Map.of())).forEach((k, v) -> requests.put(k, String.valueOf(v)));
    Map<String, String> limits = new LinkedHashMap<>();
    ((Map<String, Object>) resources.getOrDefault("limits", Map.of())).forEach((k, v) -> limits.put(k, String.valueOf(v)));
    Object patchText = template.get("podSpecPatch");
    if (patchText != null) {
      Map<String, Object> patch;
      try {
        patch = JSON.readValue(WorkflowTemplateFile.substitute(String.valueOf(patchText), variables), Map.class);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("podSpecPatch is not JSON: " + e.getOriginalMessage(), e);
      }
      ((Map<String, Object>) patch.getOrDefault("nodeSelector", Map.of())).forEach((k, v) -> nodeSelector.put(k, String.valueOf(v)));
      if (patch.containsKey("tolerations")) {
        tolerations = (List<Map<String, Object>>) patch.get("tolerations");
      }
      for (Map<String, Object> c : (List<Map<String, Object>>) patch.getOrDefault("containers", List.of())) {
        if ("main".equals(c.get("name")) && c.get("resources") instanceof Map<?, ?> r) {
          if (r.get("requests") instanceof Map<?, ?> req) {
            req.forEach((k, v) -> requests.put(String.valueOf(k), String.valueOf(v)));
          }
          if (r.get("limits") instanceof Map<?, ?> lim) {
            lim.forEach((k, v) -> limits.put(String.valueOf(k), String.valueOf(v)));
          }
        }
      }
    }
    // core/v1 defaults: a resource with a limit and no request requests its limit.
    limits.forEach(requests::putIfAbsent);
    Map<String, Long> amounts = new TreeMap<>();
    requests.forEach((k, v) -> amounts.put(k, k.equals("cpu") ? millicores(v) : k.equals("memory") ? NodeClassConfig.bytes(v, "pod") : Long.parseLong(v)));
    // computePodResourceRequest: at least the largest init container's request.
    for (Map<String, Object> init : (List<Map<String, Object>>) template.getOrDefault("initContainers", List.of())) {
      Map<String, Object> r = (Map<String, Object>) ((Map<String, Object>) init.getOrDefault("resources", Map.of())).getOrDefault("requests", Map.of());
      r.forEach((k, v) -> {
        long amount = k.equals("cpu") ? millicores(String.valueOf(v)) : k.equals("memory") ? NodeClassConfig.bytes(String.valueOf(v), "pod") : 0;
        amounts.merge(k, amount, Math::max);
      });
    }
    Map<String, String> annotations = new TreeMap<>();
    if (template.get("metadata") instanceof Map<?, ?> meta && meta.get("annotations") instanceof Map<?, ?> a) {
      a.forEach((k, v) -> annotations.put(String.valueOf(k), WorkflowTemplateFile.substitute(String.valueOf(v), variables)));
    }
    return new Pod(nodeSelector, tolerations, amounts, annotations);
  }

  private static long millicores(String cpu) {
    return cpu.endsWith("m") ? Long.parseLong(cpu.substring(0, cpu.length() - 1)) : Math.round(Double.parseDouble(cpu) * 1000);
  }
}
