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
 * message, and the stage and percentage in the shape local mode gives them ({@link OdmStages}):
 * {@code download} while the download step runs, ODM's own stage and percentage while {@code
 * process} runs (from the progress Argo reports for the step's pod node: ODM's percentage, "N/100",
 * which the template's program writes into {@code $ARGO_PROGRESS_FILE}), {@code upload} after.
 */
public record WorkflowPhase(JobState state, String message, @Nullable String stage, @Nullable Integer progress) {
  private static final Pattern PROGRESS = Pattern.compile("(\\d+)/(\\d+)");
  /** The attempt suffix Argo gives a retried step's pod nodes: {@code process(1)}. */
  private static final Pattern ATTEMPT = Pattern.compile("\\((\\d+)\\)$");
  private static final java.util.List<String> STEPS = java.util.List.of("download", "seed", "process", "upload");

  /**
   * How {@code status.json}'s message starts once a step's pod has been unschedulable for {@code
   * watcher.placement.unschedulable-after}; the dashboard shows its hint for it.
   */
  public static final String WAITING_FOR_NODE = "waiting for a node: ";
  /**
   * The reason Argo gives a Pending pod's node when the pod's PodScheduled condition says
   * Unschedulable: "Unschedulable: <the scheduler's message>" (argo-workflows
   * workflow/controller/operator.go getPendingReason, called by assessNodeStatus for PodPending).
   */
  private static final String UNSCHEDULABLE = "Unschedulable: ";

  /** A pod of the Workflow that the scheduler cannot place: its step, since when, and why. */
  public record Unschedulable(String step, java.time.Instant since, String schedulerMessage) {}

  /** Empty when the Workflow has no phase yet (just created) or one this version does not know. */
  public static Optional<WorkflowPhase> of(GenericKubernetesResource workflow) {
    return of(workflow, null, null);
  }

  /**
   * As {@link #of(GenericKubernetesResource)}; a running Workflow whose step's pod has been
   * unschedulable for {@code unschedulableAfter} or longer at {@code now} says so, with the
   * scheduler's reason ({@link #WAITING_FOR_NODE}).
   */
  public static Optional<WorkflowPhase> of(
      GenericKubernetesResource workflow, java.time.@Nullable Instant now, java.time.@Nullable Duration unschedulableAfter) {
    Optional<WorkflowPhase> phase = basic(workflow);
    if (now == null || unschedulableAfter == null || phase.isEmpty() || phase.get().state() != JobState.RUNNING) {
      return phase;
    }
    Optional<Unschedulable> stuck = unschedulable(workflow);
    if (stuck.isEmpty() || stuck.get().since().plus(unschedulableAfter).isAfter(now)) {
      return phase;
    }
    Unschedulable u = stuck.get();
    long minutes = java.time.Duration.between(u.since(), now).toMinutes();
    String message = WAITING_FOR_NODE + "the " + u.step() + " step's pod has been unschedulable for "
        + (minutes < 1 ? "under a minute" : minutes + " min") + ": " + u.schedulerMessage();
    return Optional.of(new WorkflowPhase(JobState.RUNNING, message, phase.get().stage(), phase.get().progress()));
  }

  /** The Workflow's pod node that is Pending because the scheduler found no node for it, if any. */
  public static Optional<Unschedulable> unschedulable(GenericKubernetesResource workflow) {
    Object statusObject = workflow.getAdditionalProperties().get("status");
    if (!(statusObject instanceof Map<?, ?> status) || !(status.get("nodes") instanceof Map<?, ?> byId)) {
      return Optional.empty();
    }
    for (Object node : byId.values()) {
      if (node instanceof Map<?, ?> n && "Pod".equals(n.get("type")) && "Pending".equals(n.get("phase"))
          && n.get("message") instanceof String message && message.startsWith(UNSCHEDULABLE)
          && n.get("startedAt") != null) {
        String step = n.get("displayName") == null ? "?" : ATTEMPT.matcher(n.get("displayName").toString()).replaceFirst("");
        try {
          return Optional.of(new Unschedulable(step, java.time.Instant.parse(n.get("startedAt").toString()),
              message.substring(UNSCHEDULABLE.length())));
        } catch (java.time.format.DateTimeParseException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  @SuppressWarnings("unchecked")
  private static Optional<WorkflowPhase> basic(GenericKubernetesResource workflow) {
    Object statusObject = workflow.getAdditionalProperties().get("status");
    if (!(statusObject instanceof Map<?, ?> status)) {
      return Optional.empty();
    }
    String phase = String.valueOf(status.get("phase"));
    String message = status.get("message") == null ? null : String.valueOf(status.get("message"));
    String step = runningStep((Map<String, Object>) status);
    OdmStages.Position position = position(step, (Map<String, Object>) status);
    String stage = position == null ? null : position.stage();
    Integer progress = position == null ? null : position.percent();
    return switch (phase) {
      case "Pending" -> Optional.of(new WorkflowPhase(JobState.SUBMITTED, "workflow pending", null, null));
      case "Running" -> Optional.of(
          new WorkflowPhase(JobState.RUNNING, step == null ? "running" : "running: " + step, stage, progress));
      case "Succeeded" -> Optional.of(new WorkflowPhase(JobState.SUCCEEDED, "processing finished", null, 100));
      case "Failed", "Error" -> {
        boolean stopped = message != null && (message.contains("Stopped with strategy") || message.contains("terminated"));
        yield Optional.of(
            new WorkflowPhase(
                stopped ? JobState.CANCELED : JobState.FAILED,
                stopped ? message : failureMessage(phase, message, (Map<String, Object>) status),
                null,
                null));
      }
      default -> Optional.empty();
    };
  }

  /**
   * The stage and job percentage of the running step: download, seed and upload are one stage each
   * (local mode's percentages); during {@code process}, ODM's percentage as Argo reports it for the
   * step's newest pod node ({@code process(N)}; argo-workflows pkg/apis/workflow/v1alpha1
   * progress.go: "N/M", the executor's report of the progress file), mapped through ODM's stage
   * table; no report yet reads as ODM at 0 %, its first stage.
   */
  private static OdmStages.Position position(String step, Map<String, Object> status) {
    if (step == null) {
      return null;
    }
    return switch (step) {
      case "download" -> new OdmStages.Position(OdmStages.DOWNLOAD, OdmStages.DOWNLOAD_PERCENT);
      // a split-merge submodel's seed.zip being unpacked: still before ODM, so download's percentage
      case "seed" -> new OdmStages.Position("seed", OdmStages.DOWNLOAD_PERCENT);
      case "upload" -> new OdmStages.Position(OdmStages.UPLOAD, OdmStages.UPLOAD_PERCENT);
      default -> OdmStages.ofOdmPercent(odmPercent(status)).orElse(null);
    };
  }

  /** ODM's percentage from the newest {@code process} pod node's progress, 0 when none. */
  private static int odmPercent(Map<String, Object> status) {
    Object nodes = status.get("nodes");
    if (!(nodes instanceof Map<?, ?> byId)) {
      return 0;
    }
    int newest = -1;
    Integer percent = null;
    for (Object node : byId.values()) {
      if (node instanceof Map<?, ?> n && "Pod".equals(n.get("type")) && n.get("displayName") != null) {
        String name = n.get("displayName").toString();
        Matcher attempt = ATTEMPT.matcher(name);
        int number = attempt.find() ? Integer.parseInt(attempt.group(1)) : 0;
        if (name.replaceFirst("\\(\\d+\\)$", "").equals("process") && number > newest) {
          newest = number;
          percent = percent(n.get("progress"));
        }
      }
    }
    return percent == null ? 0 : percent;
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
