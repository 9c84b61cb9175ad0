package org.odmwatcher.workflow;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.micronaut.core.annotation.Nullable;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.odmwatcher.status.JobState;

/**
 * What a Workflow's {@code status} says, reduced to what {@code status.json} shows: the state, a
 * message, the running step as the stage and Argo's own {@code status.progress} ("3/5") as a
 * percentage — honest, never invented.
 */
public record WorkflowPhase(JobState state, String message, @Nullable String stage, @Nullable Integer progress) {
  private static final Pattern PROGRESS = Pattern.compile("(\\d+)/(\\d+)");
  /** The attempt suffix Argo gives a retried step's pod nodes: {@code process(1)}. */
  private static final Pattern ATTEMPT = Pattern.compile("\\(\\d+\\)$");
  private static final java.util.List<String> STEPS = java.util.List.of("download", "seed", "process", "upload");

  /** Empty when the Workflow has no phase yet (just created) or one this version does not know. */
  @SuppressWarnings("unchecked")
  public static Optional<WorkflowPhase> of(GenericKubernetesResource workflow) {
    Object statusObject = workflow.getAdditionalProperties().get("status");
    if (!(statusObject instanceof Map<?, ?> status)) {
      return Optional.empty();
    }
    String phase = String.valueOf(status.get("phase"));
    String message = status.get("message") == null ? null : String.valueOf(status.get("message"));
    Integer progress = percent(status.get("progress"));
    String stage = runningStep((Map<String, Object>) status);
    return switch (phase) {
      case "Pending" -> Optional.of(new WorkflowPhase(JobState.SUBMITTED, "workflow pending", stage, progress));
      case "Running" -> Optional.of(
          new WorkflowPhase(JobState.RUNNING, stage == null ? "running" : "running: " + stage, stage, progress));
      case "Succeeded" -> Optional.of(new WorkflowPhase(JobState.SUCCEEDED, "processing finished", null, 100));
      case "Failed", "Error" -> {
        boolean stopped = message != null && (message.contains("Stopped with strategy") || message.contains("terminated"));
        yield Optional.of(
            new WorkflowPhase(
                stopped ? JobState.CANCELED : JobState.FAILED,
                stopped ? message : failureMessage(phase, message, (Map<String, Object>) status),
                stage,
                progress));
      }
      default -> Optional.empty();
    };
  }

  /**
   * Why a Workflow failed: the failed step and its node's reason ({@link FailedStep}), which the
   * exit handler's {@code job-finished} derives from {@code {{workflow.failures}}} the same way;
   * else the Workflow's own message (an entry template error, say); else "workflow failed".
   */
  private static String failureMessage(String phase, String message, Map<String, Object> status) {
    Object nodes = status.get("nodes");
    return FailedStep.among(nodes instanceof Map<?, ?> byId ? byId.values() : java.util.List.of())
        .map(FailedStep::message)
        .orElse(message == null || message.isBlank() ? failed(phase) : message);
  }

  /** The message when nothing says more: "workflow failed", "workflow error". */
  public static String failed(String argoPhase) {
    return "workflow " + argoPhase.toLowerCase(java.util.Locale.ROOT);
  }

  private static Integer percent(Object progress) {
    if (progress == null) {
      return null;
    }
    Matcher m = PROGRESS.matcher(String.valueOf(progress));
    if (!m.matches() || Integer.parseInt(m.group(2)) == 0) {
      return null;
    }
    return Math.min(100, Integer.parseInt(m.group(1)) * 100 / Integer.parseInt(m.group(2)));
  }

  /**
   * The step that runs now. Every step of the template has a {@code retryStrategy}, so Argo writes
   * a {@code Retry} node named after the task ({@code download}) whose {@code Pod} children are its
   * attempts, {@code download(0)}, {@code download(1)}… (argo-workflows
   * workflow/controller/operator.go, executeTemplate: {@code fmt.Sprintf("%s(%d)", retryNodeName,
   * retryNum)}); a step without one would be a {@code Pod} node with the plain name. Either way the
   * stage is the task name.
   */
  private static String runningStep(Map<String, Object> status) {
    Object nodes = status.get("nodes");
    if (!(nodes instanceof Map<?, ?> byId)) {
      return null;
    }
    String found = null;
    for (Object node : byId.values()) {
      if (node instanceof Map<?, ?> n
          && ("Running".equals(n.get("phase")) || "Pending".equals(n.get("phase")))
          && ("Pod".equals(n.get("type")) || "Retry".equals(n.get("type")))) {
        Object name = n.get("displayName");
        String step = name == null ? null : ATTEMPT.matcher(name.toString()).replaceFirst("");
        if (step != null && STEPS.contains(step)) {
          if ("Running".equals(n.get("phase"))) {
            return step;
          }
          found = step;
        }
      }
    }
    return found;
  }
}
