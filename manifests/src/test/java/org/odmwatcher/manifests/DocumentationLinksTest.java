package org.odmwatcher.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The documentation as a reader follows it: README.md is the entry point and links every page of
 * {@code docs/}; every relative link of every Markdown file leads to a file, and every {@code #anchor}
 * to a heading of that file (GitHub's slugs: lower case, punctuation dropped, spaces to hyphens,
 * {@code -1}, {@code -2} for repeats).
 */
class DocumentationLinksTest {
  private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

  @Test
  void everyRelativeLinkAndAnchorResolves() {
    List<String> broken = new ArrayList<>();
    for (Path md : markdownFiles()) {
      for (String target : links(md)) {
        if (target.matches("[a-z]+:.*")) {
          continue; // http(s), mailto: not ours to check offline
        }
        String path = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
        String anchor = target.contains("#") ? target.substring(target.indexOf('#') + 1) : "";
        Path file = path.isEmpty() ? md : md.getParent().resolve(path).normalize();
        if (!Files.exists(file)) {
          broken.add(repo().relativize(md) + ": " + target + " (no such file)");
        } else if (!anchor.isEmpty() && file.toString().endsWith(".md") && !anchors(file).contains(anchor)) {
          broken.add(repo().relativize(md) + ": " + target + " (no such heading in " + repo().relativize(file) + ")");
        }
      }
    }
    assertThat(broken).as("broken links").isEmpty();
  }

  @Test
  void theReadmeKeepsTheTwoCommandsAndLinksEveryDocsPage() throws IOException {
    Path readme = repo().resolve("README.md");
    String text = Files.readString(readme);
    assertThat(text)
        .contains("mvn -B -q package -DskipTests && java -jar watcher/target/odm-watcher.jar local --engine test --run samples/quick-orthophoto")
        .contains("\nmvn -B verify\n");
    Set<Path> linked = new HashSet<>();
    for (String target : links(readme)) {
      linked.add(repo().resolve(target.replaceAll("#.*", "")).normalize());
    }
    try (Stream<Path> pages = Files.list(repo().resolve("docs"))) {
      assertThat(pages.filter(p -> p.toString().endsWith(".md")).toList())
          .isNotEmpty()
          .allSatisfy(page -> assertThat(linked).as("README links " + repo().relativize(page)).contains(page));
    }
  }

  static Path repo() {
    return Manifests.root().getParent();
  }

  private static List<Path> markdownFiles() {
    try (Stream<Path> files = Files.walk(repo())) {
      return files
          .filter(p -> p.toString().endsWith(".md"))
          .filter(p -> {
            String rel = repo().relativize(p).toString();
            return !rel.startsWith(".") && !rel.contains("/target/") && !rel.startsWith("target/")
                && !rel.contains("node_modules");
          })
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Link targets outside code blocks and code spans. */
  private static List<String> links(Path md) {
    List<String> out = new ArrayList<>();
    boolean fence = false;
    for (String line : lines(md)) {
      if (line.stripLeading().startsWith("```")) {
        fence = !fence;
        continue;
      }
      if (fence) {
        continue;
      }
      Matcher m = LINK.matcher(line.replaceAll("`[^`]*`", "``"));
      while (m.find()) {
        out.add(m.group(1));
      }
    }
    return out;
  }

  private static Set<String> anchors(Path md) {
    Set<String> out = new HashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    boolean fence = false;
    for (String line : lines(md)) {
      if (line.stripLeading().startsWith("```")) {
        fence = !fence;
      } else if (!fence && line.startsWith("#")) {
        String slug = line.replaceFirst("^#+\\s*", "").strip().toLowerCase(Locale.ROOT)
            .replaceAll("[^\\p{L}\\p{N}_\\- ]", "").replace(' ', '-');
        int n = seen.merge(slug, 1, Integer::sum);
        out.add(n == 1 ? slug : slug + "-" + (n - 1));
      }
    }
    return out;
  }

  private static List<String> lines(Path md) {
    try {
      return Files.readAllLines(md);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
