package org.odmwatcher.manifest;

import java.util.ArrayList;
import java.util.List;

/**
 * Which folders may hold a job. A folder whose path has empty, {@code .} or {@code ..} segments, or
 * control characters, would escape its place once it becomes a directory in the workflow's
 * workspace: such a folder is invalid.
 */
public final class FolderRules {
  private FolderRules() {}

  public static List<String> check(String folder) {
    List<String> errors = new ArrayList<>();
    if (folder.isEmpty()) {
      return errors;
    }
    String trimmed = folder.substring(0, folder.length() - 1);
    for (String segment : trimmed.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        errors.add("folder '" + folder + "' has an empty, '.' or '..' path segment; it would escape its folder");
        break;
      }
    }
    if (folder.chars().anyMatch(Character::isISOControl)) {
      errors.add("folder name contains control characters");
    }
    if (folder.contains("{{") || folder.contains("}}")) {
      errors.add("folder name contains '{{' or '}}', which Argo would read as a template tag; rename the folder");
    }
    if (folder.length() > 900) {
      errors.add("folder path is longer than 900 characters");
    }
    return errors;
  }
}
