package org.odmwatcher.testing.argo;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * rclone's filter rules for the forms our template uses ({@code --include GLOB}, {@code
 * --filter-from FILE} with {@code + GLOB} / {@code - GLOB} lines, {@code --ignore-case}): the first
 * rule that matches decides; no match means included, except that an {@code --include} adds an
 * implicit {@code - **} after it (rclone docs/content/filtering.md; fs/filter/filter.go
 * NewFilter/Add/Include). Globs become regular expressions as rclone's fs/filter/glob.go
 * globToRegexp does in path mode: a leading {@code /} anchors at the root of the transfer, else
 * {@code (^|/)}; {@code *} is {@code [^/]*}, {@code **} is {@code .*}, {@code ?} is {@code [^/]},
 * {@code {a,b}} alternatives; {@code .+()|^$} are literal. Character classes and {@code {{regexp}}}
 * are not used by the template and are refused rather than guessed.
 */
public final class RcloneFilter {
  private record Rule(boolean include, Pattern pattern) {}

  private final List<Rule> rules = new ArrayList<>();

  /** Adds a {@code + glob} or {@code - glob} line of a filter file; blank and {@code #} lines are skipped. */
  public RcloneFilter addFilterLine(String line, boolean ignoreCase) {
    String trimmed = line.strip();
    if (trimmed.isEmpty() || trimmed.startsWith("#") || trimmed.startsWith(";")) {
      return this;
    }
    if (!(trimmed.startsWith("+ ") || trimmed.startsWith("- "))) {
      throw new IllegalArgumentException("malformed rule " + line + " (rclone: filter line must start with '+ ' or '- ')");
    }
    rules.add(new Rule(trimmed.charAt(0) == '+', globToRegexp(trimmed.substring(2), ignoreCase)));
    return this;
  }

  /** {@code --include glob}: the glob, then (as rclone adds after the last include) {@code - **}. */
  public static RcloneFilter include(List<String> globs, boolean ignoreCase) {
    RcloneFilter filter = new RcloneFilter();
    for (String glob : globs) {
      filter.rules.add(new Rule(true, globToRegexp(glob, ignoreCase)));
    }
    if (!globs.isEmpty()) {
      filter.rules.add(new Rule(false, globToRegexp("**", ignoreCase)));
    }
    return filter;
  }

  /** Whether the file at {@code path} (relative to the transfer's root, no leading slash) is transferred. */
  public boolean includes(String path) {
    for (Rule rule : rules) {
      if (rule.pattern().matcher(path).find()) {
        return rule.include();
      }
    }
    return true;
  }

  static Pattern globToRegexp(String glob, boolean ignoreCase) {
    StringBuilder re = new StringBuilder();
    if (glob.startsWith("/")) {
      glob = glob.substring(1);
      re.append('^');
    } else {
      re.append("(^|/)");
    }
    int stars = 0;
    int braces = 0;
    for (int i = 0; i <= glob.length(); i++) {
      char c = i < glob.length() ? glob.charAt(i) : '\0';
      if (c != '*' && stars > 0) {
        if (stars > 2) {
          throw new IllegalArgumentException("too many stars in " + glob);
        }
        re.append(stars == 1 ? "[^/]*" : ".*");
        stars = 0;
      }
      if (i == glob.length()) {
        break;
      }
      switch (c) {
        case '*' -> stars++;
        case '?' -> re.append("[^/]");
        case '{' -> {
          braces++;
          re.append('(');
        }
        case '}' -> {
          braces--;
          re.append(')');
        }
        case ',' -> re.append(braces > 0 ? "|" : ",");
        case '.', '+', '(', ')', '|', '^', '$' -> re.append('\\').append(c);
        case '[', ']', '\\' -> throw new IllegalArgumentException("glob feature not emulated: " + glob);
        default -> re.append(c);
      }
    }
    if (braces != 0) {
      throw new IllegalArgumentException("mismatched '{' and '}' in glob " + glob);
    }
    re.append('$');
    return Pattern.compile(re.toString(), ignoreCase ? Pattern.CASE_INSENSITIVE : 0);
  }
}
