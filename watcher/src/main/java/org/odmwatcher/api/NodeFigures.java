package org.odmwatcher.api;

import java.lang.management.ManagementFactory;
import org.odmwatcher.api.dto.NodeInfo;
import org.odmwatcher.config.ApiConfig;
import org.odmwatcher.manifest.Engine;

/**
 * {@code GET /info}, with figures that say where they come from: the queue is this API's tasks
 * that are queued or running (as of the API watcher's last poll); memory and cores are the
 * cluster capacity configured in {@code watcher.api.total-memory}/{@code cpu-cores} or, unset, the
 * watcher's own host (then {@code availableMemory} is the host's free memory); limits are
 * {@code watcher.api.max-images} and {@code max-parallel-tasks}; the engine is the API's
 * ({@code watcher.api.engine}: {@code odm}, as NodeODM says, or {@code odx}, as NodeODX says) with
 * the version of the option catalogue its tasks are validated against.
 */
public final class NodeFigures {
  /** The NodeODM API version implemented (pyODM needs ≥ 1.4.0 for chunked uploads). */
  public static final String API_VERSION = "2.2.1";

  private final ApiConfig config;
  private final ApiTaskWatcher watcher;
  private final Engine engine;

  public NodeFigures(ApiConfig config, ApiTaskWatcher watcher, Engine engine) {
    this.config = config;
    this.watcher = watcher;
    this.engine = engine;
  }

  public NodeInfo info() {
    long total;
    long available;
    if (config.totalMemory() != null) {
      total = config.totalMemory();
      available = config.totalMemory();
    } else if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      total = os.getTotalMemorySize();
      available = os.getFreeMemorySize();
    } else {
      total = Runtime.getRuntime().maxMemory();
      available = Runtime.getRuntime().freeMemory();
    }
    int cores = config.cpuCores() != null ? config.cpuCores() : Runtime.getRuntime().availableProcessors();
    return new NodeInfo(API_VERSION, watcher.unfinished(), total, available, cores, config.maxImages(),
        config.maxParallelTasks(), engine.version(), engine.name());
  }
}
