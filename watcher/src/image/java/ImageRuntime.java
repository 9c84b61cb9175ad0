import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.spi.ToolProvider;

/**
 * Makes the image's Java runtime and its class-data archive at build time, with no container
 * engine: run by {@code mvn package} (exec-maven-plugin, in the package phase between the jar and
 * Jib's image) as a single-file program on the image's JDK ({@code image.jdk}: a JDK 25 where the
 * build machine has one, else the build's own; {@code <image.jdk>/bin/java ImageRuntime.java}). The
 * application stays compiled for release 17 either way.
 *
 * <ol>
 *   <li>{@code jlink}: a runtime of the given modules from that JDK into {@code <out>/root/app/jre}
 *       (the image's {@code /app/jre}, first on its {@code PATH}); with that JDK's own class-data
 *       archive ({@code --generate-cds-archive}) when the application's archive is a dynamic one,
 *       which is laid over it. A JDK 25 without jmods (Temurin's) links from its own run-time image
 *       (JEP 493).
 *   <li>The application as Jib lays it out under {@code /app} ({@code classpath/} the jar,
 *       {@code libs/} the dependencies, in the runtime class path's order, file times Jib's
 *       1970-01-01T00:00:01Z), staged in {@code <out>/training/app}.
 *   <li>A training run: the watcher on that runtime with the image's JVM options, started with
 *       relative class path entries from the staged {@code /app}, against closed loopback ports
 *       (it starts, creates its clients and beans, starts polling, fails its first calls), stopped
 *       with SIGTERM once its start-up has completed (Micronaut's "Startup completed", which comes
 *       after the first poll). What it writes at exit depends on the archive option the image
 *       starts with:
 *       <ul>
 *         <li>{@code -XX:SharedArchiveFile=/app/odm-watcher.jsa} (JDK 17+): {@code
 *             -XX:ArchiveClassesAtExit} writes every class it loaded, a dynamic archive over the
 *             runtime's own;
 *         <li>{@code -XX:AOTCache=/app/odm-watcher.aot} (JDK 25+): {@code -XX:AOTCacheOutput}
 *             records the run and, at its exit, assembles an ahead-of-time cache in a child JVM
 *             (JEP 514's one-step workflow): the classes loaded and linked (JEP 483), the heap
 *             objects of the module graph, and method profiles (JEP 515); one static archive, the
 *             runtime's own is not needed.
 *       </ul>
 * </ol>
 *
 * <p>Why it is valid in the image: an archive maps only into the JVM build that wrote it (the
 * runtime above, shipped in the same image), and its class path is checked entry by entry against
 * the one the JVM starts with, by file identity, size and modification time (HotSpot {@code
 * FileMapInfo::check_paths}, {@code os::same_files}; JDK 25 {@code AOTClassLocation}): the relative
 * entries recorded here name, from the image's working directory {@code /app}, the same files as the
 * entrypoint's {@code /app/jib-classpath-file}. JVM options that shape the archive (compact object
 * headers, native access) are given to the training run as the image gives them. A mismatch makes the
 * JVM run without the archive (slower, not wrong); ImageTest starts the image's java from the layers
 * with {@code -Xshare:on}, which fails instead.
 *
 * <p>The modules are the pom's {@code image.runtime.modules}, found with {@code jdeps -q
 * --print-module-deps --ignore-missing-deps --multi-release 17 target/odm-watcher.jar} (the fat
 * jar: every class the image can load) plus the modules only reached through service loading.
 *
 * <p>Arguments: {@code <out> <modules> <main class> <jvm options> <archive options> <application
 * jar> <runtime class path>} (the archive options: the archive's option as the image gives it, with
 * {@code /app/} paths, and the options that must match it; the class path as exec-maven-plugin's
 * {@code <classpath/>} gives it: the project's classes directory first, replaced by the application
 * jar). {@code <out>/root} is Jib's extra directory (the image's {@code /}). jlink is skipped when
 * {@code <out>/root/app/jre} is this JDK's link of the same modules already. A training run that
 * fails leaves no archive and a warning; the image then starts without one.
 */
