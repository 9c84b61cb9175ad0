package org.odmwatcher.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The watcher's container image, as Jib builds it in {@code mvn verify} (the image's own layers and
 * config onto an empty base, watcher/target/jib-image.tar), against the manifests that run it: one
 * image reference everywhere, the entrypoint the WorkflowTemplate's record-status step runs, the
 * user the pods run as, and the files that entrypoint needs present and readable in the layers.
 */
class ImageTest {
  /** The pom's {@code image} property (parent pom), handed over by surefire. */
  private static final String IMAGE = System.getProperty("image", "");

  private static final String DEPLOYMENT = "odm-watcher";
  private static final String RECORD_STATUS = "record-status";
  /** Where Jib puts the application (its default appRoot). */
  private static final String APP_ROOT = "/app";
  /** The image's own Java runtime and the archive its build made (watcher/pom.xml, ImageRuntime). */
  private static final String RUNTIME = APP_ROOT + "/jre";
  /** The archive's option, by the image's JDK: a class-data archive (JDK 17) or an ahead-of-time cache (JDK 25). */
  private static final Map<String, String> ARCHIVES = Map.of(
      "-XX:SharedArchiveFile=", APP_ROOT + "/odm-watcher.jsa",
      "-XX:AOTCache=", APP_ROOT + "/odm-watcher.aot");

  private static ImageTar image;

  @BeforeAll
  static void readImage() {
    assertThat(IMAGE).as("the pom's image property (surefire systemPropertyVariables)").isNotBlank();
    image = ImageTar.read(ImageTar.defaultPath());
    System.out.printf(
        "image %s: %s, %,d bytes; layers %s%n",
        image.repoTags(), image.tar().getFileName(), size(image.tar()),
        image.layers().stream()
            .map(l -> l.blob().substring(0, 12) + " " + l.compressedBytes() + " B, " + l.entries() + " entries")
            .toList());
  }

  @Test
  void imageIsBuiltUnderThePomsImageReference() {
    assertThat(image.repoTags()).containsExactly(IMAGE);
  }

  @Test
  void everyManifestThatRunsTheWatcherNamesThePomsImage() throws IOException {
    String repository = repository(IMAGE);
    // Parsed: every `image` field of every source document and every rendered overlay.
    List<ImageField> references = new ArrayList<>();
    for (ManifestDocument doc : Manifests.everything()) {
      collectImages(doc.node(), doc.toString(), references);
    }
    List<ImageField> watcherImages =
        references.stream().filter(r -> repository(r.image()).equals(repository)).toList();
    assertThat(watcherImages)
        .as("the Deployment and the record-status step, in the sources and each overlay")
        .hasSizeGreaterThanOrEqualTo(2 + 2 * Manifests.OVERLAYS.size());
    assertThat(watcherImages).allSatisfy(r -> assertThat(r.image()).as(r.where()).isEqualTo(IMAGE));

    // Textual: the repository anywhere in a source file (kustomize `images:` entries, comments).
    Pattern mention = Pattern.compile(Pattern.quote(repository) + "(?::[\\w.-]+|@sha256:[0-9a-f]{64})?");
    for (Path file : Manifests.sourceFiles()) {
      Matcher m = mention.matcher(Files.readString(file));
      while (m.find()) {
        assertThat(m.group()).as(Manifests.root().relativize(file) + " names the watcher's image").isEqualTo(IMAGE);
      }
    }
    // The overlays' kustomize `images:` transformers must not retarget it either.
    for (String overlay : Manifests.OVERLAYS) {
      JsonNode kustomization = Manifests.YAML.readTree(Manifests.overlay(overlay).resolve("kustomization.yaml").toFile());
      for (JsonNode rewrite : kustomization.path("images")) {
        assertThat(rewrite.path("name").asText()).as("overlays/" + overlay + " rewrites an image").isNotEqualTo(repository);
      }
    }
  }

