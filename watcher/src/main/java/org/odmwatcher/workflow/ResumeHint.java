package org.odmwatcher.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Quantity;
import io.micronaut.core.annotation.Nullable;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The {@code odm.json} that resumes a failed job in its kept workspace: the job's own manifest
 * with {@code "resume": true} and ODM's {@code "rerun-from"} at the stage that failed, and, when
 * the kernel killed ODM for memory, {@code resources.memory} stepped up from what the job had.
 */
public final class ResumeHint {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final BigDecimal GI = BigDecimal.valueOf(1L << 30);

  private ResumeHint() {}

  /**
   * ODM's {@code --rerun-from} for resuming a job that failed in {@code failedStage}: that stage,
   * except for a job that splits into submodels when the stage is {@code split} or before it. ODM
   * reruns a stage named by {@code --rerun-from} or after it (opendm/config.py RerunFrom keeps the
   * stages from the named one on; opendm/types.py ODM_Stage.rerun), and a rerun split stage
   * removes the submodels folder and sends every submodel again (stages/splitmerge.py lines 48,
   * 76-81 and 134: LocalRemoteExecutor's {@code rerun}). Without it ODM resumes the split stage
   * itself and skips each finished submodel: its reconstruction when the submodel's features,
   * matches, tracks.csv and reconstruction.json are there (opendm/remote.py line 453), its
   * toolchain when its toolchain_completed.txt is (lines 471 and 500; written once the task's
   * results are downloaded, lines 494-498). Null: ODM skips whatever is done.
   */
  public static @Nullable String rerunFrom(@Nullable String failedStage, boolean splits) {
    return splits && rerunsSplit(failedStage) ? null : failedStage;
  }

  /** Whether ODM's {@code --rerun-from stage} reruns the split stage (and so every submodel). */
  public static boolean rerunsSplit(@Nullable String rerunFrom) {
    return "dataset".equals(rerunFrom) || "split".equals(rerunFrom);
  }

  /** Whether an {@code odm.json} splits its job into submodels ({@code split} or {@code split-image-groups}). */
  public static boolean splits(@Nullable byte[] manifest) {
    try {
      JsonNode options = manifest == null ? null : JSON.readTree(manifest).path("options");
      return options != null && (options.has("split") || options.has("split-image-groups"));
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /** Whether Argo's failure message says the kernel killed the step for memory. */
  public static boolean outOfMemory(@Nullable String message) {
    return message != null && (message.contains("OOMKilled") || message.contains("exit code 137"));
  }

  /**
   * @param manifest the failed job's {@code odm.json} bytes (null or unreadable: an empty one)
   * @param failedStage ODM's {@code rerun-from} for it ({@link #rerunFrom}), or null (ODM then skips what is done)
   * @param memory the memory to ask for ({@code 32Gi}) when the job ran out of memory; else null
   */
  public static String manifest(@Nullable byte[] manifest, @Nullable String failedStage, @Nullable String memory) {
    ObjectNode root;
    try {
      JsonNode read = manifest == null ? null : JSON.readTree(manifest);
      root = read instanceof ObjectNode object ? object : JSON.createObjectNode();
    } catch (java.io.IOException e) {
      root = JSON.createObjectNode();
    }
    root.remove("cancel");
    root.remove("rerun-from");
    root.put("resume", true);
    if (failedStage != null) {
      root.put("rerun-from", failedStage);
    }
    if (memory != null) {
      ObjectNode resources = root.get("resources") instanceof ObjectNode r ? r : root.putObject("resources");
      resources.put("memory", memory);
    }
    return root.toString();
  }

  /** {@code memory} times {@code factor}, rounded up to whole GiB ({@code 4Gi} × 2 = {@code 8Gi}). */
  public static String steppedUp(String memory, double factor) {
    BigDecimal bytes = Quantity.getAmountInBytes(new Quantity(memory));
    BigDecimal gib = bytes.multiply(BigDecimal.valueOf(factor)).divide(GI, 0, RoundingMode.CEILING);
    return gib.max(BigDecimal.ONE).toPlainString() + "Gi";
  }
}
