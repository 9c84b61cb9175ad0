package org.odmwatcher.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.PrintWriter;
import java.io.StringWriter;
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
import org.odmwatcher.testing.RealServers;
import picocli.CommandLine;
import software.amazon.awssdk.core.sync.RequestBody;

/** {@code status} reading a real bucket (S3Proxy). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StatusCommandTest {
  private final PipelineFixture fixture = new PipelineFixture("status-cli");

  @AfterAll
  void close() {
    fixture.close();
  }

  /**
   * Issue 21 row 6: {@code status --follow} on a folder that never gets a status.json waited
   * forever, saying only "no status.json yet". It says where it looks and why it may be waiting,
   * gives up after {@code --timeout}, and exits non-zero.
   */
  @Test
  void followingAFolderThatNeverGetsAStatusGivesUpAfterTheTimeoutSayingWhy() {
    StringWriter out = new StringWriter();
    CommandLine cli = CommandFailures.commandLine(new StatusCommand());
    cli.setOut(new PrintWriter(out, true));
    String folder = "s3://" + fixture.bucket + "/never/";
    int code = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> cli.execute(folder, "--follow",
        "--interval", "100ms", "--timeout", "1s", "--endpoint", fixture.servers.s3Endpoint(),
        "--access-key", RealServers.ACCESS_KEY, "--secret-key", RealServers.SECRET_KEY));
    assertThat(code).isNotZero();
    assertThat(out.toString()).isEqualTo(
        "no status.json yet under " + folder + ": has odm.json been uploaded? (waiting up to 1s; --timeout to change)\n"
            + "gave up after 1s: still no status.json under " + folder + ". Upload odm.json (last) to start the job;"
            + " if it is there, is the watcher (or local) running and watching bucket " + fixture.bucket + "?\n");
  }

  /** Review finding 13: {@code status} printed ESC sequences (and newlines) from status.json raw. */
  @Test
  void controlCharactersFromTheBucketAreEscapedNotPrinted() throws Exception {
    String esc = "\u001b]0;pwned\u0007\u001b[2J";
    JobStatus status = JobStatus.of("j", "e", "n", JobState.INVALID, "invalid " + esc + "\nsucceeded", Instant.now())
        .withErrors(List.of("unknown option 'dsm" + esc + "'\r\u202eevil"))
        .withLogTail(List.of("line" + esc));
    fixture.s3.putObject(b -> b.bucket(fixture.bucket).key("f/status.json"), RequestBody.fromBytes(new StatusCodec().encode(status)));
    StringWriter bytes = new StringWriter();
    int code = StatusCommand.show(fixture.s3, new S3Options.Location(fixture.bucket, "f/"), false, Duration.ofSeconds(1),
        Duration.ZERO, new PrintWriter(bytes, true));
    String printed = bytes.toString();
    assertThat(code).isEqualTo(1);
    assertThat(printed).doesNotContain("\u001b", "\u0007", "\r", "\u202e")
        .contains("\\x1b]0;pwned\\x07\\x1b[2J\\nsucceeded", "\\r\\u202eevil");
    assertThat(printed.split("\n")).hasSize(3); // the status line, one error, one log line
  }
}
