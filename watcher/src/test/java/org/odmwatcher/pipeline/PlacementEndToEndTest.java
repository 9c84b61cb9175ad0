package org.odmwatcher.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.config.NodeClassConfig;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.argo.SchedulerEmulation;
import org.odmwatcher.testing.argo.TestArgo;

/**
 * Placement through the product path: the node classes come from the watcher's configuration
 * ({@code watcher.placement.node-classes.*}), the test Argo's scheduler puts each pod on the
 * cluster's nodes ({@link SchedulerEmulation}), and what the user sees is {@code status.json}.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PlacementEndToEndTest implements TestPropertyProvider {
  private final PipelineFixture world = new PipelineFixture("placement-e2e", "placement-e2e");

  /** The cluster's nodes: the operator's classes as the watcher is configured with them. */
  private static final NodeClassConfig SPOT = new NodeClassConfig("spot", "15Gi", 4, 0, "spot",
      Map.of("karpenter.sh/capacity-type", "spot", "karpenter.sh/nodepool", "general"), List.of());
  private static final NodeClassConfig ON_DEMAND = new NodeClassConfig("on-demand", "30Gi", 8, 0, "on-demand",
      Map.of("karpenter.sh/capacity-type", "on-demand", "karpenter.sh/nodepool", "general"), List.of());
  private static final NodeClassConfig GPU = new NodeClassConfig("gpu", "60Gi", 16, 1, "on-demand",
      Map.of("karpenter.sh/capacity-type", "on-demand", "karpenter.sh/nodepool", "gpu"), List.of("nvidia.com/gpu=true:NoSchedule"));

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> p = world.properties();
    p.put("watcher.placement.unschedulable-after", "1s");
    for (NodeClassConfig c : List.of(SPOT, ON_DEMAND, GPU)) {
      String prefix = "watcher.placement.node-classes." + c.name() + ".";
      p.put(prefix + "memory", c.memory());
      p.put(prefix + "cpu", Integer.toString(c.cpu()));
      p.put(prefix + "gpu", Integer.toString(c.gpu()));
      p.put(prefix + "capacity-type", c.capacityType());
      c.labels().forEach((k, v) -> p.put(prefix + "labels." + k, v));
      for (int i = 0; i < c.taints().size(); i++) {
        p.put(prefix + "taints[" + i + "]", c.taints().get(i));
      }
    }
    return p;
  }

  @AfterAll
  void close() {
    world.close();
  }

  @Test
  void aGpuJobRunsOnTheGpuClassWithTheGpuImageAndItsTransfersOnSpot() {
    String folder = "gpu/";
    world.uploadImages(folder, 2);
    world.putManifest(folder, "{\"gpu\": true}");
    SchedulerEmulation cluster = new SchedulerEmulation(List.of(SPOT, ON_DEMAND, GPU));
    try (TestArgo argo = world.startArgo()) {
      argo.scheduleWith(cluster);
      world.notifyCreated(folder + "odm.json");
      world.awaitState(folder, "succeeded");
    }
    assertThat(cluster.scheduled("process")).singleElement().satisfies(s -> {
      assertThat(s.nodeClass().name()).isEqualTo("gpu");
      assertThat(s.requests()).containsEntry("nvidia.com/gpu", 1L);
    });
    assertThat(cluster.scheduled("download")).singleElement().satisfies(s -> assertThat(s.nodeClass().name()).isEqualTo("spot"));
    assertThat(cluster.scheduled("upload")).singleElement().satisfies(s -> assertThat(s.nodeClass().name()).isEqualTo("spot"));
  }

  @Test
  void aJobAskingForOnDemandRunsThereWithDoNotDisrupt() {
    String folder = "on-demand/";
    world.uploadImages(folder, 2);
    world.putManifest(folder, "{\"capacityType\": \"on-demand\"}");
    SchedulerEmulation cluster = new SchedulerEmulation(List.of(SPOT, ON_DEMAND, GPU));
    try (TestArgo argo = world.startArgo()) {
      argo.scheduleWith(cluster);
      world.notifyCreated(folder + "odm.json");
      world.awaitState(folder, "succeeded");
    }
    assertThat(cluster.scheduled("process")).singleElement().satisfies(s -> {
      assertThat(s.nodeClass().name()).isEqualTo("on-demand");
      assertThat(s.annotations()).containsEntry("karpenter.sh/do-not-disrupt", "true");
    });
    assertThat(cluster.scheduled("seed")).singleElement().satisfies(s -> assertThat(s.nodeClass().capacityType()).isEqualTo("spot"));
  }

  @Test
  void aPodNoNodeCanTakeIsSaidInStatusJsonWithTheSchedulersReason() {
    String folder = "no-node/";
    world.uploadImages(folder, 2);
    world.putManifest(folder, "{}");
    // The cluster's spot nodes turn out smaller than the operator declared (4Gi for ODM's 4Gi
    // request plus nothing to spare is fine; 3Gi is not), and there is no other node for it.
    NodeClassConfig smallSpot = new NodeClassConfig("spot", "3Gi", 4, 0, "spot", SPOT.labels(), List.of());
    SchedulerEmulation cluster = new SchedulerEmulation(List.of(smallSpot, GPU));
    try (TestArgo argo = world.startArgo()) {
      argo.scheduleWith(cluster);
      world.notifyCreated(folder + "odm.json");
      JsonNode waiting = await().atMost(Duration.ofSeconds(60)).until(() -> world.status(folder).orElse(null),
          s -> s != null && s.path("message").asText().startsWith("waiting for a node: "));
      assertThat(waiting.path("state").asText()).isEqualTo("running");
      assertThat(waiting.path("message").asText())
          .contains("the process step's pod has been unschedulable")
          .endsWith("0/2 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {nvidia.com/gpu: true}."
              + " preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod,"
              + " 1 Preemption is not helpful for scheduling.");
      // Argo's node carries the scheduler's message (operator.go getPendingReason)
      String name = waiting.path("workflow").path("name").asText();
      Map<String, Object> status = argo.awaitStatus(name, s -> String.valueOf(s.get("nodes")).contains("Unschedulable: 0/2"));
      assertThat(status.get("phase")).isEqualTo("Running");

      world.putManifest(folder, "{\"cancel\": true}");
      world.notifyCreated(folder + "odm.json");
      assertThat(world.awaitState(folder, "canceled").path("state").asText()).isEqualTo("canceled");
    }
  }
}