  /** A user who pushed the image elsewhere changes it once, in their overlay, for both users of it. */
  @Test
  void kustomizeImagesInAUsersOverlayRetargetsTheDeploymentAndTheRecordStatusStepTogether(@TempDir Path dir)
      throws IOException {
    Files.writeString(
        dir.resolve("kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\n"
            + "kind: Kustomization\n"
            + "resources:\n"
            + "  - " + dir.toAbsolutePath().relativize(Manifests.overlay("aws")) + "\n"
            + "images:\n"
            + "  - name: " + repository(IMAGE) + "\n"
            + "    newName: registry.example.org/drones/odm-watcher\n"
            + "    newTag: \"0.1.0-custom\"\n");

    List<ManifestDocument> docs = Manifests.parse(Kustomize.render(dir).stdout(), "user overlay");

    String moved = "registry.example.org/drones/odm-watcher:0.1.0-custom";
    assertThat(watcherContainer(docs).path("image").asText()).as("Deployment").isEqualTo(moved);
    assertThat(recordStatusContainer(docs).path("image").asText()).as("record-status step").isEqualTo(moved);
  }

  @ParameterizedTest
  @ValueSource(strings = {"aws", "minio"})
  void recordStatusRunsTheImagesEntrypointAndTheDeploymentDefaultsToIt(String overlay) {
    List<String> entrypoint = strings(image.config().path("config").path("Entrypoint"));
    assertThat(entrypoint).as("entrypoint").isNotEmpty().startsWith("java");

    JsonNode recordStatus = recordStatusContainer(Manifests.rendered(overlay));
    assertThat(strings(recordStatus.path("command"))).as("record-status command in overlays/" + overlay).isEqualTo(entrypoint);

    JsonNode watcher = watcherContainer(Manifests.rendered(overlay));
    assertThat(watcher.has("command")).as("the Deployment overrides the image's entrypoint").isFalse();
    assertThat(watcher.has("args")).as("the Deployment passes arguments to the entrypoint").isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"aws", "minio"})
  void imageUserIsTheNonRootUserThePodsRunAs(String overlay) {
    String user = image.config().path("config").path("User").asText();
    assertThat(user).as("image user").matches("\\d+:\\d+");
    long uid = Long.parseLong(user.substring(0, user.indexOf(':')));
    long gid = Long.parseLong(user.substring(user.indexOf(':') + 1));
    assertThat(uid).as("uid").isNotZero();
    assertThat(gid).as("gid").isNotZero();

    List<ManifestDocument> docs = Manifests.rendered(overlay);
    JsonNode deploymentPod = Manifests.find(docs, "Deployment", DEPLOYMENT).node().path("spec").path("template").path("spec");
    JsonNode watcher = watcherContainer(docs);
    for (var context : Map.of(
            "Deployment " + DEPLOYMENT, effective(deploymentPod.path("securityContext"), watcher.path("securityContext")),
            "record-status step", recordStatusContainer(docs).path("securityContext"))
        .entrySet()) {
      assertThat(context.getValue().path("runAsUser").asLong(-1)).as(context.getKey() + " runAsUser").isEqualTo(uid);
      assertThat(context.getValue().path("runAsGroup").asLong(-1)).as(context.getKey() + " runAsGroup").isEqualTo(gid);
      assertThat(context.getValue().path("runAsNonRoot").asBoolean()).as(context.getKey() + " runAsNonRoot").isTrue();
      assertThat(context.getValue().path("readOnlyRootFilesystem").asBoolean()).as(context.getKey() + " readOnlyRootFilesystem").isTrue();
    }
  }

  /** The root filesystem is read-only; the JVM (hsperfdata) and Netty (native libraries) write to /tmp. */
  @ParameterizedTest
  @ValueSource(strings = {"aws", "minio"})
  void bothContainersOfTheImageGetAWritableTmp(String overlay) {
    List<ManifestDocument> docs = Manifests.rendered(overlay);
    for (var container : Map.of("Deployment " + DEPLOYMENT, watcherContainer(docs), "record-status step", recordStatusContainer(docs)).entrySet()) {
      List<String> mounts = new ArrayList<>();
      container.getValue().path("volumeMounts").forEach(m -> mounts.add(m.path("mountPath").asText() + (m.path("readOnly").asBoolean() ? " (read-only)" : "")));
      assertThat(mounts).as(container.getKey() + " volume mounts in overlays/" + overlay).contains("/tmp");
    }
  }

