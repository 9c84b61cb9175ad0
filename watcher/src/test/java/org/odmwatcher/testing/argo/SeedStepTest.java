package org.odmwatcher.testing.argo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code seed} step's own program (read from the WorkflowTemplate, run with {@code python3 -c}
 * and its argv as Argo renders it): a seed.zip is unpacked into the project only when every entry
 * stays inside it, and the result paths become the upload's rclone rules.
 */
class SeedStepTest {
  private static final String JOB = "0123456789abcdef0123456789abcdef";

  @TempDir Path data;

  private record Run(int exitCode, String output) {}

  @SuppressWarnings("unchecked")
  private Run run(String resultPaths) throws IOException, InterruptedException {
    return run(resultPaths, Map.of());
  }

  @SuppressWarnings("unchecked")
  private Run run(String resultPaths, Map<String, String> env) throws IOException, InterruptedException {
    return run(resultPaths, env, List.of());
  }

  @SuppressWarnings("unchecked")
  private Run run(String resultPaths, Map<String, String> env, List<String> runAs) throws IOException, InterruptedException {
    Map<String, Object> container = (Map<String, Object>) WorkflowTemplateFile.load().template("seed").get("container");
    List<Object> command = (List<Object>) container.get("command");
    assertThat(command.subList(0, 2)).containsExactly("python3", "-c");
    List<String> argv = new ArrayList<>(runAs);
    argv.addAll(List.of("python3", "-c", String.valueOf(command.get(2)), JOB, resultPaths));
    ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true);
    builder.environment().put("ODM_DATA_ROOT", data.toString());
    for (Object variable : (List<Object>) container.getOrDefault("env", List.of())) {
      Map<String, Object> e = (Map<String, Object>) variable;
      builder.environment().put(String.valueOf(e.get("name")), String.valueOf(e.get("value")));
    }
    builder.environment().putAll(env);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Run(process.waitFor(), output);
  }

  private Path project() throws IOException {
    return Files.createDirectories(data.resolve(JOB));
  }

  private void seed(Map<String, String> entries, Map<String, Integer> unixModes) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      for (Map.Entry<String, String> e : entries.entrySet()) {
        zip.putNextEntry(new ZipEntry(e.getKey()));
        zip.write(e.getValue().getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
      }
    }
    byte[] zip = bytes.toByteArray();
    unixModes.forEach((name, mode) -> setUnixMode(zip, name, mode));
    Files.write(project().resolve("seed.zip"), zip);
  }

  /**
   * Sets an entry's "external file attributes" high half (the Unix mode, which Info-ZIP writes
   * and Python's zipfile reads as {@code external_attr >> 16}) and "version made by" Unix in the
   * central directory (PKWARE APPNOTE 4.3.12), as {@code zip --symlinks} writes a symlink entry.
   */
  private static void setUnixMode(byte[] zip, String name, int mode) {
    byte[] wanted = name.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i + 46 < zip.length; i++) {
      if (zip[i] == 0x50 && zip[i + 1] == 0x4b && zip[i + 2] == 0x01 && zip[i + 3] == 0x02) {
        int nameLength = (zip[i + 28] & 0xff) | (zip[i + 29] & 0xff) << 8;
        if (nameLength == wanted.length && java.util.Arrays.equals(zip, i + 46, i + 46 + nameLength, wanted, 0, wanted.length)) {
          zip[i + 5] = 3; // made by: Unix
          int attributes = mode << 16;
          zip[i + 38] = (byte) attributes;
          zip[i + 39] = (byte) (attributes >> 8);
          zip[i + 40] = (byte) (attributes >> 16);
          zip[i + 41] = (byte) (attributes >> 24);
          return;
        }
      }
    }
    throw new IllegalArgumentException("no central directory entry " + name);
  }

  @Test
  void aSeedOfRelativeEntriesIsUnpackedIntoTheProjectAndRemoved() throws Exception {
    seed(Map.of("opensfm/camera_models.json", "{}", "opensfm/features/empty", "", "opensfm/exif/a.jpg.exif", "{}"), Map.of());
    Run run = run("[\"opensfm/matches\",\"cameras.json\"]");
    assertThat(run.exitCode()).as(run.output()).isZero();
    assertThat(project().resolve("opensfm/camera_models.json")).hasContent("{}");
    assertThat(project().resolve("opensfm/features/empty")).exists();
    assertThat(project().resolve("seed.zip")).doesNotExist();
    assertThat(data.resolve(".odm-watcher/result-paths-filter.txt"))
        .hasContent("+ /opensfm/matches\n+ /opensfm/matches/**\n+ /cameras.json\n+ /cameras.json/**");
    // The rules as the upload's rclone reads them, before process's own filter.
    RcloneFilter filter = new RcloneFilter();
    for (String line : Files.readAllLines(data.resolve(".odm-watcher/result-paths-filter.txt"))) {
      filter.addFilterLine(line, false);
    }
    filter.addFilterLine("- **", false);
    assertThat(filter.includes("opensfm/matches/a.jpg_matches.pkl.gz")).isTrue();
    assertThat(filter.includes("cameras.json")).isTrue();
    assertThat(filter.includes("opensfm/reconstruction.json")).isFalse();
    assertThat(filter.includes("opensfm/matches-other/x")).isFalse();
  }

  @Test
  void withoutASeedOnlyTheRulesAreWritten() throws Exception {
    project();
    Run run = run("[]");
    assertThat(run.exitCode()).as(run.output()).isZero();
    assertThat(run.output()).contains("no seed.zip");
    assertThat(data.resolve(".odm-watcher/result-paths-filter.txt")).isEmptyFile();
  }

  @Test
  void entriesThatLeaveTheProjectFailTheStepAndNothingIsUnpacked() throws Exception {
    for (String evil : List.of("../outside.txt", "opensfm/../../outside.txt", "/etc/odm-evil", "C:/evil", "opensfm\\..\\..\\evil")) {
      seed(Map.of("opensfm/ok.json", "{}", evil, "x"), Map.of());
      Run run = run("[]");
      assertThat(run.exitCode()).as(evil + ": " + run.output()).isNotZero();
      assertThat(run.output()).as(evil).contains("seed.zip entry refused");
      assertThat(project().resolve("opensfm/ok.json")).as(evil).doesNotExist();
      assertThat(data.resolve("outside.txt")).doesNotExist();
    }
  }

  @Test
  void aSymlinkEntryIsRefused() throws Exception {
    seed(Map.of("opensfm/link", "/etc/passwd"), Map.of("opensfm/link", 0120777));
    Run run = run("[]");
    assertThat(run.exitCode()).as(run.output()).isNotZero();
    assertThat(run.output()).contains("a symlink");
    assertThat(project().resolve("opensfm/link")).doesNotExist();
  }

  @Test
  void anEntryThroughASymlinkAlreadyInTheProjectIsRefused() throws Exception {
    Path outside = Files.createDirectories(data.resolve("elsewhere"));
    Files.createSymbolicLink(project().resolve("opensfm"), outside);
    seed(Map.of("opensfm/camera_models.json", "{}"), Map.of());
    Run run = run("[]");
    assertThat(run.exitCode()).as(run.output()).isNotZero();
    assertThat(run.output()).contains("resolves outside the project");
    assertThat(outside.resolve("camera_models.json")).doesNotExist();
  }

  @Test
  void resultPathsThatWouldWidenTheUploadAreRefused() throws Exception {
    project();
    for (String path : List.of("../x", "/abs", "a/*", "odm_{dem}", "a\\\\b")) {
      Run run = run("[\"" + path + "\"]");
      assertThat(run.exitCode()).as(path).isNotZero();
      assertThat(run.output()).as(path).contains("result path refused");
    }
  }

  /** A seed.zip of entries named in order (duplicates allowed), each {@code size} bytes of zeros. */
  private void seedOfZeros(List<String> names, int size) throws IOException {
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(project().resolve("seed.zip")))) {
      byte[] zeros = new byte[size];
      for (String name : names) {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(zeros);
        zip.closeEntry();
      }
    } catch (java.util.zip.ZipException duplicate) {
      throw new IllegalStateException(duplicate); // ZipOutputStream refuses duplicates: see seedWithDuplicate
    }
  }

  @Test
  void aSeedBeyondTheSizeEntryOrRatioCapsFailsTheStepAndNothingIsUnpacked() throws Exception {
    // 1000:1 (review: 204 KB became 200 MiB); the default caps refuse it by ratio
    seedOfZeros(List.of("opensfm/a.bin", "opensfm/b.bin"), 8 << 20);
    Run ratio = run("[]");
    assertThat(ratio.exitCode()).as(ratio.output()).isNotZero();
    assertThat(ratio.output()).contains("seed.zip refused").contains("ratio");
    assertThat(project().resolve("opensfm/a.bin")).doesNotExist();

    // the total and the entry count, with caps set small (the container's environment)
    seedOfZeros(List.of("opensfm/a.bin", "opensfm/b.bin"), 600);
    Run total = run("[]", Map.of("SEED_MAX_BYTES", "1000"));
    assertThat(total.exitCode()).as(total.output()).isNotZero();
    assertThat(total.output()).contains("seed.zip refused").contains("1000 bytes");
    Run count = run("[]", Map.of("SEED_MAX_ENTRIES", "1"));
    assertThat(count.exitCode()).as(count.output()).isNotZero();
    assertThat(count.output()).contains("seed.zip refused").contains("entries");
    assertThat(project().resolve("opensfm/a.bin")).doesNotExist();
  }

  @Test
  void entriesNamedWithControlCharactersUnderImagesOrTwiceAreRefused() throws Exception {
    for (String evil : List.of("opensfm/a\nb.json", "opensfm/\u001b[2Jx.json", "images/DJI_0001.JPG", "./images/x.jpg", "Images/x.jpg")) {
      seed(Map.of("opensfm/ok.json", "{}", evil, "x"), Map.of());
      Run run = run("[]");
      assertThat(run.exitCode()).as(evil + ": " + run.output()).isNotZero();
      assertThat(run.output()).as(evil).contains("seed.zip entry refused");
      assertThat(project().resolve("opensfm/ok.json")).as(evil).doesNotExist();
      assertThat(project().resolve("images")).as(evil).doesNotExist();
    }
    seed(new java.util.LinkedHashMap<>(Map.of("opensfm/ok.json", "{}", "opensfm/twice.json", "first", "opensfm/./twice.json", "second")), Map.of());
    Run twice = run("[]");
    assertThat(twice.exitCode()).as(twice.output()).isNotZero();
    assertThat(twice.output()).contains("seed.zip entry refused").contains("twice");
    assertThat(project().resolve("opensfm/ok.json")).doesNotExist();
  }

  @Test
  void theStepRunsAsTheNonRootUserOfItsTemplate() throws Exception {
    @SuppressWarnings("unchecked")
    Map<String, Object> securityContext = (Map<String, Object>) ((Map<String, Object>) WorkflowTemplateFile.load()
        .template("seed").get("container")).get("securityContext");
    assertThat(securityContext.get("runAsNonRoot")).isEqualTo(true);
    int uid = ((Number) securityContext.get("runAsUser")).intValue();
    assertThat(uid).isNotZero();

    // Run it as that user, as the kubelet would, on a workspace laid out as the download step leaves
    // it: /data group-owned by fsGroup and group-writable, the project folder the download's (same user).
    seed(Map.of("opensfm/camera_models.json", "{}"), Map.of());
    List<String> runAs = List.of();
    if (new com.sun.security.auth.module.UnixSystem().getUid() == 0) {
      for (Path p : List.of(data, project(), project().resolve("seed.zip"))) {
        Files.setAttribute(p, "unix:uid", uid);
        Files.setAttribute(p, "unix:gid", uid);
      }
      Files.setPosixFilePermissions(data, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwx---"));
      runAs = List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "--");
    }
    // the system's python3: a per-user one (pyenv under /root) is out of that user's reach, as in a pod
    Run run = run("[]", runAs.isEmpty() ? Map.of() : Map.of("PATH", "/usr/local/bin:/usr/bin:/bin"), runAs);
    assertThat(run.exitCode()).as(run.output()).isZero();
    long owner = ((Number) Files.getAttribute(project().resolve("opensfm/camera_models.json"), "unix:uid")).longValue();
    assertThat(owner).isEqualTo(runAs.isEmpty() ? new com.sun.security.auth.module.UnixSystem().getUid() : uid);
  }
}
