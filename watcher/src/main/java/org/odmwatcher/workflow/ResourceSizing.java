package org.odmwatcher.workflow;

/**
 * CPU, memory and scratch space for a job. Memory and CPU follow the image count as ODM's own
 * guidance does (~40 images: 4 GB, 250: 16 GB, 500: 32 GB, 1500: 64 GB, 5000: 256 GB); scratch space
 * follows the images' total size: 10 GiB plus 8 times their bytes (the images, their features, depth
 * maps and outputs), or ~40 MB per image when the size is unknown. The count and size are capped
 * before a job gets here ({@code watcher.manifest.max-images}, {@code max-total-bytes}).
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
    return forImages(images, -1);
  }

  /** @param bytes the images' total size; -1 when unknown */
  public static ResourceSizing forImages(int images, long bytes) {
    Step chosen = TABLE[TABLE.length - 1];
    for (Step step : TABLE) {
      if (images <= step.maxImages()) {
        chosen = step;
        break;
      }
    }
    long workspaceGi = bytes < 0
        ? 10 + (long) Math.ceil(images * 40.0 / 1024.0)
        : 10 + (long) Math.ceil(bytes * 8.0 / (1L << 30));
    return new ResourceSizing(chosen.memoryGi() + "Gi", Integer.toString(chosen.cpu()), workspaceGi + "Gi");
  }
}
