package org.odmwatcher.workflow;

import io.micronaut.core.annotation.Nullable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.odmwatcher.config.NodeClassConfig;
import org.odmwatcher.config.PlacementConfig;

/**
 * Puts each step of a job on one of the operator's node classes ({@link NodeClassConfig}):
 *
 * <ul>
 *   <li>download, seed and upload on the smallest class without GPUs that holds them, spot first
 *       when {@code transfers-on-spot} (they are idempotent and retried);
 *   <li>ODM on the smallest class whose memory holds its request: a GPU class for a GPU job and only
 *       then; on-demand from {@code on-demand-above-images} images or when the manifest asks for
 *       {@code on-demand}, with {@code karpenter.sh/do-not-disrupt} (hours of work are not worth a
 *       consolidation); else spot first. Its CPU request and memory limit are capped at the class's.
 * </ul>
 *
 * A job no class can hold is refused ({@link NoNodeFitsException}) with what it needs, what exists
 * and the {@code split} that would fit. With no class configured nothing is placed or capped.
 */
public final class PlacementPlanner {
  private final PlacementConfig config;
  private final List<NodeClassConfig> classes;

  /** Whether and why the ODM step wants a GPU. */
  public enum Gpu {
    /** Not asked, nothing would use one. */
    NO,
    /** An option would use one (popsift with {@code feature-type: sift}): a GPU class if there is one. */
    USEFUL,
    /** The manifest asks ({@code gpu: true}): a GPU class or the job is invalid. */
    REQUIRED
  }

  public PlacementPlanner(PlacementConfig config, List<NodeClassConfig> classes) {
    this.config = config;
    this.classes = classes.stream().sorted(Comparator.comparingLong(NodeClassConfig::memoryBytes).thenComparing(NodeClassConfig::name)).toList();
  }

  /** No node classes: nothing placed, nothing capped (the watcher's behaviour before placement existed). */
  public static PlacementPlanner unplaced() {
    return new PlacementPlanner(PlacementConfig.defaults(), List.of());
  }

  public PlacementConfig config() {
    return config;
  }

  public List<NodeClassConfig> classes() {
    return classes;
  }

  /**
   * @param images the job's images (the on-demand threshold counts them all)
   * @param sizing the job's sizing (a split-merge job's ODM step already at its submodel size)
   * @param gpu whether the ODM step wants a GPU
   * @param capacityType the manifest's {@code capacityType} ({@code on-demand} or {@code spot}), or null
   */
  public PlacementPlan plan(int images, ResourceSizing sizing, Gpu gpu, @Nullable String capacityType) {
    boolean onDemand = images >= config.onDemandAboveImages() || NodeClassConfig.ON_DEMAND.equals(capacityType);
    if (classes.isEmpty()) {
      if (gpu == Gpu.REQUIRED) {
        throw new NoNodeFitsException(List.of("the manifest asks for a GPU (gpu: true) but the operator configured no node"
            + " class with GPUs (" + PlacementConfig.PREFIX + ".node-classes.<name>.gpu)"));
      }
      StepPlacement none = new StepPlacement(null, null, false);
      return new PlacementPlan(none, none, new StepPlacement(null, sizing.process(), false), config.odmImage(), false);
    }
    if (gpu == Gpu.REQUIRED && classes.stream().noneMatch(c -> c.gpu() > 0)) {
      throw new NoNodeFitsException(List.of("the manifest asks for a GPU (gpu: true) but no node class has one; node classes: "
          + describeClasses()));
    }
    StepPlacement transfer = transferStep(sizing.transfer());
    boolean withGpu = gpu != Gpu.NO && classes.stream().anyMatch(c -> c.gpu() > 0);
    ResourceSizing.Resources need = withGpu ? sizing.process().withGpu(1) : sizing.process();
    List<NodeClassConfig> candidates = new ArrayList<>();
    for (NodeClassConfig c : classes) {
      if ((c.gpu() > 0) == withGpu && c.memoryBytes() >= need.memoryRequest() && (!onDemand || !c.spot())) {
        candidates.add(c);
      }
    }
    Optional<NodeClassConfig> chosen = onDemand ? candidates.stream().findFirst()
        : candidates.stream().filter(NodeClassConfig::spot).findFirst().or(() -> candidates.stream().findFirst());
    if (chosen.isEmpty()) {
      throw new NoNodeFitsException(List.of(noFit(images, need, gpu, withGpu, onDemand)));
    }
    NodeClassConfig c = chosen.get();
    StepPlacement process = new StepPlacement(c, need.cappedAt(c.cpu() * 1000L, c.memoryBytes()), !c.spot());
    return new PlacementPlan(transfer, transfer, process, withGpu ? config.odmGpuImage() : config.odmImage(), withGpu);
  }

  private StepPlacement transferStep(ResourceSizing.Resources need) {
    List<NodeClassConfig> fitting = classes.stream().filter(c -> c.gpu() == 0 && c.memoryBytes() >= need.memoryRequest()).toList();
    if (fitting.isEmpty()) {
      fitting = classes; // GPU nodes only: the transfers go there too
    }
    List<NodeClassConfig> pool = fitting;
    NodeClassConfig c = pool.stream().filter(k -> k.spot() == config.transfersOnSpot()).findFirst().orElse(pool.get(0));
    return new StepPlacement(c, null, false);
  }

  private String noFit(int images, ResourceSizing.Resources need, Gpu gpu, boolean withGpu, boolean onDemand) {
    List<NodeClassConfig> kind = classes.stream().filter(c -> (c.gpu() > 0) == withGpu && (!onDemand || !c.spot())).toList();
    String what = (withGpu ? "GPU " : "") + (onDemand ? "on-demand " : "");
    StringBuilder s = new StringBuilder("no node fits: ODM needs " + ResourceSizing.quantity(need.memoryRequest())
        + " of memory for " + images + " images");
    if (kind.isEmpty()) {
      return s.append(" on a ").append(what).append("node and there is no ").append(what)
          .append("node class; node classes: ").append(describeClasses()).toString();
    }
    NodeClassConfig largest = kind.get(kind.size() - 1);
    s.append("; the largest ").append(what).append("node class, ").append(largest.name()).append(", has ")
        .append(largest.memory()).append(" (node classes: ").append(describeClasses()).append(')');
    int fits = ResourceSizing.imagesFitting(largest.memoryBytes(), config.swapRatio());
    if (fits >= 100) {
      int split = fits / 100 * 100;
      s.append("; split-merge with \"split\": ").append(split).append(" (or less) would fit, each submodel on ")
          .append(largest.name());
    } else {
      s.append("; even 100 images need more than ").append(largest.memory()).append(": add a larger node class");
    }
    return s.toString();
  }

  private String describeClasses() {
    List<String> parts = new ArrayList<>();
    for (NodeClassConfig c : classes) {
      parts.add(c.name() + " " + c.memory() + " " + c.cpu() + " CPU" + (c.gpu() > 0 ? " " + c.gpu() + " GPU" : "") + " " + c.capacityType());
    }
    return String.join(", ", parts);
  }
}
