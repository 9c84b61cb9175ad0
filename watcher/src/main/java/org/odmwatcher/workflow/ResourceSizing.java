package org.odmwatcher.workflow;

/**
 * What a job's steps request and may use, from its image count and bytes alone (caps and
 * placement are {@link PlacementPlanner}'s; a manifest override and OOM step-up take this as their
 * start). Memory follows ODM's published table of RAM by image count, interpolated linearly
 * between its rows and extended past the last at the last row's slope:
 *
 * <pre>
 * images   40   250   500   1500   2500   3500   5000
 * RAM GB    4    16    32     64    128    192    256
 * </pre>
 *
 * (docs.opendronemap.org, "Hardware Recommendations", as copied in the project's wave-3 field
 * notes, 2026-12-06). That is the peak; with swap on the nodes ({@code swapRatio} = swap / RAM) the
 * ODM step requests {@code peak / (1 + swapRatio)} and keeps {@code peak} as its limit (ScaleODM,
 * hotosm/ScaleODM decisions/0003-swap.md). CPU follows the watcher's own table (40: 2, 250: 4, 500:
 * 8, 1500: 16, 5000: 32, then on to 64). Scratch space follows the images' total size: 10 GiB plus
 * 8 times their bytes (the images, their features, depth maps and outputs), or ~40 MB per image
 * when the size is unknown. Transfers (download, seed, upload) have the template's fixed requests.
 *
 * @param process the ODM step
 * @param transfer each of download, seed and upload
 * @param workspace size of the workspace volume, a Kubernetes quantity
 */
public record ResourceSizing(Resources process, Resources transfer, String workspace) {

  private static final long GI = 1L << 30;
  private static final long MI = 1L << 20;
  private static final int[][] RAM_GB = {{40, 4}, {250, 16}, {500, 32}, {1500, 64}, {2500, 128}, {3500, 192}, {5000, 256}};
  private static final int[][] CPU = {{40, 2}, {250, 4}, {500, 8}, {1500, 16}, {5000, 32}};
  private static final int MAX_CPU = 64;
  /** The transfer steps' requests in the WorkflowTemplate (download's main container, upload). */
  public static final Resources TRANSFER = new Resources(250, 256 * MI, GI, 0);

  /**
   * CPU, memory and GPUs of one step's main container.
   *
   * @param cpuMillis CPU request in millicores
   * @param memoryRequest memory request in bytes
   * @param memoryLimit memory limit in bytes
   * @param gpu {@code nvidia.com/gpu} devices (request = limit)
   */
  public record Resources(long cpuMillis, long memoryRequest, long memoryLimit, int gpu) {
    public String cpu() {
      return cpuMillis % 1000 == 0 ? Long.toString(cpuMillis / 1000) : cpuMillis + "m";
    }

    public String memoryRequestQuantity() {
      return quantity(memoryRequest);
    }

    public String memoryLimitQuantity() {
      return quantity(memoryLimit);
    }

    /** The same with the CPU at most {@code maxMillis} and the memory limit at most {@code maxBytes}. */
    public Resources cappedAt(long maxMillis, long maxBytes) {
      return new Resources(Math.min(cpuMillis, maxMillis), memoryRequest, Math.max(memoryRequest, Math.min(memoryLimit, maxBytes)), gpu);
    }

    public Resources withGpu(int devices) {
      return new Resources(cpuMillis, memoryRequest, memoryLimit, devices);
    }
  }

  /** The ODM step's memory request, as the {@code memory} parameter has always carried it. */
  public String memory() {
    return process.memoryRequestQuantity();
  }

  public String cpu() {
    return process.cpu();
  }

  public static ResourceSizing forImages(int images) {
    return forImages(images, -1);
  }

  /** @param bytes the images' total size; -1 when unknown */
  public static ResourceSizing forImages(int images, long bytes) {
    return forImages(images, bytes, 0);
  }

  /**
   * @param images the images the ODM step works on at once
   * @param bytes the images' total size; -1 when unknown
   * @param swapRatio swap per byte of the nodes' RAM (0: none)
   */
  public static ResourceSizing forImages(int images, long bytes, double swapRatio) {
    long peak = peakMemory(images);
    long request = roundUpToGi((long) Math.ceil(peak / (1 + swapRatio)));
    long cpu = Math.min(MAX_CPU, (long) Math.ceil(interpolate(CPU, images)));
    long workspaceGi = bytes < 0
        ? 10 + (long) Math.ceil(images * 40.0 / 1024.0)
        : 10 + (long) Math.ceil(bytes * 8.0 / GI);
    return new ResourceSizing(new Resources(cpu * 1000, request, peak, 0), TRANSFER, workspaceGi + "Gi");
  }

  /** The same sizing with the ODM step's memory and CPU of {@code step} (a split-merge job's submodel size). */
  public ResourceSizing withProcess(Resources step) {
    return new ResourceSizing(step, transfer, workspace);
  }

  /** ODM's peak memory for {@code images} images, whole GiB. */
  public static long peakMemory(int images) {
    return roundUpToGi((long) Math.ceil(interpolate(RAM_GB, images) * GI));
  }

  /** The most images whose memory request ({@code peak / (1 + swapRatio)}) fits in {@code bytes}; 0 if none. */
  public static int imagesFitting(long bytes, double swapRatio) {
    int low = 0;
    int high = 1_000_000;
    while (low < high) {
      int mid = (low + high + 1) >>> 1;
      if (forImages(mid, -1, swapRatio).process().memoryRequest() <= bytes) {
        low = mid;
      } else {
        high = mid - 1;
      }
    }
    return low;
  }

  private static double interpolate(int[][] table, int images) {
    if (images <= table[0][0]) {
      return table[0][1];
    }
    for (int i = 1; i < table.length; i++) {
      if (images <= table[i][0]) {
        return line(table[i - 1], table[i], images);
      }
    }
    return line(table[table.length - 2], table[table.length - 1], images);
  }

  private static double line(int[] a, int[] b, int x) {
    return a[1] + (double) (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0]);
  }

  private static long roundUpToGi(long bytes) {
    return (bytes + GI - 1) / GI * GI;
  }

  static String quantity(long bytes) {
    if (bytes % GI == 0) {
      return bytes / GI + "Gi";
    }
    return (bytes + MI - 1) / MI + "Mi";
  }
}
