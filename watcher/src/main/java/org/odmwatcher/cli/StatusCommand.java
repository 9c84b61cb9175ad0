package org.odmwatcher.cli;

import org.odmwatcher.logging.EscapedMessageConverter;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.odmwatcher.status.JobState;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.StatusCodec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/** {@code status s3://bucket/prefix/ [--follow]}: a job's state, stage and progress. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Shows the status.json of s3://bucket/prefix/; --follow until the job ends.")
public final class StatusCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "The job's folder: s3://bucket/prefix/")
  String target;

  @Option(names = {"-f", "--follow"}, description = "Keep showing changes until the job ends")
  boolean follow;

  @Option(names = "--interval", defaultValue = "2s", converter = DurationConverter.class,
      description = "Pause between two looks with --follow (2s, 500ms, …). Default: ${DEFAULT-VALUE}")
  Duration interval;

  @Option(names = "--timeout", defaultValue = "5m", converter = DurationConverter.class,
      description = "With --follow: give up when no status.json has appeared after this long (0 = wait for ever)."
          + " A job that has a status.json is followed to its end. Default: ${DEFAULT-VALUE}")
  Duration timeout;

  @Spec CommandSpec spec;

  @Mixin S3Options s3Options;

  @Override
  public Integer call() throws Exception {
    S3Options.Location location = S3Options.Location.parse(target);
    try (S3Client s3 = s3Options.client()) {
      return show(s3, location, follow, interval, timeout, spec.commandLine().getOut());
    }
  }

  /**
   * Prints the job's status (each change once) and, with {@code follow}, keeps looking until it is
   * final, or until {@code timeout} has passed without any status.json (zero: no limit). Returns 0
   * when the job succeeded (or, without follow, when a status exists), else 1.
   */
  static int show(S3Client s3, S3Options.Location location, boolean follow, Duration interval, Duration timeout,
      PrintWriter out) throws InterruptedException {
    StatusCodec codec = new StatusCodec();
    String last = null;
    long deadline = System.nanoTime() + timeout.toNanos();
    String limit = timeout.isZero() ? "" : " (waiting up to " + DurationConverter.format(timeout) + "; --timeout to change)";
    while (true) {
      Optional<JobStatus> status = read(s3, codec, location);
      String line = status.map(StatusCommand::describe)
          .orElse("no status.json yet under " + location + ": has odm.json been uploaded?" + (follow ? limit : ""));
      if (!line.equals(last)) {
        out.println(EscapedMessageConverter.escape(line));
        last = line;
      }
      if (status.isPresent() && status.get().state().isFinal()) {
        JobStatus s = status.get();
        if (s.outputs() != null) {
          s.outputs().forEach(o -> out.println("  " + EscapedMessageConverter.escape(location + o)));
        }
        if (s.errors() != null) {
          s.errors().forEach(e -> out.println("  error: " + EscapedMessageConverter.escape(e)));
        }
        if (s.logTail() != null) {
          s.logTail().forEach(l -> out.println("  | " + EscapedMessageConverter.escape(l)));
        }
        return s.state() == JobState.SUCCEEDED ? 0 : 1;
      }
      if (!follow) {
        return status.isPresent() ? 0 : 1;
      }
      if (status.isEmpty() && !timeout.isZero() && System.nanoTime() - deadline >= 0) {
        out.println(EscapedMessageConverter.escape("gave up after " + DurationConverter.format(timeout)
            + ": still no status.json under " + location + ". Upload odm.json (last) to start the job; if it is there,"
            + " is the watcher (or local) running and watching bucket " + location.bucket() + "?"));
        return 1;
      }
      Thread.sleep(interval.toMillis());
    }
  }

  static String describe(JobStatus s) {
    StringBuilder b = new StringBuilder(s.state().wireName());
    if (s.stage() != null) {
      b.append("  stage ").append(s.stage());
    }
    if (s.progress() != null) {
      b.append("  ").append(s.progress()).append('%');
    }
    if (s.engine() != null) {
      b.append("  engine ").append(s.engine());
    }
    return b.append("  ").append(s.message()).toString();
  }

  private static Optional<JobStatus> read(S3Client s3, StatusCodec codec, S3Options.Location location) {
    try {
      return codec.decode(s3.getObjectAsBytes(b -> b.bucket(location.bucket()).key(location.prefix() + "status.json")).asByteArray());
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    }
  }
}