public class ImageRuntime {
  /** Jib's default file modification time for every file of the layers (jib filesModificationTime). */
  static final FileTime JIB_FILE_TIME = FileTime.from(Instant.ofEpochSecond(1));

  /** The image's options that name the application's archive, by kind. */
  static final String DYNAMIC_ARCHIVE_OPTION = "-XX:SharedArchiveFile=";
  static final String AOT_CACHE_OPTION = "-XX:AOTCache=";

  public static void main(String[] args) throws Exception {
    if (args.length != 7) {
      throw new IllegalArgumentException(
          "usage: ImageRuntime <out> <modules> <main class> <jvm options> <archive options> <application jar> <runtime class path>");
    }
    Path out = Path.of(args[0]).toAbsolutePath();
    String modules = args[1].replaceAll("\\s+", "");
    String mainClass = args[2];
    List<String> jvmOptions = new ArrayList<>(words(args[3]));
    Archive archiveKind = Archive.of(words(args[4]));
    jvmOptions.addAll(archiveKind.matchingOptions());
    Path appJar = Path.of(args[5]).toAbsolutePath();
    List<Path> dependencies = new ArrayList<>();
    for (String entry : args[6].split(java.io.File.pathSeparator)) {
      Path p = Path.of(entry);
      if (entry.endsWith(".jar")) {
        dependencies.add(p);
      } // else the project's classes directory: its jar is appJar
    }

    long t0 = System.nanoTime();
    Path app = Files.createDirectories(out.resolve("root").resolve("app"));
    Path jre = app.resolve("jre");
    link(jre, modules, !archiveKind.aot(), out.resolve("jlink.txt"));
    long linked = System.nanoTime();

    // the other kind's archive of an earlier build must not end up in the image too
    try (var old = Files.newDirectoryStream(app, "odm-watcher.{jsa,aot,aot.config}")) {
      for (Path file : old) {
        Files.delete(file);
      }
    }
    Path archive = app.resolve(archiveKind.file());
    Path stage = out.resolve("training").resolve("app");
    List<String> classpath = stage(stage, appJar, dependencies);
    Optional<String> failure = train(jre, stage, classpath, jvmOptions, archiveKind, mainClass, archive, out.resolve("training.log"));
    if (failure.isPresent()) {
      Files.deleteIfExists(archive);
      System.out.println("[WARNING] image runtime: no class-data archive (" + failure.get() + "); the image starts without one. See " + out.resolve("training.log"));
    } else {
      Files.setLastModifiedTime(archive, JIB_FILE_TIME);
      System.out.printf("[INFO] image runtime: Java %s, %s (%,d bytes), %s %s (%,d bytes); jlink %.1f s, training %.1f s%n",
          Runtime.version(), jre, size(jre), archiveKind.aot() ? "AOT cache" : "archive", archive, Files.size(archive),
          (linked - t0) / 1e9, (System.nanoTime() - linked) / 1e9);
    }
  }

  private static List<String> words(String text) {
    return text.isBlank() ? List.of() : List.of(text.trim().split("\\s+"));
  }

