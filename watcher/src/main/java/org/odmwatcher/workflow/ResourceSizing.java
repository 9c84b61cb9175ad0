package org.odmwatcher.workflow;

/**
 * CPU, memory and scratch space for a job, from its image count. Memory follows ODM's own guidance
 * (~40 images: 4 GB, 250: 16 GB, 500: 32 GB, 1500: 64 GB, 5000: 256 GB); scratch space allows ~40 MB
 * per image (the image, its features, depth maps and outputs) plus 10 GiB.
 */
public record ResourceSizing(String memory, String cpu, String workspace) {

  private record Step(int maxImages, int memoryGi, int cpu) {}

  private static final Step[] TABLE = {
    new Step(40, 4, 2),
    new Step(250, 16, 4),
    new Step(500, 32, 8),
    new Step(1500, 64, 16),
    new Step(5000, 256, 32),
  };

  public static ResourceSizing forImages(int images) {
    Step chosen = TABLE[TABLE.length - 1];
    for (Step step : TABLE) {
      if (images <= step.maxImages()) {
        chosen = step;
        break;
      }
    }
    long workspaceGi = 10 + (long) Math.ceil(images * 40.0 / 1024.0);
    return new ResourceSizing(chosen.memoryGi() + "Gi", Integer.toString(chosen.cpu()), workspaceGi + "Gi");
  }
}