  @Test
  void workingDirectoryAndExposedPortMatchTheLayersAndTheDeployment() {
    JsonNode config = image.config().path("config");
    String workingDir = config.path("WorkingDir").asText();
    assertThat(image.file(workingDir)).as("working directory " + workingDir).hasValueSatisfying(f -> assertThat(f.directory()).isTrue());

    JsonNode ports = watcherContainer(Manifests.rendered("minio")).path("ports");
    List<String> containerPorts = new ArrayList<>();
    ports.forEach(p -> containerPorts.add(p.path("containerPort").asInt() + "/" + p.path("protocol").asText("TCP").toLowerCase()));
    assertThat(containerPorts).isNotEmpty();
    List<String> exposed = new ArrayList<>();
    config.path("ExposedPorts").fieldNames().forEachRemaining(exposed::add);
    assertThat(exposed).containsExactlyInAnyOrderElementsOf(containerPorts);
  }

  @Test
  void classpathAndMainClassOfTheEntrypointAreInTheLayersAndReadableByTheUser(@TempDir Path dir) throws IOException {
    List<String> entrypoint = strings(image.config().path("config").path("Entrypoint"));
    int cp = entrypoint.indexOf("-cp");
    assertThat(cp).as("-cp in " + entrypoint).isPositive();
    String argFile = entrypoint.get(cp + 1);
    assertThat(argFile).startsWith("@");
    ImageTar.FileEntry classpathFile = image.file(argFile.substring(1)).orElseThrow(() -> new AssertionError(argFile + " is not in the layers"));
    List<String> classpath = Arrays.asList(classpathFile.text().strip().split(":"));
    assertThat(classpath).as("class path of " + argFile).hasSizeGreaterThan(10);
    for (String element : classpath) {
      if (element.endsWith("/*")) { // the launcher's wildcard: every jar in that directory
        String folder = element.substring(0, element.length() - 1);
        assertThat(jarsIn(folder)).as("jars of class path element " + element).isNotEmpty();
      } else {
        assertThat(image.file(element)).as("class path element " + element).isPresent();
      }
    }

    String mainClass = entrypoint.get(entrypoint.size() - 1);
    String classFile = mainClass.replace('.', '/') + ".class";
    Path root = Files.createDirectories(dir.resolve("root"));
    image.extractTo(root, APP_ROOT);
    List<String> found = new ArrayList<>();
    for (String element : classpath) {
      List<String> jars = element.endsWith("/*") ? jarsIn(element.substring(0, element.length() - 1)) : List.of(element);
      for (String jar : jars) {
        Path local = root.resolve(jar.substring(1));
        if (Files.isRegularFile(local)) {
          try (java.util.jar.JarFile file = new java.util.jar.JarFile(local.toFile())) {
            if (file.getEntry(classFile) != null) {
              found.add(jar);
            }
          }
        } else if (Files.isRegularFile(local.resolve(classFile))) {
          found.add(jar);
        }
      }
    }
    assertThat(found).as(mainClass + " on the class path").isNotEmpty();
    assertThat(image.file(APP_ROOT + "/jib-main-class-file")).hasValueSatisfying(f -> assertThat(f.text().strip()).isEqualTo(mainClass));

    // Owned by root, run as another uid: every file of the application must be readable (directories
    // searchable) by others.
    List<String> unreadable =
        image.files().values().stream()
            .filter(f -> f.path().equals(APP_ROOT) || f.path().startsWith(APP_ROOT + "/"))
            .filter(f -> !f.readableByOthers())
            .map(f -> f.path() + " " + Integer.toOctalString(f.mode()))
            .toList();
    assertThat(unreadable).as("files the image's user cannot read").isEmpty();
  }

