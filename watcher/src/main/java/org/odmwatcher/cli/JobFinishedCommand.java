package org.odmwatcher.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.env.EnvironmentPropertySource;
import io.micronaut.context.env.MapPropertySource;
import io.micronaut.context.env.PropertySource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.status.JobState;
import org.odmwatcher.workflow.FailedStep;
import org.odmwatcher.workflow.PhaseRecorder;
import org.odmwatcher.workflow.WorkflowPhase;

/**
 * {@code job-finished}: run by the WorkflowTemplate's exit handler so the final state reaches
 * {@code status.json} even while the watcher is scaled to zero. Arguments come as an array from
 * the template ({@code --bucket B --prefix P --job-id J --results-prefix R --phase
 * Succeeded|Failed|Error --failures F}, F being Argo's {@code {{workflow.failures}}}); S3 settings from {@code WATCHER_S3_*} environment variables, keys from
 * the AWS default chain ({@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY}, IRSA, …).
 *
 * <p>The command's inputs are its arguments and its environment, both passed in ({@link #run(String[],
 * Map)}), so that it can run in-process with a given environment exactly as in its container.
 */
public final class JobFinishedCommand {
  private static final List<String> REQUIRED = List.of("--bucket", "--prefix", "--job-id", "--phase");
  private static final ObjectMapper JSON = new ObjectMapper();

  private JobFinishedCommand() {}

  /** Runs with this process's environment; returns the process exit code. */
  public static int run(String[] args) {
    return run(args, System.getenv());
  }

  /**
   * Runs with {@code environment} as the process environment (read with Micronaut's environment
   * variable convention, {@code WATCHER_S3_ENDPOINT} = {@code watcher.s3.endpoint}); returns the
   * process exit code.
   */
  public static int run(String[] args, Map<String, String> environment) {
    Map<String, String> options;
    try {
      options = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("job-finished: " + e.getMessage());
      System.err.println(
          "usage: job-finished --bucket B --prefix P --job-id J --phase Succeeded|Failed|Error [--results-prefix R]"
              + " [--failures JSON] [--message M]");
      return 2;
    }
    String message = options.get("--message");
    if ((message == null || message.isBlank()) && !"Succeeded".equals(options.get("--phase"))) {
      message = failedStep(options.get("--failures")).map(FailedStep::message).orElse(null);
    }
    WorkflowPhase phase = phaseOf(options.get("--phase"), message);
    try (ApplicationContext context =
        ApplicationContext.builder()
            .properties(Map.of("watcher.executor", "none", "watcher.sqs.enabled", "false", "watcher.argo.watch", "false",
                "watcher.notify.enabled", "false")) // the watcher notifies, from the status this writes
            .deduceEnvironment(false)
            .environmentPropertySource(false)
            .propertySources(environmentSource(environment))
            .start()) {
      PhaseRecorder recorder = context.getBean(PhaseRecorder.class);
      if (options.containsKey("--results-prefix")) {
        // Where the Workflow uploaded (its results-prefix parameter), whatever this process's
        // watcher.manifest.results-folder says: the exit handler runs with the defaults.
        recorder.record(options.get("--bucket"), options.get("--prefix"), options.get("--job-id"), phase,
            options.get("--results-prefix"));
      } else {
        recorder.record(options.get("--bucket"), options.get("--prefix"), options.get("--job-id"), phase);
      }
      System.out.println("status.json of s3://" + options.get("--bucket") + "/" + options.get("--prefix")
          + " records " + phase.state().wireName());
      return 0;
    } catch (TransientFailureException e) {
      System.err.println("job-finished: " + e.getMessage());
      return 1; // the template's retryStrategy tries again
    }
  }

  /**
   * {@code environment} as Micronaut's own environment source would read it (same convention, same
   * low precedence). The SDK's environment keys ({@code AWS_ACCESS_KEY_ID} and {@code
   * AWS_SECRET_ACCESS_KEY}, what the template passes from the {@code odm-workflow-s3-credentials} Secret)
   * become the static keys they stand for, unless {@code WATCHER_S3_ACCESS_KEY} is set or a session
   * token comes with them; otherwise the AWS default chain finds the credentials as before.
   */
  static PropertySource environmentSource(Map<String, String> environment) {
    Map<String, Object> values = new LinkedHashMap<>(environment);
    String accessKey = environment.get("AWS_ACCESS_KEY_ID");
    if (accessKey != null && !accessKey.isBlank() && !environment.containsKey("WATCHER_S3_ACCESS_KEY")
        && environment.get("AWS_SESSION_TOKEN") == null) {
      values.put("WATCHER_S3_ACCESS_KEY", accessKey);
      values.put("WATCHER_S3_SECRET_KEY", environment.getOrDefault("AWS_SECRET_ACCESS_KEY", ""));
    }
    return new MapPropertySource("job-finished-environment", values) {
      @Override
      public int getOrder() {
        return EnvironmentPropertySource.POSITION;
      }

      @Override
      public PropertyConvention getConvention() {
        return PropertyConvention.ENVIRONMENT_VARIABLE;
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
        : state == JobState.SUCCEEDED ? "processing finished" : WorkflowPhase.failed(argoStatus);
    return new WorkflowPhase(state, text, null, state == JobState.SUCCEEDED ? 100 : null);
  }

  /**
   * The failed step in Argo's {@code {{workflow.failures}}}: a JSON array of the failed nodes
   * (displayName, message, templateName, phase, podName, finishedAt), which Argo hands over
   * Go-quoted — one more layer of string quoting around the array (argo-workflows
   * workflow/controller/operator.go operate: {@code strconv.Quote(string(failedNodeBytes))}, kept
   * through util/template simple substitution) — so both forms are read. Empty, {@code null} or
   * unreadable text gives no step: the status still records the phase.
   */
  static Optional<FailedStep> failedStep(String failures) {
    if (failures == null || failures.isBlank()) {
      return Optional.empty();
    }
    try {
      JsonNode nodes = JSON.readTree(failures);
      if (nodes != null && nodes.isTextual()) {
        nodes = JSON.readTree(nodes.textValue());
      }
      if (nodes == null || !nodes.isArray()) {
        return Optional.empty();
      }
      return FailedStep.among(JSON.convertValue(nodes, List.class));
    } catch (JsonProcessingException e) {
      System.err.println("job-finished: --failures is not Argo's JSON list of failed nodes (" + e.getOriginalMessage()
          + "); recording the phase only");
      return Optional.empty();
    }
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
