package org.odmwatcher.manifest;

import java.util.ArrayList;
import java.util.List;

/**
 * Which folders may hold a job. A folder whose path has empty, {@code .} or {@code ..} segments, or
 * control characters, would escape its place once it becomes a directory in the workflow's
 * workspace: such a folder is invalid.
 */
public final class FolderRules {
  /** S3's limit on a key, in UTF-8 bytes (AWS S3 User Guide, "Naming Amazon S3 objects"). */
  public static final int MAX_KEY_BYTES = 1024;

  private FolderRules() {}

  /**
   * Why the watcher must not act on an object key at all, or empty when it may. A key with an
   * empty, {@code .} or {@code ..} segment (or a leading slash) names another object once a store
   * normalises it, and stores and HTTP layers differ there (S3 keeps {@code a/./b} as a key of its
   * own; S3Proxy, in the fault suite, resolved it to {@code a/b}), so even {@code status.json} beside it could land
   * on another folder's. A key over {@link #MAX_KEY_BYTES} cannot be read or written. Nothing is
   * read or written for such a key, not even a verdict.
   */
  public static java.util.Optional<String> refusal(String key) {
    if (key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
      return java.util.Optional.of("key longer than " + MAX_KEY_BYTES + " bytes");
    }
    int slash = key.lastIndexOf('/');
    if (slash >= 0 && hasBadSegment(key.substring(0, slash))) {
      return java.util.Optional.of("key has an empty, '.' or '..' path segment; a store may resolve it to another folder");
    }
    return java.util.Optional.empty();
  }

  private static boolean hasBadSegment(String path) {
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        return true;
      }
    }
    return false;
  }

  public static List<String> check(String folder) {
    List<String> errors = new ArrayList<>();
    if (folder.isEmpty()) {
      return errors;
    }
    if (hasBadSegment(folder.substring(0, folder.length() - 1))) {
      errors.add("folder '" + folder + "' has an empty, '.' or '..' path segment; it would escape its folder");
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
