package org.odmwatcher.testing.argo;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What ODM's console says about its stages (the stand-in's lines are ODM's: run.py cites them). */
public final class OdmStageLog {
  private static final Pattern RUNNING = Pattern.compile("\\[INFO\\] +Running ([a-z_]+) stage$");

  private OdmStageLog() {}

  /**
   * The stages ODM worked in: each stage announces itself (opendm/types.py ODM_Stage.run), and one
   * whose products were already there says so on the next line (the stages' "Found a valid …" /
   * "Found existing …" warnings; the dataset stage loads its images database instead).
   */
  public static List<String> worked(String log) {
    List<String> lines = log.lines().toList();
    List<String> worked = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      Matcher m = RUNNING.matcher(lines.get(i));
      if (m.find()) {
        String next = i + 1 < lines.size() ? lines.get(i + 1) : "";
        if (!next.contains("[WARNING] Found ") && !next.contains("Loading images database: ")) {
          worked.add(m.group(1));
        }
      }
    }
    return worked;
  }
}
