package org.odmwatcher.testing;

import java.util.List;
import java.util.Map;
import org.odmwatcher.config.NodeClassConfig;

/**
 * The node classes of the tests and of the documentation's example: Karpenter NodePools on AWS
 * (allocatable figures a little below the instance types' RAM: kubelet and system reserve).
 */
public final class NodeClasses {
  /** ~m7i.2xlarge on spot. */
  public static final NodeClassConfig SPOT_SMALL = karpenter("spot-small", "30Gi", 8, 0, "spot", "odm-spot", List.of());
  /** ~r7i.4xlarge on spot. */
  public static final NodeClassConfig SPOT_LARGE = karpenter("spot-large", "120Gi", 16, 0, "spot", "odm-spot", List.of());
  /** ~r7i.8xlarge on demand. */
  public static final NodeClassConfig ON_DEMAND_LARGE = karpenter("on-demand-large", "245Gi", 32, 0, "on-demand", "odm-on-demand", List.of());
  /** ~r6id.24xlarge on demand (ScaleODM's machine for 12k images). */
  public static final NodeClassConfig ON_DEMAND_XL = karpenter("on-demand-xl", "760Gi", 96, 0, "on-demand", "odm-on-demand", List.of());
  /** ~g5.4xlarge: one NVIDIA A10G, tainted so only GPU pods land there. */
  public static final NodeClassConfig GPU = karpenter("gpu", "60Gi", 16, 1, "on-demand", "odm-gpu", List.of("nvidia.com/gpu=true:NoSchedule"));

  /** All five. */
  public static final List<NodeClassConfig> ALL = List.of(SPOT_SMALL, SPOT_LARGE, ON_DEMAND_LARGE, ON_DEMAND_XL, GPU);

  private NodeClasses() {}

  private static NodeClassConfig karpenter(String name, String memory, int cpu, int gpu, String capacityType, String nodePool,
      List<String> taints) {
    return new NodeClassConfig(name, memory, cpu, gpu, capacityType,
        Map.of("karpenter.sh/capacity-type", capacityType, "karpenter.sh/nodepool", nodePool), taints);
  }

  /** The same classes without one. */
  public static List<NodeClassConfig> without(NodeClassConfig left) {
    return ALL.stream().filter(c -> c != left).toList();
  }
}
