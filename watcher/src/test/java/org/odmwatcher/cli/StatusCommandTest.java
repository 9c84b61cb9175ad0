package org.odmwatcher.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.status.JobState;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.StatusCodec;
import org.odmwatcher.testing.PipelineFixture;
import software.amazon.awssdk.core.sync.RequestBody;

/** {@code status} reading a real bucket (S3Proxy). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StatusCommandTest {
  private final PipelineFixture fixture = new PipelineFixture("status-cli");

  @AfterAll
  void close() {
    fixture.close();
  }

  /** Review finding 13: {@code status} printed ESC sequences (and newlines) from status.json raw. */
  @Test
  void controlCharactersFromTheBucketAreEscapedNotPrinted() throws Exception {
    String esc = "\u001b]0;pwned\u0007\u001b[2J";
    JobStatus status = JobStatus.of("j", "e", "n", JobState.INVALID, "invalid " + esc + "\nsucceeded", Instant.now())
        .withErrors(List.of("unknown option 'dsm" + esc + "'\r\u202eevil"))
        .withLogTail(List.of("line" + esc));
    fixture.s3.putObject(b -> b.bucket(fixture.bucket).key("f/status.json"), RequestBody.fromBytes(new StatusCodec().encode(status)));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code = StatusCommand.show(fixture.s3, new S3Options.Location(fixture.bucket, "f/"), false, Duration.ofSeconds(1),
        new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String printed = bytes.toString(StandardCharsets.UTF_8);
    assertThat(code).isEqualTo(1);
    assertThat(printed).doesNotContain("\u001b", "\u0007", "\r", "\u202e")
        .contains("\\x1b]0;pwned\\x07\\x1b[2J\\nsucceeded", "\\r\\u202eevil");
    assertThat(printed.split("\n")).hasSize(3); // the status line, one error, one log line
  }
}
