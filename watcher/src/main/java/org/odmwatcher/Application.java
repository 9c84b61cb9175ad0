package org.odmwatcher;

import io.micronaut.runtime.Micronaut;
import java.util.Arrays;
import org.odmwatcher.cli.CommandFailures;
import org.odmwatcher.cli.Invocation;
import org.odmwatcher.cli.JobFinishedCommand;
import org.odmwatcher.cli.LocalCommand;
import org.odmwatcher.cli.RenderCommand;
import org.odmwatcher.cli.StatusCommand;
import org.odmwatcher.cli.UploadCommand;

/**
 * Entry point. Without a command it runs the watcher service with the configured event sources;
 * commands: {@code local} (everything on one machine), {@code upload} (a pilot's folder, odm.json
 * last), {@code status} (a job's progress), {@code render} (the Workflows a folder would get), {@code job-finished} (the Workflow exit handler's
 * status update).
 */
public final class Application {
  private Application() {}

  public static void main(String[] args) {
    String command = args.length == 0 ? "" : args[0];
    String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
    switch (command) {
      case "job-finished" -> System.exit(JobFinishedCommand.run(rest));
      case "local" -> {
        LocalCommand local = new LocalCommand();
        int code = CommandFailures.commandLine(local).execute(rest);
        // Serving local mode returns only from its shutdown hook, where System.exit would block;
        // a one-shot --run (or an error) ends here.
        if (code != 0 || local.isOneShot()) {
          System.exit(code);
        }
      }
      case "upload" -> System.exit(CommandFailures.commandLine(new UploadCommand()).execute(rest));
      case "status" -> System.exit(CommandFailures.commandLine(new StatusCommand()).execute(rest));
      case "render" -> System.exit(CommandFailures.commandLine(new RenderCommand()).execute(rest));
      case "help", "--help", "-h" -> System.out.println(
          "usage: " + Invocation.command() + " [local | upload | status | render | job-finished] …  (no command: the watcher service)\n"
              + "  local --data DIR [--engine docker|podman|native|test] [--run FOLDER]   everything on this machine\n"
              + "  upload FOLDER s3://bucket/prefix/ [--endpoint URL] [--option k=v]\n"
              + "  status s3://bucket/prefix/ [--follow [--timeout 5m]] [--endpoint URL]\n"
              + "  render s3://bucket/prefix/ [--images N] [--manifest FILE]   the Workflows it would submit\n"
              + "each command has --help; --verbose prints the stack trace of an error");
      default -> Micronaut.run(Application.class, args);
    }
  }

}