  /**
   * Start-up from the image: it runs on its own Java runtime (/app/jre, made by the build with jlink
   * from the image's JDK, the build's own or a JDK 25, first on the image's PATH, so the
   * entrypoint's and the record-status step's {@code java} is it), and its JVM options are the
   * start-up tuning the bench measured (Serial GC, small stacks, 5% initial heap, C1 only) plus the
   * archive a training run on that same runtime wrote during the build: a class-data archive
   * (/app/odm-watcher.jsa, over the runtime's own) or, on a JDK 25, an ahead-of-time cache
   * (/app/odm-watcher.aot); either is valid only for the JVM build that wrote it, which is why the
   * runtime ships in the image. Nothing records an archive at run time: on a new pod that made the
   * first poll come later (docs/performance.md).
   */
  @ParameterizedTest
  @ValueSource(strings = {"aws", "minio"})
  void theImageStartsOnItsOwnRuntimeWithTheArchiveItsBuildMade(String overlay) {
    Map<String, String> env = imageEnvironment();
    List<String> options = Arrays.asList(env.getOrDefault("JDK_JAVA_OPTIONS", "").trim().split("\\s+"));
    assertThat(options).as("JDK_JAVA_OPTIONS")
        .contains("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:InitialRAMPercentage=5")
        .noneMatch(o -> o.contains("AutoCreateSharedArchive") || o.startsWith("-XX:ArchiveClassesAtExit") || o.startsWith("-XX:AOTCacheOutput")
            || o.startsWith("-XX:AOTMode"));
    List<String> archiveOptions = options.stream().filter(o -> ARCHIVES.keySet().stream().anyMatch(o::startsWith)).toList();
    assertThat(archiveOptions).as("the archive's option in JDK_JAVA_OPTIONS").hasSize(1);
    String archiveOption = archiveOptions.get(0);
    String archive = archiveOption.substring(archiveOption.indexOf('=') + 1);
    assertThat(archive).as(archiveOption).isEqualTo(ARCHIVES.get(archiveOption.substring(0, archiveOption.indexOf('=') + 1)));
    // the Deployment's container sets no JDK_JAVA_OPTIONS of its own, which would replace the image's
    assertThat(watcherContainer(Manifests.rendered(overlay)).path("env").findValuesAsText("name"))
        .as("env of the watcher in overlays/" + overlay).doesNotContain("JDK_JAVA_OPTIONS", "PATH");

    assertThat(env.getOrDefault("PATH", "")).as("PATH: the image's runtime first").startsWith(RUNTIME + "/bin:");
    // Java 17's default charset follows the locale; the OS base alone would leave it at POSIX (ASCII)
    assertThat(env.getOrDefault("LANG", "")).as("LANG").endsWith(".UTF-8");
    assertThat(image.file(RUNTIME + "/bin/java")).as(RUNTIME + "/bin/java")
        .hasValueSatisfying(f -> assertThat(f.mode() & 0111).as("executable by the image's user").isEqualTo(0111));
    if (archiveOption.startsWith("-XX:SharedArchiveFile=")) {
      // a dynamic archive is laid over the runtime's own; an AOT cache holds the JDK's classes itself
      assertThat(image.file(RUNTIME + "/lib/server/classes.jsa")).as("the runtime's own class-data archive (jlink --generate-cds-archive)").isPresent();
    }
    assertThat(image.file(archive)).as("the archive of the training run (see the build's [WARNING] image runtime line if missing)").isPresent();
    assertThat(ARCHIVES.values().stream().filter(a -> !a.equals(archive)).filter(a -> image.file(a).isPresent()))
        .as("the other kind's archive, from an earlier build").isEmpty();

    List<String> classpath = Arrays.asList(image.file(APP_ROOT + "/jib-classpath-file").orElseThrow().text().strip().split(":"));
    assertThat(classpath).as("class path: jars only (an archive holds classes from jars only)").allSatisfy(e -> assertThat(e).matches(".*(\\.jar|/\\*)$"));
  }

  /** The jars directly in an image directory ({@code folder} ends with a slash). */
  private static List<String> jarsIn(String folder) {
    return image.files().keySet().stream()
        .filter(p -> p.startsWith(folder) && p.endsWith(".jar") && p.indexOf('/', folder.length()) < 0)
        .toList();
  }

