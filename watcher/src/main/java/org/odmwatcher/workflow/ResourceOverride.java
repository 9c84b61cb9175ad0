package org.odmwatcher.workflow;

import io.fabric8.kubernetes.api.model.Quantity;
import io.micronaut.core.annotation.Nullable;
import org.odmwatcher.config.ResourcesConfig;
import org.odmwatcher.manifest.OdmManifest;

/**
 * The ODM step's final memory and CPU: the computed sizing ({@link ResourceSizing}), with what the
 * job asks for in {@code resources} instead, each lowered to the operator's caps ({@link
 * ResourcesConfig}). The workspace size is the sizing's. Kept apart from the sizing so that the
 * sizing rules can change without touching the override.
 */
public final class ResourceOverride {
  private ResourceOverride() {}

  public static ResourceSizing apply(ResourceSizing computed, @Nullable OdmManifest.Resources asked, ResourcesConfig caps) {
    if (asked == null) {
      return computed;
    }
    ResourceSizing.Resources process = computed.process();
    long memory = asked.memory() == null ? process.memoryRequest() : bytes(lower(asked.memory(), caps.maxMemory()));
    long cpuMillis = asked.cpu() == null ? process.cpuMillis() : millis(lower(asked.cpu(), caps.maxCpu()));
    // What a job asks for is its request and its limit (no swap headroom is assumed for it).
    long limit = asked.memory() == null ? process.memoryLimit() : memory;
    return computed.withProcess(new ResourceSizing.Resources(cpuMillis, memory, limit, process.gpu()));
  }

  private static long bytes(String quantity) {
    return Quantity.getAmountInBytes(new Quantity(quantity)).longValue();
  }

  private static long millis(String quantity) {
    return new Quantity(quantity).getNumericalAmount().multiply(java.math.BigDecimal.valueOf(1000)).longValue();
  }

  /** {@code value}, or {@code cap} when it is more (compared as Kubernetes quantities). */
  static String lower(String value, String cap) {
    return new Quantity(value).getNumericalAmount().compareTo(new Quantity(cap).getNumericalAmount()) > 0 ? cap : value;
  }
}
