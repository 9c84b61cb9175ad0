package org.odmwatcher.local;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.odmwatcher.cli.FolderUpload;
import org.odmwatcher.cli.S3Options;
import org.odmwatcher.manifest.ManifestParser;
import org.odmwatcher.manifest.ManifestValidator;
import org.odmwatcher.manifest.OptionCatalogue;
import org.odmwatcher.testing.StatusSchema;
import org.odmwatcher.workflow.JobId;
import org.odmwatcher.workflow.local.LocalJobSubmitter;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/** {@code local} started in-process on a free port with a data directory, and a user's view of it. */
final class LocalWorld implements AutoCloseable {
  static final String BUCKET = "odm";
  static final String KEY = "local-test";
  static final String SECRET = "local-test-secret";
  static final Path QUICK_SAMPLE = Path.of("..", "samples", "quick-orthophoto");

  final LocalMode mode;
  final S3Client s3;
  private final ObjectMapper json = new ObjectMapper();

  private LocalWorld(LocalMode mode) {
    this.mode = mode;
    this.s3 = LocalMode.client(mode.endpoint(), KEY, SECRET);
  }

  static LocalWorld start(Path data, String engine, Map<String, String> extra) throws Exception {
    Map<String, String> props = new HashMap<>();
    props.put("watcher.local.status-interval", "100ms");
    props.put("watcher.local.manifest-check", "300ms");
    props.put("watcher.local.test-pace", "40ms");
    props.putAll(extra);
    return new LocalWorld(LocalMode.start(
        new LocalMode.Settings(data, "127.0.0.1", 0, KEY, SECRET, BUCKET, engine, "500ms", props)));
  }

  FolderUpload uploader() {
    return new FolderUpload(s3, new ManifestParser(json, new ManifestValidator(OptionCatalogue.load(json))),
        json, 2, new PrintStream(OutputStream.nullOutputStream()));
  }

  void uploadSample(String prefix) throws IOException, InterruptedException {
    uploader().upload(QUICK_SAMPLE, new S3Options.Location(BUCKET, prefix), Map.of());
  }

  void put(String key, String text) {
    s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromString(text));
  }

  String text(String key) {
    return s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asUtf8String();
  }

  /** An object's bytes as ISO-8859-1 text: one char per byte, for binary files such as TIFFs. */
  String latin1(String key) {
    return new String(s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asByteArray(), java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  Optional<JsonNode> status(String prefix) {
    try {
      return Optional.of(StatusSchema.assertValid(
          s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(prefix + "status.json")).asByteArray()));
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    }
  }

  String state(String prefix) {
    return status(prefix).map(s -> s.path("state").asText()).orElse("");
  }

  JsonNode awaitState(String prefix, String state, Duration atMost) {
    await().atMost(atMost).pollInterval(Duration.ofMillis(50)).until(() -> state(prefix), state::equals);
    return status(prefix).orElseThrow();
  }

  LocalJobSubmitter submitter() {
    return mode.context().getBean(LocalJobSubmitter.class);
  }

  Optional<ProcessHandle> process(String prefix) {
    return status(prefix).flatMap(s -> submitter().process(new JobId(s.path("jobId").asText())));
  }

  @Override
  public void close() throws Exception {
    s3.close();
    mode.close();
  }
}
