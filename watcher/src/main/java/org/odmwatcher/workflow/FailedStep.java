package org.odmwatcher.workflow;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Why a Workflow failed, in one line: the step that failed and the reason Argo gave its node, e.g.
 * {@code process failed: main: Error (exit code 137)}. Argo leaves a failed DAG (and so the
 * Workflow) without a message; the reason is on the failed {@code Pod} node (argo-workflows
 * workflow/controller/operator.go inferFailedReason: {@code "<container>: <reason> (exit code N)"},
 * {@code OOMKilled} as the reason when the kernel killed it).
 *
 * <p>Read from the same node fields wherever they come from — {@code status.nodes} (the informer)
 * or {@code {{workflow.failures}}} (the exit handler; operator.go operate, failedNodeStatus) — so
 * both writers of {@code status.json} say the same thing. The chosen node: among the Failed/Error
 * nodes of the main DAG's tasks, the furthest task in the pipeline (tasks run one after another, so
 * that is the one that stopped it), and its last attempt ({@code process(1)} over {@code
 * process(0)}; the Retry node {@code process} only if it has no attempt).
 */
public record FailedStep(String step, String reason) {
  /** The main DAG's tasks in pipeline order (manifests/base/workflowtemplate-odm-process.yaml). */
  static final List<String> TASKS = List.of("workspace", "download", "seed", "process", "upload");

  private static final Pattern NAME = Pattern.compile("([a-z0-9-]+)(?:\\((\\d+)\\))?");

  /** The line for {@code status.json}'s message. */
  public String message() {
    return step + " failed: " + reason;
  }

  /**
   * The failed step among {@code nodes}, each a map with Argo's {@code displayName}, {@code phase}
   * and {@code message}; empty when no main-DAG node failed with a message.
   */
  public static Optional<FailedStep> among(Collection<?> nodes) {
    record Candidate(int task, int attempt, String step, String reason) {}
    return nodes.stream()
        .filter(n -> n instanceof Map<?, ?>)
        .map(n -> (Map<?, ?>) n)
        .filter(n -> "Failed".equals(n.get("phase")) || "Error".equals(n.get("phase")))
        .filter(n -> n.get("message") != null && !String.valueOf(n.get("message")).isBlank())
        .map(n -> {
          Matcher m = NAME.matcher(String.valueOf(n.get("displayName")));
          if (!m.matches() || !TASKS.contains(m.group(1))) {
            return null;
          }
          int attempt = m.group(2) == null ? -1 : Integer.parseInt(m.group(2));
          return new Candidate(TASKS.indexOf(m.group(1)), attempt, m.group(1), String.valueOf(n.get("message")).strip());
        })
        .filter(java.util.Objects::nonNull)
        .max(Comparator.comparingInt(Candidate::task).thenComparingInt(Candidate::attempt))
        .map(c -> new FailedStep(c.step(), c.reason()));
  }
}
