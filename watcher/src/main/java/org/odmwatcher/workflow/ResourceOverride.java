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
    String memory = asked.memory() == null ? computed.memory() : lower(asked.memory(), caps.maxMemory());
    String cpu = asked.cpu() == null ? computed.cpu() : lower(asked.cpu(), caps.maxCpu());
    return new ResourceSizing(memory, cpu, computed.workspace());
  }

  /** {@code value}, or {@code cap} when it is more (compared as Kubernetes quantities). */
  static String lower(String value, String cap) {
    return new Quantity(value).getNumericalAmount().compareTo(new Quantity(cap).getNumericalAmount()) > 0 ? cap : value;
  }
}
