package org.odmwatcher.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * The image Jib's {@code buildTar} writes (watcher/target/jib-image.tar): the docker-load layout
 * of {@code manifest.json} (tags and layer order), {@code config.json} (entrypoint, user, working
 * directory...) and one gzipped tar per layer. Files are merged across layers in order, as a
 * container runtime would see them (Jib writes no whiteouts).
 */
record ImageTar(
    Path tar, List<String> repoTags, JsonNode config, List<Layer> layers, Map<String, FileEntry> files) {

  /** One layer: its blob name, compressed size and how many entries it holds. */
  record Layer(String blob, long compressedBytes, int entries) {}

  /** One path in the image's filesystem; the content is kept for small regular files only. */
  record FileEntry(String path, boolean directory, int mode, long size, String ownerId, byte[] content) {
    String text() {
      return new String(content, StandardCharsets.UTF_8);
    }

    boolean readableByOthers() {
      return (mode & 0004) != 0 && (!directory || (mode & 0001) != 0);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long KEEP_CONTENT_BELOW = 64 * 1024;

  /** The tar the watcher module's `package` phase builds (path given by the pom). */
  static Path defaultPath() {
    String configured = System.getProperty("image.tar");
    Path path =
        configured != null && !configured.isBlank()
            ? Path.of(configured)
            : Manifests.root().resolve("../watcher/target/jib-image.tar").normalize();
    if (!Files.isRegularFile(path)) {
      throw new AssertionError(
          path + " is missing: the watcher module's package phase builds it (mvn -B verify, or"
              + " mvn -pl watcher -am -DskipTests package before running this module alone)");
    }
    return path;
  }

  static ImageTar read(Path tar) {
    Map<String, byte[]> top = new LinkedHashMap<>();
    Map<String, Map<String, FileEntry>> layerFiles = new LinkedHashMap<>();
    Map<String, Long> layerSizes = new LinkedHashMap<>();
    try (TarArchiveInputStream outer = new TarArchiveInputStream(Files.newInputStream(tar))) {
      TarArchiveEntry entry;
      while ((entry = outer.getNextEntry()) != null) {
        if (entry.getName().endsWith(".tar.gz")) {
          layerSizes.put(entry.getName(), entry.getSize());
          layerFiles.put(entry.getName(), readLayer(outer));
        } else if (entry.isFile()) {
          top.put(entry.getName(), outer.readAllBytes());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + tar, e);
    }
    try {
      JsonNode manifest = JSON.readTree(require(top, "manifest.json", tar));
      if (!manifest.isArray() || manifest.size() != 1) {
        throw new AssertionError(tar + ": manifest.json should describe exactly one image: " + manifest);
      }
      JsonNode image = manifest.get(0);
      JsonNode config = JSON.readTree(require(top, image.path("Config").asText(), tar));
      List<String> tags = new ArrayList<>();
      image.path("RepoTags").forEach(t -> tags.add(t.asText()));
      List<Layer> layers = new ArrayList<>();
      Map<String, FileEntry> files = new LinkedHashMap<>();
      for (JsonNode blob : image.path("Layers")) {
        Map<String, FileEntry> content = layerFiles.get(blob.asText());
        if (content == null) {
          throw new AssertionError(tar + ": layer " + blob.asText() + " is listed but not in the tar");
        }
        layers.add(new Layer(blob.asText(), layerSizes.get(blob.asText()), content.size()));
        files.putAll(content);
      }
      return new ImageTar(tar, List.copyOf(tags), config, List.copyOf(layers), Map.copyOf(files));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot parse the JSON of " + tar, e);
    }
  }

  private static byte[] require(Map<String, byte[]> top, String name, Path tar) {
    byte[] bytes = top.get(name);
    if (bytes == null) {
      throw new AssertionError(tar + " has no " + name + " (entries: " + top.keySet() + ")");
    }
    return bytes;
  }

  /** Reads the layer at the outer stream's current entry, leaving the outer stream open. */
  private static Map<String, FileEntry> readLayer(InputStream outer) throws IOException {
    Map<String, FileEntry> files = new LinkedHashMap<>();
    TarArchiveInputStream layer = new TarArchiveInputStream(new GzipCompressorInputStream(nonClosing(outer)));
    TarArchiveEntry entry;
    while ((entry = layer.getNextEntry()) != null) {
      String path = absolute(entry.getName());
      byte[] content =
          entry.isFile() && entry.getSize() < KEEP_CONTENT_BELOW ? layer.readAllBytes() : new byte[0];
      files.put(
          path,
          new FileEntry(path, entry.isDirectory(), entry.getMode(), entry.getSize(),
              entry.getLongUserId() + ":" + entry.getLongGroupId(), content));
    }
    return files;
  }

  /** A tar entry's mode bits (rwxrwxrwx) as file permissions. */
  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] bits = {
      PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
      PosixFilePermission.OWNER_READ};
    for (int i = 0; i < bits.length; i++) {
      if ((mode & (1 << i)) != 0) {
        set.add(bits[i]);
      }
    }
    set.add(PosixFilePermission.OWNER_WRITE); // so that the test's temporary directory can be deleted
    return set;
  }

  /**
   * Writes the regular files and directories of every layer under {@code directory} (an absolute
   * path in the image), in layer order, below {@code root} (for running what the image runs).
   */
  void extractTo(Path root, String directory) {
    String prefix = directory.substring(1) + "/";
    try (TarArchiveInputStream outer = new TarArchiveInputStream(Files.newInputStream(tar))) {
      TarArchiveEntry entry;
      Map<String, Path> staged = new LinkedHashMap<>();
      while ((entry = outer.getNextEntry()) != null) {
        if (entry.getName().endsWith(".tar.gz")) {
          Path blob = Files.createTempFile(root.getParent(), "layer", ".tar.gz");
          Files.copy(outer, blob, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
          staged.put(entry.getName(), blob);
        }
      }
      for (Layer layer : layers) {
        try (TarArchiveInputStream in =
            new TarArchiveInputStream(new GzipCompressorInputStream(Files.newInputStream(staged.get(layer.blob()))))) {
          TarArchiveEntry e;
          while ((e = in.getNextEntry()) != null) {
            if (!(e.getName() + "/").startsWith(prefix) || !(e.isDirectory() || e.isFile())) {
              continue;
            }
            Path target = root.resolve(e.getName()).normalize();
            if (!target.startsWith(root)) {
              throw new AssertionError("layer entry escapes the root: " + e.getName());
            }
            if (e.isDirectory()) {
              Files.createDirectories(target);
            } else {
              Files.createDirectories(target.getParent());
              Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
              // as a container runtime unpacks it: the mode (the runtime's executables) and the
              // time (a class-data archive checks its jars' times)
              Files.setPosixFilePermissions(target, permissions(e.getMode()));
              Files.setLastModifiedTime(target, FileTime.from(e.getModTime().toInstant()));
            }
          }
        }
      }
      for (Path blob : staged.values()) {
        Files.delete(blob);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot extract " + tar, e);
    }
  }

  Optional<FileEntry> file(String path) {
    return Optional.ofNullable(files.get(path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path));
  }

  private static String absolute(String name) {
    String path = name.startsWith("/") ? name : "/" + name;
    return path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
  }

  private static InputStream nonClosing(InputStream in) {
    return new java.io.FilterInputStream(in) {
      @Override
      public void close() {
        // the outer tar goes on after this layer
      }
    };
  }
}
