package org.odmwatcher;

import io.micronaut.runtime.Micronaut;
import java.util.Arrays;
import org.odmwatcher.cli.JobFinishedCommand;

/**
 * Entry point. Without a command it runs the watcher service with the configured event sources;
 * commands: {@code job-finished} (the Workflow exit handler's status update).
 */
public final class Application {
  private Application() {}

  public static void main(String[] args) {
    String command = args.length == 0 ? "" : args[0];
    String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
    switch (command) {
      case "job-finished" -> System.exit(JobFinishedCommand.run(rest));
      default -> Micronaut.run(Application.class, args);
    }
  }
}
