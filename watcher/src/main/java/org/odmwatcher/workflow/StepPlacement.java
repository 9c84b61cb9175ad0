package org.odmwatcher.workflow;

import io.micronaut.core.annotation.Nullable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.odmwatcher.config.NodeClassConfig;

/**
 * Where one step's pod goes and what it asks for.
 *
 * @param nodeClass the node class it is meant for; null when the operator configured none
 * @param resources its main container's resources; null to keep the template's own
 * @param doNotDisrupt whether the pod carries {@code karpenter.sh/do-not-disrupt: "true"}
 */
public record StepPlacement(@Nullable NodeClassConfig nodeClass, @Nullable ResourceSizing.Resources resources, boolean doNotDisrupt) {
  /** Karpenter's pod annotation that keeps the pod's node from voluntary disruption (consolidation, drift). */
  public static final String DO_NOT_DISRUPT = "karpenter.sh/do-not-disrupt";
  /** The extended resource NVIDIA's device plugin advertises. */
  public static final String GPU_RESOURCE = "nvidia.com/gpu";

  /**
   * The step's Argo {@code podSpecPatch}: the class's labels as {@code nodeSelector}, a toleration
   * for each of its taints, and the main container's resources (a strategic merge patch of the pod
   * spec, containers merged by name: argo-workflows util/util.go ApplyPodSpecPatch).
   */
  public Map<String, Object> podSpecPatch() {
    Map<String, Object> patch = new LinkedHashMap<>();
    if (nodeClass != null) {
      if (!nodeClass.labels().isEmpty()) {
        patch.put("nodeSelector", new java.util.TreeMap<>(nodeClass.labels()));
      }
      List<Map<String, String>> tolerations = new ArrayList<>();
      for (NodeClassConfig.Taint taint : nodeClass.parsedTaints()) {
        Map<String, String> toleration = new LinkedHashMap<>();
        toleration.put("key", taint.key());
        if (taint.value().isEmpty()) {
          toleration.put("operator", "Exists");
        } else {
          toleration.put("operator", "Equal");
          toleration.put("value", taint.value());
        }
        toleration.put("effect", taint.effect());
        tolerations.add(toleration);
      }
      if (!tolerations.isEmpty()) {
        patch.put("tolerations", tolerations);
      }
    }
    if (resources != null) {
      Map<String, String> requests = new LinkedHashMap<>();
      requests.put("cpu", resources.cpu());
      requests.put("memory", resources.memoryRequestQuantity());
      Map<String, String> limits = new LinkedHashMap<>();
      limits.put("memory", resources.memoryLimitQuantity());
      if (resources.gpu() > 0) {
        requests.put(GPU_RESOURCE, Integer.toString(resources.gpu()));
        limits.put(GPU_RESOURCE, Integer.toString(resources.gpu()));
      }
      Map<String, Object> containerResources = new LinkedHashMap<>();
      containerResources.put("requests", requests);
      containerResources.put("limits", limits);
      Map<String, Object> main = new LinkedHashMap<>();
      main.put("name", "main");
      main.put("resources", containerResources);
      patch.put("containers", List.of(main));
    }
    return patch;
  }

  /** One line for {@code render}: class, capacity type, resources, annotation. */
  public String describe() {
    StringBuilder s = new StringBuilder(nodeClass == null ? "any node" : nodeClass.name() + " (" + nodeClass.capacityType() + ")");
    if (resources != null) {
      s.append(", cpu ").append(resources.cpu()).append(", memory ").append(resources.memoryRequestQuantity());
      if (resources.memoryLimit() != resources.memoryRequest()) {
        s.append(" (limit ").append(resources.memoryLimitQuantity()).append(')');
      }
      if (resources.gpu() > 0) {
        s.append(", ").append(resources.gpu()).append(' ').append(GPU_RESOURCE);
      }
    }
    if (doNotDisrupt) {
      s.append(", ").append(DO_NOT_DISRUPT);
    }
    return s.toString();
  }
}