  /**
   * Runs the record-status step's argv and environment, as the template gives them, from the
   * extracted layers (the image's "/" mapped to a temporary directory, {@code java} the image's own
   * runtime from the layers, with the image's JVM options and its class-data archive, mapped or an
   * error: {@code -Xshare:on}). S3 points at a closed loopback port: the command must start, load the
   * watcher's beans from the layers, read its settings from the template's environment and fail as
   * transient (exit 1, so the step's retryStrategy tries again).
   */
  @Test
  void recordStatusCommandStartsFromTheLayers(@TempDir Path dir) throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    image.extractTo(root, APP_ROOT);
    JsonNode step = recordStatusContainer(Manifests.rendered("aws"));
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    Map<String, String> parameters = new LinkedHashMap<>();
    // the template's own values for the parameters the watcher need not pass, then a job's
    Manifests.find(Manifests.rendered("aws"), "WorkflowTemplate", "odm-process").node()
        .path("spec").path("arguments").path("parameters")
        .forEach(p -> {
          if (p.has("value")) {
            parameters.put("workflow.parameters." + p.path("name").asText(), p.path("value").asText());
          }
        });
    parameters.put("workflow.name", "odm-0123456789abcdef");
    parameters.put("workflow.namespace", "odm");
    parameters.put("workflow.parameters.bucket", "drone-uploads");
    parameters.put("workflow.parameters.prefix", "farm/flight 3/");
    parameters.put("workflow.parameters.job-id", "0123456789abcdef");
    parameters.put("workflow.parameters.results-prefix", "farm/flight 3/results/");
    parameters.put("workflow.parameters.s3-endpoint", "http://127.0.0.1:" + closedPort);
    parameters.put("workflow.parameters.s3-region", "us-east-1");
    parameters.put("workflow.parameters.s3-path-style", "true");
    parameters.put("workflow.status", "Succeeded");
    // no failed node: json.Marshal of an empty slice, strconv.Quoted (argo-workflows operator.go operate)
    parameters.put("workflow.failures", "\"null\"");

    List<String> argv = new ArrayList<>();
    for (String part : strings(step.path("command"))) {
      argv.add(inImage(part, root, dir));
    }
    strings(step.path("args")).forEach(a -> argv.add(substitute(a, parameters)));
    // the image's environment (its JVM options, the archive's path moved under root), then the step's
    Map<String, String> env = new LinkedHashMap<>();
    imageEnvironment().forEach((name, value) -> {
      if (name.equals("JDK_JAVA_OPTIONS")) {
        // -Xshare:on (for an AOT cache, which takes no -Xshare: -XX:AOTMode=on): an archive that does
        // not fit its JVM or class path is an error, not a slow start
        env.put(name, value.replace("=" + APP_ROOT + "/", "=" + root.resolve(APP_ROOT.substring(1)) + "/")
            + (value.contains("-XX:AOTCache=") ? " -XX:AOTMode=on" : " -Xshare:on"));
      }
    });
    for (JsonNode var : step.path("env")) {
      env.put(var.path("name").asText(), var.has("value") ? substitute(var.path("value").asText(), parameters) : "from-a-secret");
    }
    env.put("AWS_MAX_ATTEMPTS", "1"); // not the template's: one refused connection is enough here

