package org.odmwatcher.cli;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.env.EnvironmentPropertySource;
import io.micronaut.context.env.MapPropertySource;
import io.micronaut.context.env.PropertySource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.odmwatcher.event.TransientFailureException;
import org.odmwatcher.status.JobState;
import org.odmwatcher.workflow.PhaseRecorder;
import org.odmwatcher.workflow.WorkflowPhase;

/**
 * {@code job-finished}: run by the WorkflowTemplate's exit handler so the final state reaches
 * {@code status.json} even while the watcher is scaled to zero. Arguments come as an array from
 * the template ({@code --bucket B --prefix P --job-id J --results-prefix R --phase
 * Succeeded|Failed|Error}); S3 settings from {@code WATCHER_S3_*} environment variables.
 */
public final class JobFinishedCommand {
  private static final List<String> REQUIRED = List.of("--bucket", "--prefix", "--job-id", "--phase");

  private JobFinishedCommand() {}

  /** Returns the process exit code. */
  public static int run(String[] args) {
    return run(args, System.getenv());
  }

  /**
   * As {@link #run(String[])} with the given environment instead of the process's: what the
   * container's {@code env} sets ({@code WATCHER_*} settings, {@code AWS_ACCESS_KEY_ID} /
   * {@code AWS_SECRET_ACCESS_KEY}). A seam so the test Argo can run the exit handler in-process
   * with the template's env.
   */
  public static int run(String[] args, Map<String, String> environment) {
    Map<String, String> options;
    try {
      options = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("job-finished: " + e.getMessage());
      System.err.println(
          "usage: job-finished --bucket B --prefix P --job-id J --phase Succeeded|Failed|Error [--results-prefix R] [--message M]");
      return 2;
    }
    WorkflowPhase phase = phaseOf(options.get("--phase"), options.get("--message"));
    try (ApplicationContext context =
        ApplicationContext.builder()
            .propertySources(environmentSource(environment))
            .properties(Map.of("watcher.executor", "none", "watcher.sqs.enabled", "false", "watcher.argo.watch", "false"))
            .deduceEnvironment(false)
            .start()) {
      context.getBean(PhaseRecorder.class)
          .record(options.get("--bucket"), options.get("--prefix"), options.get("--job-id"), phase);
      System.out.println("status.json of s3://" + options.get("--bucket") + "/" + options.get("--prefix")
          + " records " + phase.state().wireName());
      return 0;
    } catch (TransientFailureException e) {
      System.err.println("job-finished: " + e.getMessage());
      return 1; // the template's retryStrategy tries again
    }
  }

  /**
   * The environment as Micronaut reads variables ({@code WATCHER_S3_ENDPOINT} =
   * {@code watcher.s3.endpoint}). Static keys in {@code AWS_ACCESS_KEY_ID}/{@code
   * AWS_SECRET_ACCESS_KEY} are what the AWS default chain would pick from the environment; they
   * become the S3 keys unless {@code WATCHER_S3_ACCESS_KEY} is set.
   */
  private static PropertySource environmentSource(Map<String, String> environment) {
    Map<String, Object> values = new LinkedHashMap<>();
    environment.forEach(
        (name, value) -> {
          if (name.startsWith("WATCHER_")) {
            values.put(name, value);
          }
        });
    String accessKey = environment.get("AWS_ACCESS_KEY_ID");
    if (accessKey != null && !accessKey.isBlank() && !environment.containsKey("WATCHER_S3_ACCESS_KEY")) {
      values.put("WATCHER_S3_ACCESS_KEY", accessKey);
      values.put("WATCHER_S3_SECRET_KEY", environment.getOrDefault("AWS_SECRET_ACCESS_KEY", ""));
    }
    return new MapPropertySource("job-finished-environment", values) {
      @Override
      public PropertyConvention getConvention() {
        return PropertyConvention.ENVIRONMENT_VARIABLE;
      }

      @Override
      public int getOrder() {
        return EnvironmentPropertySource.POSITION;
      }
    };
  }

  static WorkflowPhase phaseOf(String argoStatus, String message) {
    JobState state =
        switch (argoStatus) {
          case "Succeeded" -> JobState.SUCCEEDED;
          case "Failed", "Error" -> JobState.FAILED;
          default -> throw new IllegalArgumentException("unknown phase " + argoStatus);
        };
    String text = message != null && !message.isBlank() ? message
        : state == JobState.SUCCEEDED ? "processing finished" : "workflow " + argoStatus.toLowerCase(java.util.Locale.ROOT);
    return new WorkflowPhase(state, text, null, state == JobState.SUCCEEDED ? 100 : null);
  }

  static Map<String, String> parse(String[] args) {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      if (!name.startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --name value pairs, got '" + name + "'");
      }
      options.put(name, args[++i]);
    }
    for (String required : REQUIRED) {
      if (!options.containsKey(required)) {
        throw new IllegalArgumentException("missing " + required);
      }
    }
    if (!List.of("Succeeded", "Failed", "Error").contains(options.get("--phase"))) {
      throw new IllegalArgumentException("--phase must be Succeeded, Failed or Error");
    }
    return options;
  }
}