  /**
   * The application's archive the image starts with: its file name under {@code /app}, whether it is
   * an ahead-of-time cache (JDK 25+) or a dynamic class-data archive, and the other options given
   * with it, which the training run must use too.
   */
  record Archive(String file, boolean aot, List<String> matchingOptions) {
    static Archive of(List<String> options) {
      List<String> archives = options.stream()
          .filter(o -> o.startsWith(DYNAMIC_ARCHIVE_OPTION) || o.startsWith(AOT_CACHE_OPTION)).toList();
      if (archives.size() != 1 || !archives.get(0).contains("=/app/")) {
        throw new IllegalArgumentException("the archive options must name one archive under /app/ ("
            + DYNAMIC_ARCHIVE_OPTION + "/app/... or " + AOT_CACHE_OPTION + "/app/...): " + options);
      }
      String option = archives.get(0);
      boolean aot = option.startsWith(AOT_CACHE_OPTION);
      if (aot && Runtime.version().feature() < 25) {
        throw new IllegalArgumentException(option + " needs a JDK 25 or later for the image's runtime (its AOTCacheOutput, JEP 514), and "
            + System.getProperty("java.home") + " is " + Runtime.version()
            + ": build with -Pimage-jdk25 or -Dimage.jdk=/path/to/jdk-25, or with -XX:SharedArchiveFile=/app/odm-watcher.jsa"
            + " (image.archive.options) for a class-data archive on this JDK");
      }
      return new Archive(option.substring(option.indexOf("=/app/") + "=/app/".length()), aot,
          options.stream().filter(o -> !o.equals(option)).toList());
    }
  }

  /**
   * jlink of {@code modules} from this JDK into {@code jre}, with the JDK's own class-data archive
   * when {@code withCdsArchive}, unless it is there already.
   */
  static void link(Path jre, String modules, boolean withCdsArchive, Path stampFile) throws IOException {
    String stamp = Runtime.version() + " " + System.getProperty("java.vm.vendor") + " " + modules + (withCdsArchive ? " cds" : "");
    if (Files.exists(jre) && Files.exists(stampFile) && Files.readString(stampFile).equals(stamp)) {
      return;
    }
    deleteRecursively(jre);
    ToolProvider jlink = ToolProvider.findFirst("jlink")
        .orElseThrow(() -> new IllegalStateException("no jlink in " + System.getProperty("java.home") + ": build the image with a JDK (17+), not a JRE"));
    StringWriter log = new StringWriter();
    List<String> arguments = new ArrayList<>(List.of(
        "--add-modules", modules, "--strip-debug", "--no-header-files", "--no-man-pages", "--output", jre.toString()));
    if (withCdsArchive) {
      arguments.add("--generate-cds-archive");
    }
    int code = jlink.run(new PrintWriter(log), new PrintWriter(log), arguments.toArray(String[]::new));
    if (code != 0) {
      throw new IllegalStateException("jlink failed (" + code + "): " + log
          + "\n(jlink needs the JDK's jmods, or a JDK 24+ built to link from its run-time image as Temurin's is:"
          + " on Debian/Ubuntu the openjdk-17-jdk-headless package has them)");
    }
    // Only compressed oops are used under the Deployment's memory limit; the other archive is dead weight.
    Files.deleteIfExists(jre.resolve("lib/server/classes_nocoops.jsa"));
    Files.writeString(stampFile, stamp);
  }

  /**
   * The application as Jib lays it out under {@code /app}: returns the class path as relative
   * entries in the entrypoint's order ({@code /app/classpath/*}, then {@code /app/libs/...}).
   */
  static List<String> stage(Path stage, Path appJar, List<Path> dependencies) throws IOException {
    deleteRecursively(stage);
    List<String> classpath = new ArrayList<>();
    Map<String, Path> files = new LinkedHashMap<>();
    files.put("classpath/" + appJar.getFileName(), appJar);
    for (Path dependency : dependencies) {
      String name = "libs/" + dependency.getFileName();
      if (files.putIfAbsent(name, dependency) != null) {
        throw new IllegalStateException("two dependencies named " + dependency.getFileName() + ": Jib would rename one; the training run cannot know how");
      }
    }
    for (Map.Entry<String, Path> file : files.entrySet()) {
      Path target = stage.resolve(file.getKey());
      Files.createDirectories(target.getParent());
      Files.copy(file.getValue(), target, StandardCopyOption.REPLACE_EXISTING);
      Files.setLastModifiedTime(target, JIB_FILE_TIME);
      classpath.add(file.getKey());
    }
    return classpath;
  }