    ProcessBuilder builder = new ProcessBuilder(argv).directory(root.resolve("app").toFile());
    builder.environment().clear();
    builder.environment().putAll(env);
    Path out = dir.resolve("out.txt");
    builder.redirectErrorStream(true).redirectOutput(out.toFile());
    Process process = builder.start();
    try {
      assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("record-status finished").isTrue();
    } finally {
      process.destroyForcibly();
    }
    String output = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(process.exitValue()).as(output).isEqualTo(1);
    assertThat(output)
        .contains("job-finished: ")
        .contains("s3://drone-uploads/")
        .contains("127.0.0.1:" + closedPort)
        // nor a JVM warning (an archive's, JDK 24+'s native access or sun.misc.Unsafe) on the image's runtime
        .doesNotContain("ClassNotFoundException", "NoClassDefFoundError", "shared archive", "[cds]", "[aot]", "WARNING:");
  }

  /** {@code java} is the image's own (first on its PATH); an {@code @argfile} or absolute path of the image lives under root. */
  private static String inImage(String part, Path root, Path scratch) throws IOException {
    if (part.equals("java")) {
      return root.resolve(RUNTIME.substring(1)).resolve("bin/java").toString();
    }
    if (part.startsWith("@/")) {
      String content = Files.readString(root.resolve(part.substring(2)));
      String mapped =
          Arrays.stream(content.strip().split(":"))
              .map(p -> root.resolve(p.substring(1)).toString())
              .collect(Collectors.joining(":"));
      Path argFile = Files.createTempFile(scratch, "classpath", ".txt");
      Files.writeString(argFile, mapped);
      return "@" + argFile;
    }
    return part;
  }

  private static final Pattern EXPRESSION = Pattern.compile("\\{\\{\\s*([\\w.-]+)\\s*}}");

  private static String substitute(String value, Map<String, String> parameters) {
    Matcher m = EXPRESSION.matcher(value);
    StringBuilder result = new StringBuilder();
    while (m.find()) {
      String replacement = parameters.get(m.group(1));
      if (replacement == null) {
        throw new AssertionError("the record-status step uses " + m.group() + ", which this test does not know");
      }
      m.appendReplacement(result, Matcher.quoteReplacement(replacement));
    }
    return m.appendTail(result).toString();
  }

  private static JsonNode recordStatusContainer(List<ManifestDocument> docs) {
    for (JsonNode t : Manifests.find(docs, "WorkflowTemplate", "odm-process").node().path("spec").path("templates")) {
      if (t.path("name").asText().equals(RECORD_STATUS)) {
        return t.path("container");
      }
    }
    throw new AssertionError("no " + RECORD_STATUS + " template in odm-process");
  }

  private static JsonNode watcherContainer(List<ManifestDocument> docs) {
    for (JsonNode c : Manifests.find(docs, "Deployment", DEPLOYMENT).node().path("spec").path("template").path("spec").path("containers")) {
      if (c.path("name").asText().equals("watcher")) {
        return c;
      }
    }
    throw new AssertionError("no container 'watcher' in Deployment " + DEPLOYMENT);
  }

  /** A container's securityContext over its pod's (Kubernetes: the container's fields win). */
  private static JsonNode effective(JsonNode pod, JsonNode container) {
    var merged = Manifests.YAML.createObjectNode();
    if (pod.isObject()) {
      merged.setAll((com.fasterxml.jackson.databind.node.ObjectNode) pod);
    }
    if (container.isObject()) {
      merged.setAll((com.fasterxml.jackson.databind.node.ObjectNode) container);
    }
    return merged;
  }

  private static Map<String, String> imageEnvironment() {
    Map<String, String> env = new LinkedHashMap<>();
    image.config().path("config").path("Env").forEach(e -> env.put(e.asText().substring(0, e.asText().indexOf('=')), e.asText().substring(e.asText().indexOf('=') + 1)));
    return env;
  }

  /** An {@code image:} field and the document it is in. */
  private record ImageField(String where, String image) {}

  private static void collectImages(JsonNode node, String where, List<ImageField> into) {
    if (node.isObject()) {
      node.properties().forEach(e -> {
        if (e.getKey().equals("image") && e.getValue().isTextual()) {
          into.add(new ImageField(where, e.getValue().asText()));
        } else {
          collectImages(e.getValue(), where, into);
        }
      });
    } else if (node.isArray()) {
      node.forEach(n -> collectImages(n, where, into));
    }
  }

  /** An image reference without its tag or digest. */
  private static String repository(String reference) {
    String withoutDigest = reference.contains("@") ? reference.substring(0, reference.indexOf('@')) : reference;
    int slash = withoutDigest.lastIndexOf('/');
    int colon = withoutDigest.lastIndexOf(':');
    return colon > slash ? withoutDigest.substring(0, colon) : withoutDigest;
  }

  private static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(v -> values.add(v.asText()));
    return values;
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
