package org.odmwatcher.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.RealServers;

/** {@code upload} run as the jar runs it, against a real S3 (S3Proxy), as the pilot reads its output. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UploadCommandTest {
  private final PipelineFixture fixture = new PipelineFixture("upload-cli");

  @AfterAll
  void close() {
    fixture.close();
  }

  /** What the command printed on stdout, and its exit code. */
  record Run(int code, String out) {}

  private Run upload(Path folder, String target) {
    PrintStream before = System.out;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
      int code = CommandFailures.commandLine(new UploadCommand()).execute(folder.toString(), target,
          "--endpoint", fixture.servers.s3Endpoint(), "--access-key", RealServers.ACCESS_KEY, "--secret-key", RealServers.SECRET_KEY);
      return new Run(code, bytes.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(before);
    }
  }

  private static Path flight() throws Exception {
    Path dir = Files.createTempDirectory("flight");
    Files.write(dir.resolve("IMG_0001.JPG"), new byte[100]);
    return dir;
  }

  /** Issue 21 row 8: the hint named an {@code odm-watcher} command no installation puts on the PATH. */
  @Test
  void theFollowHintIsACommandThatRuns() throws Exception {
    Run run = upload(flight(), "s3://" + fixture.bucket + "/hint/");
    assertThat(run.code()).isZero();
    assertThat(run.out()).endsWith("follow it: java -jar watcher/target/odm-watcher.jar status s3://" + fixture.bucket
        + "/hint/ --follow --endpoint " + fixture.servers.s3Endpoint() + " --access-key " + RealServers.ACCESS_KEY
        + " --secret-key <secret>\n");
  }

  /**
   * Issue 21 row 8: one folder of images uploaded to three job folders made three jobs all named
   * after the local folder; a generated odm.json is named after the job's own folder in the bucket.
   */
  @Test
  void aGeneratedManifestIsNamedAfterTheJobsFolderInTheBucket() throws Exception {
    Path dir = flight();
    for (String job : new String[] {"field-1", "field-2"}) {
      assertThat(upload(dir, "s3://" + fixture.bucket + "/farm/" + job + "/").code()).isZero();
      byte[] manifest = fixture.s3.getObjectAsBytes(b -> b.bucket(fixture.bucket).key("farm/" + job + "/odm.json")).asByteArray();
      assertThat(new ObjectMapper().readTree(manifest).path("name").asText()).isEqualTo(job);
    }
  }
}
