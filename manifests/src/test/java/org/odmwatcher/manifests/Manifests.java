package org.odmwatcher.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The manifests under test: the kustomize sources in {@code manifests/base} and
 * {@code manifests/overlays/*}, and what {@code kubectl kustomize} renders from each overlay
 * (rendered once per JVM).
 */
final class Manifests {
  static final List<String> OVERLAYS = List.of("aws", "minio");

  static final ObjectMapper YAML = new YAMLMapper();

  private static final Map<String, List<ManifestDocument>> RENDERED = new ConcurrentHashMap<>();

  private Manifests() {}

  /** The module directory (the one holding {@code base/kustomization.yaml}). */
  static Path root() {
    Path cwd = Path.of("").toAbsolutePath();
    for (Path candidate : List.of(cwd, cwd.resolve("manifests"))) {
      if (Files.isRegularFile(candidate.resolve("base/kustomization.yaml"))) {
        return candidate;
      }
    }
    throw new IllegalStateException("no manifests/base/kustomization.yaml above " + cwd);
  }

  static Path overlay(String name) {
    return root().resolve("overlays").resolve(name);
  }

  /** Every YAML file of base/ and overlays/ (kustomization files included). */
  static List<Path> sourceFiles() {
    try (Stream<Path> files =
        Stream.concat(Files.walk(root().resolve("base")), Files.walk(root().resolve("overlays")))) {
      return files
          .filter(Files::isRegularFile)
          .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every resource document of the sources (patches included, kustomization files excluded). */
  static List<ManifestDocument> sourceDocuments() {
    List<ManifestDocument> docs = new ArrayList<>();
    for (Path file : sourceFiles()) {
      try {
        docs.addAll(parse(Files.readString(file), root().relativize(file).toString()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return docs.stream().filter(d -> !d.kind().equals("Kustomization")).toList();
  }

  /**
   * Files that kustomizations name under {@code patches:}: partial documents, merged into the
   * rendered output. Policies about complete objects judge the rendered result instead of them.
   */
  static java.util.Set<Path> patchFiles() {
    java.util.Set<Path> patches = new java.util.HashSet<>();
    for (Path file : sourceFiles()) {
      if (!file.getFileName().toString().startsWith("kustomization.")) {
        continue;
      }
      try {
        JsonNode kustomization = YAML.readTree(file.toFile());
        for (JsonNode patch : kustomization.path("patches")) {
          if (patch.hasNonNull("path")) {
            patches.add(file.getParent().resolve(patch.get("path").asText()).normalize());
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return patches;
  }

  /** Complete objects: the sources that are not patches, and every rendered overlay. */
  static List<ManifestDocument> completeDocuments() {
    java.util.Set<String> patches =
        patchFiles().stream().map(p -> root().relativize(p).toString() + "#").collect(java.util.stream.Collectors.toSet());
    Stream<ManifestDocument> sources =
        sourceDocuments().stream().filter(d -> patches.stream().noneMatch(p -> d.origin().startsWith(p)));
    return Stream.concat(sources, renderedAll().stream()).toList();
  }

  /** What {@code kubectl kustomize overlays/<name>} renders. */
  static List<ManifestDocument> rendered(String overlay) {
    return RENDERED.computeIfAbsent(
        overlay, o -> parse(Kustomize.render(overlay(o)).stdout(), "rendered overlays/" + o));
  }

  static List<ManifestDocument> renderedAll() {
    return OVERLAYS.stream().flatMap(o -> rendered(o).stream()).toList();
  }

  /** Sources and every rendered overlay. */
  static List<ManifestDocument> everything() {
    return Stream.concat(sourceDocuments().stream(), renderedAll().stream()).toList();
  }

  static List<ManifestDocument> parse(String yaml, String origin) {
    List<ManifestDocument> docs = new ArrayList<>();
    try (var parser = new YAMLFactory().createParser(yaml)) {
      var values = YAML.readValues(parser, JsonNode.class);
      int index = 0;
      while (values.hasNextValue()) {
        JsonNode node = values.nextValue();
        if (node != null && node.isObject()) {
          docs.add(new ManifestDocument(origin + "#" + index, node));
        }
        index++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot parse " + origin, e);
    }
    return docs;
  }

  static ManifestDocument find(List<ManifestDocument> docs, String kind, String name) {
    return docs.stream()
        .filter(d -> d.kind().equals(kind) && d.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + "/" + name + " in " + docs));
  }

  static ManifestDocument odmProcessTemplate() {
    return find(sourceDocuments(), "WorkflowTemplate", "odm-process");
  }
}
