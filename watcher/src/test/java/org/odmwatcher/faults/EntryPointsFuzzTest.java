package org.odmwatcher.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.odmwatcher.event.ObjectCreated;
import org.odmwatcher.event.ObjectCreatedHandler;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.event.sqs.ShapeDetectingParser;
import org.odmwatcher.event.sqs.SqsMessageHandler;
import org.odmwatcher.manifest.ManifestParser;
import org.odmwatcher.retry.BackoffCalculator;
import org.odmwatcher.retry.RetryPolicy;
import org.odmwatcher.testing.Notifications;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.workflow.WorkflowLabels;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Fuzzes every entry point with generated and mutated inputs ({@link Mutations}), against the real
 * pipeline (S3Proxy, the Kubernetes mock) in one running watcher: SQS bodies of every shape
 * through {@link SqsMessageHandler}, MinIO webhook bodies and headers over HTTP, odm.json files
 * through the pipeline, and the NodeODM API's form fields and multipart uploads over HTTP.
 *
 * <p>Expectations: no exception escapes a handler (nor any thread), no 5xx other than 503, no
 * Workflow for a folder without a valid manifest, a bad manifest ends {@code invalid} with its
 * reasons, and the valid folders' statuses are never overwritten by events about look-alike keys.
 * The seed is printed; {@code -Dfaults.seed=N} replays a run. {@code -Dfaults.size=full} (the
 * {@code -Pfaults} profile) runs 100,000 inputs instead of 1,000 from a new random seed each time;
 * the small size in every build uses a fixed seed unless one is given, so the same commit passes or
 * fails the same way in CI (the recorded calls feed the IAM contract too).
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EntryPointsFuzzTest implements TestPropertyProvider {
  private static final boolean FULL = "full".equals(System.getProperty("faults.size", "small"));
  private static final long SEED = Long.getLong("faults.seed", FULL ? new Random().nextLong() : 20261127L);
  private static final int SQS_INPUTS = FULL ? 50_000 : 400;
  private static final int WEBHOOK_INPUTS = FULL ? 30_000 : 300;
  private static final int MANIFEST_INPUTS = FULL ? 10_000 : 150;
  private static final int API_INPUTS = FULL ? 10_000 : 150;
  private static final String TOKEN = "fuzz-token";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int VALID_FOLDERS = 3;
  private static final int MAX_REPORTED = 20;

  private final PipelineFixture world = new PipelineFixture("fuzz", "odm-fuzz");
  private final List<String> failures = new CopyOnWriteArrayList<>();
  private final List<Throwable> uncaught = new CopyOnWriteArrayList<>();
  private final Map<String, String> validJobs = new java.util.HashMap<>();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private Thread.UncaughtExceptionHandler previous;
  private int inputs;

  @Inject ObjectCreatedHandler pipeline;
  @Inject ManifestParser manifests;
  @Inject ObjectMapper json;
  @Inject EmbeddedServer server;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> p = world.apiProperties();
    p.put("watcher.minio.enabled", "true");
    p.put("watcher.minio.token", TOKEN);
    p.put("watcher.minio.buckets", world.bucket);
    p.put("watcher.minio.max-body-size", "65536");
    p.put("watcher.api.poll-interval", "60s");
    return p;
  }

  @BeforeAll
  void setUp() throws Exception {
    System.out.println("FUZZ seed=" + SEED + " (replay: -Dfaults.seed=" + SEED + "), size " + (FULL ? "full" : "small"));
    previous = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((thread, e) -> uncaught.add(e));
    for (int i = 0; i < VALID_FOLDERS; i++) {
      String folder = "fz/valid-" + i + "/";
      world.uploadImages(folder, 2);
      world.putManifest(folder, "{\"name\": \"valid " + i + "\", \"options\": {\"dsm\": true}}");
      assertThat(pipeline.handle(ObjectCreated.of(world.bucket, folder + "odm.json"))).isEqualTo(ObjectCreatedHandler.Outcome.SUBMITTED);
      validJobs.put(folder, world.status(folder).orElseThrow().path("jobId").asText());
    }
    world.uploadImages("fz/none/", 1);
  }

  @AfterAll
  void tearDown() {
    Thread.setDefaultUncaughtExceptionHandler(previous);
    world.close();
  }

  private List<String> targetKeys() {
    List<String> keys = new ArrayList<>();
    validJobs.keySet().forEach(folder -> keys.add(folder + "odm.json"));
    keys.add("fz/none/odm.json");
    keys.add("fz/none/DJI_0001.JPG");
    return keys;
  }

  private void fail(String entryPoint, int input, String what, String given) {
    if (failures.size() < MAX_REPORTED) {
      String shown = given.length() > 300 ? given.substring(0, 300) + "…" : given;
      failures.add(entryPoint + " input " + input + " (seed " + SEED + "): " + what + " — input: " + shown);
    }
  }

  private ObjectNode golden(String name, String key) {
    ObjectNode body = Notifications.golden(name);
    return (ObjectNode) Mutations.parse(switch (name) {
      case "s3-put.json" -> Notifications.objectCreated(world.bucket, key, 40, "0123456789abcdef0123456789abcdef");
      case "eventbridge-object-created.json" -> Notifications.eventBridgeCreated(world.bucket, key, 40, "0123456789abcdef0123456789abcdef");
      case "minio-put.json" -> Notifications.minioCreated(world.bucket, key, 40, "0123456789abcdef0123456789abcdef");
      default -> body.toString();
    });
  }

  @Test
  @Order(1)
  void sqsBodiesOfEveryShapeNeverEscapeTheMessageHandler() {
    Mutations m = new Mutations(SEED, targetKeys());
    SqsMessageHandler handler = new SqsMessageHandler(new ShapeDetectingParser(json), pipeline,
        new BackoffCalculator(new RetryPolicy(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(2), 0), new Random(SEED)));
    List<String> shapes = List.of("s3-put.json", "eventbridge-object-created.json", "s3-multi-record.json",
        "sns-raw.json", "s3-test-event.json", "sns-subscription-confirmation.json", "eventbridge-object-deleted.json");
    for (int i = 0; i < SQS_INPUTS; i++) {
      String key = m.pick(targetKeys());
      JsonNode body = switch (m.below(4)) {
        case 0 -> m.mutate(golden(m.pick(shapes), key));
        case 1 -> {
          ObjectNode envelope = Notifications.golden("sns-notification.json");
          envelope.put("Message", new String(m.bytes(m.mutate(golden(m.chance(70) ? "s3-put.json" : "eventbridge-object-created.json", key))),
              StandardCharsets.UTF_8));
          yield m.chance(50) ? envelope : m.mutate(envelope);
        }
        case 2 -> golden(m.chance(50) ? "s3-put.json" : "eventbridge-object-created.json", m.string());
        default -> m.value(0);
      };
      String text = new String(m.bytes(body), StandardCharsets.UTF_8);
      inputs++;
      try {
        handler.handle("fuzz-" + i, text, 1 + m.below(3));
      } catch (Throwable e) {
        fail("sqs", i, "escaped the handler: " + e, text);
      }
    }
    assertThat(failures).as("seed " + SEED).filteredOn(f -> f.startsWith("sqs ")).isEmpty();
  }

  @Test
  @Order(2)
  void minioWebhookBodiesAndHeadersGetNo5xxButA503AndNoExceptionText() throws Exception {
    Mutations m = new Mutations(SEED + 1, targetKeys());
    URI uri = server.getURI().resolve("/events/minio");
    List<String> types = List.of("application/json", "text/plain", "application/octet-stream", "", "multipart/form-data", "application/json; charset=latin1");
    for (int i = 0; i < WEBHOOK_INPUTS; i++) {
      JsonNode body = switch (m.below(3)) {
        case 0 -> m.mutate(golden(m.chance(80) ? "minio-put.json" : "minio-delete.json", m.pick(targetKeys())));
        case 1 -> golden("minio-put.json", m.string());
        default -> m.value(0);
      };
      byte[] bytes = m.bytes(body);
      HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
          .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
      if (m.chance(90)) {
        request.header("Authorization", m.chance(85) ? "Bearer " + TOKEN : "Bearer " + m.string().replaceAll("[\\r\\n\\x00-\\x1f\\x7f-\\x{10ffff}]", "x"));
      }
      String type = m.pick(types);
      if (!type.isEmpty()) {
        request.header("Content-Type", type);
      }
      inputs++;
      HttpResponse<String> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      String given = new String(bytes, StandardCharsets.UTF_8);
      if (answer.statusCode() >= 500 && answer.statusCode() != 503) {
        fail("webhook", i, "answered " + answer.statusCode() + " " + answer.body(), given);
      }
      if (answer.body().contains("Exception") || answer.body().contains("\tat ")) {
        fail("webhook", i, "answer carries exception text: " + answer.body(), given);
      }
    }
    assertThat(failures).as("seed " + SEED).filteredOn(f -> f.startsWith("webhook ")).isEmpty();
  }

  @Test
  @Order(3)
  void odmJsonFilesEndInvalidWithReasonsOrValidAndNeverEscapeThePipeline() {
    Mutations m = new Mutations(SEED + 2, targetKeys());
    JsonNode valid = Mutations.parse(
        "{\"name\": \"fuzz\", \"options\": {\"dsm\": true, \"orthophoto-resolution\": 5}, \"outputs\": [\"orthophoto\"],"
            + " \"images\": {\"expected\": 1}, \"schemaVersion\": 1}");
    for (int i = 0; i < MANIFEST_INPUTS; i++) {
      String folder = "fz/m-" + i + "/";
      JsonNode manifest = switch (m.below(4)) {
        case 0, 1 -> m.mutate(valid);
        case 2 -> {
          ObjectNode node = (ObjectNode) valid.deepCopy();
          node.set(m.pick(List.of("options", "outputs", "images", "name", "cancel")), m.value(0));
          yield node;
        }
        default -> m.chance(20) ? m.deep(1 + m.below(6000)) : m.value(0);
      };
      byte[] bytes = m.bytes(manifest);
      String given = new String(bytes, StandardCharsets.UTF_8);
      inputs++;
      world.s3.putObject(b -> b.bucket(world.bucket).key(folder + "DJI_0001.JPG"), RequestBody.fromBytes(new byte[] {(byte) 0xFF}));
      world.s3.putObject(b -> b.bucket(world.bucket).key(folder + "odm.json"), RequestBody.fromBytes(bytes));
      ObjectCreatedHandler.Outcome outcome;
      try {
        outcome = pipeline.handle(ObjectCreated.of(world.bucket, folder + "odm.json"));
      } catch (TransientFailureException | RuntimeException | StackOverflowError e) {
        fail("odm.json", i, "escaped the pipeline: " + e, given);
        continue;
      }
      ManifestParser.Result parsed = manifests.parse(bytes);
      Optional<JsonNode> status = world.status(folder);
      if (!parsed.valid()) {
        if (outcome != ObjectCreatedHandler.Outcome.INVALID) {
          fail("odm.json", i, "a manifest with errors " + parsed.errors() + " ended " + outcome, given);
        } else if (status.isEmpty() || !status.get().path("state").asText().equals("invalid")
            || status.get().path("errors").isEmpty()) {
          fail("odm.json", i, "invalid without an invalid status.json and its reasons: " + status, given);
        }
      } else if (status.isEmpty() && outcome != ObjectCreatedHandler.Outcome.CANCELED) {
        // cancel: true on a folder without a job has nothing to cancel and nothing to record
        fail("odm.json", i, "a valid manifest ended " + outcome + " without a status.json", given);
      }
    }
    assertThat(failures).as("seed " + SEED).filteredOn(f -> f.startsWith("odm.json ")).isEmpty();
  }

  @Test
  @Order(4)
  void nodeOdmFormFieldsAndMultipartUploadsGetNo5xxButA503() throws Exception {
    Mutations m = new Mutations(SEED + 3, targetKeys());
    JsonNode options = Mutations.parse("[{\"name\":\"dsm\",\"value\":true},{\"name\":\"orthophoto-resolution\",\"value\":\"2\"}]");
    List<String> fieldNames = List.of("name", "options", "webhook", "skipPostProcessing", "outputs", "dateCreated", "zipurl");
    for (int i = 0; i < API_INPUTS; i++) {
      HttpRequest request;
      String given;
      if (m.chance(75)) {
        String boundary = "----fuzz" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int f = m.below(4); f > 0; f--) {
          String field = m.chance(85) ? m.pick(fieldNames) : m.string();
          String value = field.equals("options") && m.chance(70) ? new String(m.bytes(m.mutate(options)), StandardCharsets.UTF_8) : m.string();
          body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field + "\"\r\n\r\n" + value + "\r\n")
              .getBytes(StandardCharsets.UTF_8));
        }
        for (int f = m.below(4); f > 0; f--) {
          String filename = m.chance(50) ? "DJI_000" + f + ".JPG" : m.string();
          body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + (m.chance(90) ? "images" : m.string())
              + "\"; filename=\"" + filename + "\"\r\nContent-Type: image/jpeg\r\n\r\n").getBytes(StandardCharsets.UTF_8));
          byte[] content = new byte[m.below(2048)];
          m.random.nextBytes(content);
          body.writeBytes(content);
          body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        if (m.chance(90)) {
          body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        }
        byte[] bytes = body.toByteArray();
        given = new String(bytes, StandardCharsets.UTF_8);
        String path = m.chance(80) ? "/task/new" : "/task/new/init";
        request = HttpRequest.newBuilder(server.getURI().resolve(path)).timeout(Duration.ofSeconds(60))
            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
            .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build();
      } else {
        String form = "uuid=" + URLEncoder.encode(m.string(), StandardCharsets.UTF_8)
            + (m.chance(50) ? "&options=" + URLEncoder.encode(m.string(), StandardCharsets.UTF_8) : "");
        given = form;
        request = HttpRequest.newBuilder(server.getURI().resolve(m.pick(List.of("/task/cancel", "/task/remove", "/task/restart"))))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form)).build();
      }
      inputs++;
      HttpResponse<String> answer = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (answer.statusCode() >= 500 && answer.statusCode() != 503) {
        fail("api", i, "answered " + answer.statusCode() + " " + answer.body(), given);
      }
    }
    assertThat(failures).as("seed " + SEED).filteredOn(f -> f.startsWith("api ")).isEmpty();
  }

  @Test
  @Order(5)
  void afterAllInputsOnlyValidManifestsHaveWorkflowsAndValidFoldersKeptTheirStatus() {
    for (GenericKubernetesResource wf : world.kubernetes
        .genericKubernetesResources(org.odmwatcher.workflow.ArgoWorkflowSubmitter.WORKFLOWS).inNamespace(world.namespace).list().getItems()) {
      String folder = wf.getMetadata().getAnnotations().get(WorkflowLabels.PREFIX);
      byte[] manifest;
      try {
        manifest = world.s3.getObjectAsBytes(b -> b.bucket(world.bucket).key(folder + "odm.json")).asByteArray();
      } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
        failures.add("after: Workflow " + wf.getMetadata().getName() + " for " + folder + " without an odm.json (seed " + SEED + ")");
        continue;
      }
      if (!manifests.parse(manifest).valid()) {
        failures.add("after: Workflow " + wf.getMetadata().getName() + " for " + folder + " whose odm.json is invalid (seed " + SEED + ")");
      }
    }
    validJobs.forEach((folder, jobId) -> {
      JsonNode status = world.status(folder).orElseThrow();
      if (!status.path("state").asText().equals("submitted") || !status.path("jobId").asText().equals(jobId)) {
        failures.add("after: the valid folder " + folder + " now reads " + status + " (seed " + SEED + ")");
      }
    });
    System.out.println("FUZZ seed=" + SEED + ": " + inputs + " inputs (sqs " + SQS_INPUTS + ", webhook " + WEBHOOK_INPUTS
        + ", odm.json " + MANIFEST_INPUTS + ", api " + API_INPUTS + "), failures " + failures.size()
        + ", uncaught exceptions " + uncaught.size());
    assertThat(uncaught).as("exceptions that escaped a thread").isEmpty();
    assertThat(failures).as("seed " + SEED).filteredOn(f -> f.startsWith("after: ")).isEmpty();
  }
}
