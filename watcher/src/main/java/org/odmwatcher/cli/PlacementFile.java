package org.odmwatcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.odmwatcher.config.NodeClassConfig;
import org.odmwatcher.config.PlacementConfig;
import org.odmwatcher.workflow.PlacementPlanner;

/**
 * The {@code watcher.placement} block of a watcher configuration file (YAML, as in {@code
 * application.yml} or the Deployment's ConfigMap), so {@code render} places the steps on the same
 * node classes the running watcher would. Keys as the watcher binds them (kebab-case).
 */
final class PlacementFile {
  private PlacementFile() {}

  static PlacementPlanner read(Path file) throws IOException {
    JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
    JsonNode p = root == null ? null : root.path("watcher").path("placement");
    if (p == null || p.isMissingNode()) {
      throw new IllegalArgumentException(file + " has no watcher.placement block");
    }
    PlacementConfig defaults = PlacementConfig.defaults();
    PlacementConfig config = new PlacementConfig(
        p.path("swap-ratio").asDouble(defaults.swapRatio()),
        p.path("on-demand-above-images").asInt(defaults.onDemandAboveImages()),
        p.path("transfers-on-spot").asBoolean(defaults.transfersOnSpot()),
        p.path("odm-image").asText(defaults.odmImage()),
        p.path("odm-gpu-image").asText(defaults.odmGpuImage()),
        defaults.unschedulableAfter());
    List<NodeClassConfig> classes = new ArrayList<>();
    var names = p.path("node-classes").fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      JsonNode c = p.path("node-classes").path(name);
      Map<String, String> labels = new LinkedHashMap<>();
      c.path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
      List<String> taints = new ArrayList<>();
      c.path("taints").forEach(t -> taints.add(t.asText()));
      classes.add(new NodeClassConfig(name, c.path("memory").asText(null), c.path("cpu").asInt(0), c.path("gpu").asInt(0),
          c.path("capacity-type").asText(NodeClassConfig.ON_DEMAND), labels, taints));
    }
    return new PlacementPlanner(config, classes);
  }
}
