package org.odmwatcher.config;

import io.micronaut.context.annotation.EachProperty;
import io.micronaut.context.annotation.Parameter;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import io.micronaut.core.convert.format.MapFormat;
import io.micronaut.core.naming.conventions.StringConvention;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One kind of node the cluster has or its autoscaler can make ({@code
 * watcher.placement.node-classes.<name>.*}): what a pod may use on it and how a pod lands on it.
 * The same description serves Karpenter (labels {@code karpenter.sh/capacity-type}, {@code
 * karpenter.sh/nodepool}) and any other autoscaler or fixed node group (their own labels and taints).
 *
 * @param name the class's name (the key under {@code node-classes})
 * @param memory allocatable memory of one node, a Kubernetes quantity ({@code 61Gi}); what a pod
 *     may request there, so below the machine's RAM (kubelet and system reserve)
 * @param cpu allocatable CPUs of one node
 * @param gpu {@code nvidia.com/gpu} devices of one node (0: none)
 * @param capacityType {@code spot} or {@code on-demand} (Karpenter's {@code karpenter.sh/capacity-type} values)
 * @param labels labels every node of the class carries; a pod placed there gets them as its
 *     {@code nodeSelector} (keys with dots kept as written)
 * @param taints taints of the class's nodes, as {@code kubectl taint} writes them ({@code
 *     key=value:NoSchedule}, {@code key:NoSchedule}); a pod placed there tolerates exactly them
 */
@EachProperty(PlacementConfig.PREFIX + ".node-classes")
public record NodeClassConfig(
    @Parameter String name,
    @NotBlank String memory,
    @Min(1) int cpu,
    @Bindable(defaultValue = "0") @Min(0) int gpu,
    @Bindable(defaultValue = "on-demand") @NotBlank String capacityType,
    @Nullable @MapFormat(transformation = MapFormat.MapTransformation.FLAT, keyFormat = StringConvention.RAW)
        Map<String, String> labels,
    @Nullable List<String> taints) {

  public static final String SPOT = "spot";
  public static final String ON_DEMAND = "on-demand";
  private static final Pattern QUANTITY = Pattern.compile("(\\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?");
  private static final Pattern TAINT = Pattern.compile("([^=:\\s]+)(?:=([^:\\s]*))?:(NoSchedule|PreferNoSchedule|NoExecute)");

  /** A taint of the class's nodes: {@code key=value:effect}. */
  public record Taint(String key, String value, String effect) {}

  public NodeClassConfig {
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    taints = taints == null ? List.of() : List.copyOf(taints);
    capacityType = capacityType == null ? ON_DEMAND : capacityType.toLowerCase(Locale.ROOT);
    if (!capacityType.equals(SPOT) && !capacityType.equals(ON_DEMAND)) {
      throw new IllegalArgumentException(
          PlacementConfig.PREFIX + ".node-classes." + name + ".capacity-type must be spot or on-demand, found " + capacityType);
    }
    bytes(memory, name);
    for (String taint : taints) {
      if (!TAINT.matcher(taint).matches()) {
        throw new IllegalArgumentException(PlacementConfig.PREFIX + ".node-classes." + name
            + ".taints: '" + taint + "' is not key=value:Effect (NoSchedule, PreferNoSchedule, NoExecute)");
      }
    }
  }

  /** Allocatable memory in bytes. */
  public long memoryBytes() {
    return bytes(memory, name);
  }

  public boolean spot() {
    return SPOT.equals(capacityType);
  }

  public List<Taint> parsedTaints() {
    return taints.stream().map(t -> {
      Matcher m = TAINT.matcher(t);
      m.matches();
      return new Taint(m.group(1), m.group(2) == null ? "" : m.group(2), m.group(3));
    }).toList();
  }

  /** A Kubernetes quantity of memory in bytes (the binary and decimal suffixes only). */
  public static long bytes(String quantity, String name) {
    Matcher m = quantity == null ? null : QUANTITY.matcher(quantity.strip());
    if (m == null || !m.matches()) {
      throw new IllegalArgumentException(PlacementConfig.PREFIX + ".node-classes." + name
          + ".memory must be a quantity such as 61Gi, found " + quantity);
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "" : m.group(2);
    return switch (unit) {
      case "Ki" -> n << 10;
      case "Mi" -> n << 20;
      case "Gi" -> n << 30;
      case "Ti" -> n << 40;
      case "k" -> n * 1_000L;
      case "M" -> n * 1_000_000L;
      case "G" -> n * 1_000_000_000L;
      case "T" -> n * 1_000_000_000_000L;
      default -> n;
    };
  }
}
