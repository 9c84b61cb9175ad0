package org.odmwatcher.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.odmwatcher.local.EmbeddedS3;
import picocli.CommandLine;

/**
 * What a user sees when the keys are wrong or missing, S3 is not there, or a port of {@code local}
 * is taken: one line saying what is wrong and what to do, a non-zero exit, and a stack trace only
 * with {@code --verbose}. The commands run in-process as the jar runs them ({@link CommandFailures#commandLine}),
 * against local mode's own embedded S3 server, the one a pilot's upload meets.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CommandErrorsTest {
  /** Keys the IAM contract knows as nobody's (local mode's embedded S3 has no IAM). */
  private static final String KEY = "local-test";
  private static final String SECRET = "local-test-secret";

  private final EmbeddedS3 s3;
  private final Path folder;

  CommandErrorsTest() throws Exception {
    s3 = EmbeddedS3.start(Files.createTempDirectory("cli-errors-s3"), "127.0.0.1", 0, KEY, SECRET);
    folder = Files.createTempDirectory("flight");
    Files.write(folder.resolve("IMG_0001.JPG"), new byte[100]);
  }

  @AfterAll
  void close() throws Exception {
    s3.close();
  }

  /** A command's exit code, what it printed on stderr. */
  record Run(int code, String err) {}

  private static Run run(Object command, String... args) {
    StringWriter err = new StringWriter();
    CommandLine cli = CommandFailures.commandLine(command);
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Run(code, err.toString());
  }

  @Test
  void aWrongSecretKeySaysTheSecretDoesNotMatch() {
    Run run = run(new UploadCommand(), folder.toString(), "s3://odm/a/", "--endpoint", s3.endpoint(),
        "--access-key", KEY, "--secret-key", "wrong");
    assertThat(run.code()).isNotZero();
    assertThat(run.err()).isEqualTo("upload: the secret key does not match access key " + KEY
        + " (SignatureDoesNotMatch): load the keys again (set -a; . ./odm-data/local.env; set +a) or check --secret-key"
        + " / AWS_SECRET_ACCESS_KEY\n");
  }

  @Test
  void anUnknownAccessKeySaysSo() {
    Run run = run(new StatusCommand(), "s3://odm/a/", "--endpoint", s3.endpoint(),
        "--access-key", "not-a-principal", "--secret-key", "x");
    assertThat(run.code()).isNotZero();
    assertThat(run.err()).isEqualTo("status: unknown access key id not-a-principal (InvalidAccessKeyId): load the keys"
        + " again (set -a; . ./odm-data/local.env; set +a) or check --access-key / AWS_ACCESS_KEY_ID\n");
  }

  @Test
  void noKeysAtAllSaysWhereToLoadThemFrom() {
    // The test JVM has no AWS keys in its environment, system properties or profile (as a fresh terminal).
    Run run = run(new StatusCommand(), "s3://odm/a/", "--endpoint", s3.endpoint());
    assertThat(run.code()).isNotZero();
    assertThat(run.err()).isEqualTo("status: no S3 keys: load ./odm-data/local.env (set -a; . ./odm-data/local.env; set +a),"
        + " or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or an AWS profile)\n");
  }

  @Test
  void anEndpointNobodyListensOnAsksWhetherLocalIsRunning() throws Exception {
    String endpoint;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      endpoint = "http://127.0.0.1:" + free.getLocalPort();
    }
    Run run = run(new StatusCommand(), "s3://odm/a/", "--endpoint", endpoint, "--access-key", KEY, "--secret-key", SECRET);
    assertThat(run.code()).isNotZero();
    assertThat(run.err()).isEqualTo("status: cannot reach the S3 endpoint " + endpoint + " (connection refused): is `local`"
        + " running? (or check --endpoint / AWS_ENDPOINT_URL)\n");
  }

  @Test
  void verbosePrintsTheStackTraceToo() {
    Run run = run(new StatusCommand(), "s3://odm/a/", "--endpoint", s3.endpoint(),
        "--access-key", KEY, "--secret-key", "wrong", "--verbose");
    assertThat(run.code()).isNotZero();
    assertThat(run.err()).startsWith("status: the secret key does not match").contains("\tat software.amazon.awssdk");
  }

  @Test
  void aTakenS3PortNamesThePortAndTheFlag(@TempDir Path data) throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      Run run = run(new LocalCommand(), "--data", data.toString(), "--engine", "test", "--port", Integer.toString(port),
          "--http-port", "0");
      assertThat(run.code()).isNotZero();
      assertThat(run.err()).isEqualTo("local: port " + port + " on 127.0.0.1 is in use (the S3 server's):"
          + " choose another with --port\n");
    }
  }

  @Test
  void aTakenHttpPortNamesThePortAndTheFlag(@TempDir Path data) throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      Run run = run(new LocalCommand(), "--data", data.toString(), "--engine", "test", "--port", "0",
          "--http-port", Integer.toString(port));
      assertThat(run.code()).isNotZero();
      assertThat(run.err()).isEqualTo("local: port " + port + " on 127.0.0.1 is in use (the dashboard's and NodeODM API's):"
          + " choose another with --http-port (0 = any free port)\n");
    }
  }

  /**
   * Issue 21 row 8: local mode on an address other machines reach, without a token, failed with
   * the API's own rule naming {@code watcher.api.token}; local mode's user sets it with --api-token.
   */
  @Test
  void localOnAnOpenAddressWithoutATokenAsksForApiToken(@TempDir Path data) {
    Run run = run(new LocalCommand(), "--data", data.toString(), "--engine", "test", "--port", "0", "--http-port", "0",
        "--host", "0.0.0.0");
    assertThat(run.code()).isNotZero();
    assertThat(run.err()).isEqualTo("local: --host 0.0.0.0 lets other machines reach the NodeODM API and the dashboard:"
        + " give them a token with --api-token <token>\n");
  }
}