  /** The training run; empty when the archive was written. */
  static Optional<String> train(Path jre, Path stage, List<String> classpath, List<String> jvmOptions,
      Archive kind, String mainClass, Path archive, Path logFile) throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = socket.getLocalPort();
    }
    String nowhere = "http://127.0.0.1:" + closed;
    Path argFile = stage.resolve("training-classpath");
    Files.writeString(argFile, String.join(":", classpath));
    List<String> command = new ArrayList<>();
    command.add(jre.resolve("bin/java").toString());
    command.addAll(jvmOptions);
    if (kind.aot()) {
      // records this run, then assembles the cache in a child JVM at exit (its output comes here too)
      command.add("-XX:AOTCacheOutput=" + archive);
    } else {
      command.addAll(List.of("-XX:ArchiveClassesAtExit=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=info"));
    }
    command.addAll(List.of(
        "-cp", "@training-classpath",
        // the Deployment's memory limit, which a pod's JVM reads from its cgroup
        "-XX:MaxRAM=768m",
        "-Dmicronaut.server.port=-1",
        "-Dwatcher.sqs.enabled=true",
        "-Dwatcher.sqs.queue-url=" + nowhere + "/000000000000/training",
        "-Dwatcher.sqs.endpoint=" + nowhere,
        "-Dwatcher.s3.endpoint=" + nowhere,
        "-Dwatcher.s3.path-style=true",
        "-Dwatcher.argo.master-url=" + nowhere,
        "-Dwatcher.argo.namespace=training",
        mainClass));
    ProcessBuilder builder = new ProcessBuilder(command).directory(stage.toFile()).redirectErrorStream(true);
    builder.environment().remove("JDK_JAVA_OPTIONS");
    builder.environment().remove("JAVA_TOOL_OPTIONS");
    builder.environment().remove("JDK_AOT_VM_OPTIONS");
    builder.environment().put("AWS_ACCESS_KEY_ID", "training");
    builder.environment().put("AWS_SECRET_ACCESS_KEY", "training");
    builder.environment().put("AWS_REGION", "us-east-1");
    Process process = builder.start();
    // a run that hangs is killed, so that reading its output below ends
    Thread watchdog = new Thread(() -> {
      try {
        if (!process.waitFor(3, TimeUnit.MINUTES)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
      }
    });
    watchdog.setDaemon(true);
    watchdog.start();
    List<String> log = new ArrayList<>();
    log.add(String.join(" ", command));
    boolean polling = false;
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    try {
      String line;
      while (System.nanoTime() < deadline && (line = output.readLine()) != null) {
        log.add(line);
        if (line.contains("polling " + nowhere)) {
          polling = true;
          break;
        }
      }
      if (polling) {
        // The poller starts first of the eager beans; the pipeline (S3 and Kubernetes clients,
        // renderer, informer) and the HTTP server come after it: wait for the whole start-up, so
        // that their classes are archived too, not only those before the first poll.
        long started = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < started && (line = output.readLine()) != null) {
          log.add(line);
          if (line.contains("Startup completed in")) {
            break;
          }
        }
        // the first receive and its failure (the SDK's error path), then a clean stop
        process.waitFor(2, TimeUnit.SECONDS);
        // SIGTERM through the handle: Process.destroy() would also close the output still to read
        process.toHandle().destroy();
      } else {
        process.destroyForcibly();
      }
      // the rest of its output until it exits (the archive is written at exit)
      while ((line = output.readLine()) != null) {
        log.add(line);
      }
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return Optional.of("the training run did not stop");
      }
    } finally {
      output.close();
      Files.write(logFile, log);
    }
    if (!polling) {
      return Optional.of("the training run did not reach its first poll");
    }
    return Files.exists(archive) ? Optional.empty() : Optional.of("the training run wrote no archive (exit " + process.exitValue() + ")");
  }

  static long size(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      return paths.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
