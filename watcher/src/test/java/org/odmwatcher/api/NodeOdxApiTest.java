package org.odmwatcher.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.argo.TestArgo;

/**
 * The API as a NodeODX (issue 26 row 4): with {@code watcher.api.engine=odx}, {@code /info} names
 * the engine as NodeODX does, {@code /options} lists ODX's options (what WebODM's and PyODX's
 * option forms are built from), tasks are checked against them and their manifests name the engine,
 * so their Workflows run ODX's image with ODX's arguments.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeOdxApiTest implements TestPropertyProvider {
  private final PipelineFixture world = new PipelineFixture("odxapi", "odxapi");
  private final ObjectMapper json = new ObjectMapper();

  @Inject EmbeddedServer server;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> p = new LinkedHashMap<>(world.apiProperties());
    p.put("watcher.engines.enabled", "odm,odx");
    p.put("watcher.engines.odx-image", "registry.example/webodm/odx:1.2");
    p.put("watcher.api.engine", "odx");
    return p;
  }

  @AfterAll
  void close() {
    world.close();
  }

  private NodeOdmClient node() {
    return new NodeOdmClient(server.getURI(), "");
  }

  @Test
  void infoAndOptionsAreOdxs() throws Exception {
    JsonNode info = node().get("/info");
    assertThat(info.path("engine").asText()).isEqualTo("odx");
    assertThat(info.path("engineVersion").asText()).isEqualTo("03812b3");

    JsonNode options = node().get("/options");
    Map<String, JsonNode> byName = new LinkedHashMap<>();
    options.forEach(o -> byName.put(o.path("name").asText(), o));
    assertThat(byName).containsKey("report-units").doesNotContainKeys("build-overviews", "pc-rectify");
    assertThat(byName.get("report-units").path("type").asText()).isEqualTo("enum");
    assertThat(StreamSupport.stream(byName.get("matcher-type").path("domain").spliterator(), false).map(JsonNode::asText))
        .contains("hamming");
    assertThat(byName.get("matcher-type").path("value").asText()).isEqualTo("auto");
  }

  @Test
  void anOdmOnlyOptionIsRefusedNamingTheEngine() throws Exception {
    JsonNode init = node().postMultipart("/task/new/init", Map.of(), Map.of("options", "[{\"name\":\"build-overviews\",\"value\":true}]"),
        List.of());
    assertThat(init.path("uuid").asText()).as(init.toString()).isEmpty();
    assertThat(init.path("error").asText()).contains("build-overviews").contains("for engine odx (engine odm has it)");
  }

  @Test
  void aTaskRunsOnOdxWithOdxsOptions() throws Exception {
    String uuid = UUID.randomUUID().toString();
    NodeOdmClient node = node();
    JsonNode init = node.postMultipart("/task/new/init", Map.of("set-uuid", uuid),
        Map.of("name", "ODX field", "options", "[{\"name\":\"report-units\",\"value\":\"US survey foot\"},{\"name\":\"matcher-type\",\"value\":\"hamming\"}]"),
        List.of());
    assertThat(init.path("uuid").asText()).as(init.toString()).isEqualTo(uuid);
    for (int i = 1; i <= 3; i++) {
      String file = String.format("DJI_%04d.JPG", i);
      assertThat(node.postMultipart("/task/new/upload/" + uuid, Map.of(), Map.of(),
          List.of(new NodeOdmClient.Part("images", file, jpeg(10_000 + i)))).path("success").asBoolean()).isTrue();
    }
    assertThat(node.postMultipart("/task/new/commit/" + uuid, Map.of(), Map.of(), List.of()).path("uuid").asText()).isEqualTo(uuid);

    String folder = "api-tasks/" + uuid + "/";
    JsonNode manifest = json.readTree(world.s3.getObjectAsBytes(b -> b.bucket(world.bucket).key(folder + "odm.json")).asByteArray());
    assertThat(manifest.path("engine").asText()).isEqualTo("odx");
    String jobId = await().atMost(Duration.ofSeconds(30)).until(
        () -> world.status(folder).map(s -> s.path("jobId").asText()).orElse(""), id -> !id.isEmpty());
    GenericKubernetesResource workflow = await().atMost(Duration.ofSeconds(30)).until(
        () -> world.workflowsFor(jobId), list -> !list.isEmpty()).get(0);
    Map<String, String> parameters = parameters(workflow);
    assertThat(json.readValue(parameters.get("odm-args"), String[].class))
        .containsSubsequence("--report-units", "US survey foot").containsSubsequence("--matcher-type", "hamming");
    // the operator's ODX image, not ODM's (watcher.engines.odx-image)
    assertThat(parameters.get("odm-image")).isEqualTo("registry.example/webodm/odx:1.2");
    // and the job runs through the template's steps on the test Argo, as an ODM job does
    try (TestArgo argo = world.startArgo()) {
      String name = workflow.getMetadata().getName();
      Map<String, Object> done = argo.awaitStatus(name, st -> st.get("finishedAt") != null);
      assertThat(done.get("phase")).as(argo.podLog(name, "process(0)") + "\n" + done).isEqualTo("Succeeded");
    }
    world.awaitState(folder, "succeeded");
    // the API's task follows (it answers from memory, refreshed from the bucket: watcher.api.view-expiry)
    await().atMost(Duration.ofSeconds(30)).until(() -> node.get("/task/" + uuid + "/info").path("status").path("code").asInt() == 40);
  }

  @SuppressWarnings("unchecked")
  static Map<String, String> parameters(GenericKubernetesResource workflow) {
    Map<String, Object> spec = (Map<String, Object>) workflow.getAdditionalProperties().get("spec");
    Map<String, Object> arguments = (Map<String, Object>) spec.get("arguments");
    Map<String, String> values = new LinkedHashMap<>();
    for (Map<String, Object> p : (List<Map<String, Object>>) arguments.get("parameters")) {
      values.put(String.valueOf(p.get("name")), String.valueOf(p.get("value")));
    }
    return values;
  }

  private static byte[] jpeg(int size) {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    bytes[0] = (byte) 0xFF;
    bytes[1] = (byte) 0xD8;
    return bytes;
  }
}
