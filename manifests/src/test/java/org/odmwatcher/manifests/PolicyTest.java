package org.odmwatcher.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * House rules for every document (sources and rendered overlays): containers, including init
 * containers and Argo template containers, are sized, pinned, unprivileged and shell-free; RBAC is
 * namespaced and names what it grants; credentials never appear as literals.
 */
class PolicyTest {
  /** Keys under which a container (object) or containers (array) live, in pods and in Argo. */
  private static final Set<String> CONTAINER_KEYS = Set.of("container", "script");
  private static final Set<String> CONTAINER_LIST_KEYS =
      Set.of("containers", "initContainers", "sidecars", "ephemeralContainers");
  private static final Set<String> SHELLS = Set.of("sh", "bash", "ash", "dash", "zsh", "ksh");
  private static final Set<String> HOST_FIELDS = Set.of("hostNetwork", "hostPID", "hostIPC");
  private static final Pattern PINNED_IMAGE =
      Pattern.compile("^[a-z0-9.\\-/:]+(:[A-Za-z0-9._\\-]+)(@sha256:[a-f0-9]{64})?$|^.+@sha256:[a-f0-9]{64}$");
  private static final Pattern CREDENTIAL_NAME =
      Pattern.compile("(?i).*(secret|password|passwd|token|access_key|api_key|credential).*");

  record Container(ManifestDocument doc, String path, JsonNode node) {
    @Override
    public String toString() {
      return doc + " " + path;
    }
  }

  /** Complete objects only: a patch names just the fields it changes (rendered output covers it). */
  static Stream<ManifestDocument> documents() {
    return Manifests.completeDocuments().stream();
  }

  static Stream<Container> containers() {
    return documents().flatMap(d -> containersOf(d).stream());
  }

  @Test
  void containersAreFoundInPodsArgoTemplatesAndInitContainers() {
    List<String> paths = containersOf(Manifests.odmProcessTemplate()).stream().map(Container::path).toList();
    assertThat(paths).hasSize(6).anyMatch(p -> p.contains("initContainers")).contains("$.spec.templates[seed].container");
    assertThat(containersOf(Manifests.find(Manifests.sourceDocuments(), "Deployment", "odm-watcher")))
        .hasSize(1);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("containers")
  void containerRequestsResources(Container c) {
    JsonNode requests = c.node().path("resources").path("requests");
    assertThat(requests.path("cpu").isMissingNode() || requests.path("memory").isMissingNode())
        .as(c + " needs cpu and memory requests")
        .isFalse();
    assertThat(c.node().path("resources").path("limits").has("memory")).as(c + " memory limit").isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("containers")
  void containerImageIsPinned(Container c) {
    String image = c.node().path("image").asText();
    java.util.regex.Matcher parameter = java.util.regex.Pattern.compile("\\{\\{workflow\\.parameters\\.([a-z-]+)}}").matcher(image);
    if (parameter.matches()) {
      // The ODM step's image is a parameter (ODM's or its GPU image, chosen by the watcher, whose
      // defaults are pinned too: PlacementConfig): its default in the template must be pinned.
      String name = parameter.group(1);
      JsonNode declared = null;
      for (JsonNode p : Manifests.odmProcessTemplate().node().path("spec").path("arguments").path("parameters")) {
        if (p.path("name").asText().equals(name)) {
          declared = p;
        }
      }
      assertThat(declared).as(c + ": parameter " + name + " is declared").isNotNull();
      image = declared.path("value").asText();
    }
    assertThat(image).as(c.toString()).matches(PINNED_IMAGE);
    assertThat(image).as(c.toString()).doesNotEndWith(":latest");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("containers")
  void containerIsNotPrivilegedAndCannotEscalate(Container c) {
    JsonNode sc = c.node().path("securityContext");
    assertThat(sc.path("privileged").asBoolean(false)).as(c.toString()).isFalse();
    assertThat(sc.path("allowPrivilegeEscalation").asBoolean(true))
        .as(c + " must set allowPrivilegeEscalation: false")
        .isFalse();
    assertThat(sc.path("capabilities").path("drop").toString()).as(c.toString()).contains("\"ALL\"");
    for (JsonNode added : sc.path("capabilities").path("add")) {
      assertThat(added.asText()).as(c.toString()).isIn("CHOWN", "DAC_OVERRIDE", "FOWNER");
    }
  }

  /** Only ODM itself runs as root (its image needs it); untrusted input is never unpacked as root. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("containers")
  void onlyTheOdmContainerRunsAsRoot(Container c) {
    if (c.path().equals("$.spec.templates[process].container")) {
      return;
    }
    JsonNode sc = c.node().path("securityContext");
    // the pod's own (Deployment, Workflow, CronWorkflow) applies where the container sets none
    JsonNode pod = Stream.of("/spec/template/spec/securityContext", "/spec/workflowSpec/securityContext", "/spec/securityContext")
        .map(c.doc().node()::at).filter(n -> !n.isMissingNode()).findFirst().orElse(sc);
    int user = sc.has("runAsUser") ? sc.path("runAsUser").asInt() : pod.path("runAsUser").asInt(0);
    boolean nonRoot = sc.has("runAsNonRoot") ? sc.path("runAsNonRoot").asBoolean() : pod.path("runAsNonRoot").asBoolean(false);
    assertThat(user > 0 || nonRoot).as(c + " must run as a non-root user (runAsUser " + user + ")").isTrue();
    assertThat(sc.has("runAsUser") && user == 0).as(c + " sets runAsUser 0").isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("containers")
  void containerRunsNoShellAndInlineScriptsTakeNoParameters(Container c) {
    List<String> argv = new ArrayList<>();
    c.node().path("command").forEach(a -> argv.add(a.asText()));
    c.node().path("args").forEach(a -> argv.add(a.asText()));
    assertThat(c.node().has("script")).as(c + " uses an Argo script template").isFalse();
    if (argv.isEmpty()) {
      return;
    }
    String program = argv.get(0).substring(argv.get(0).lastIndexOf('/') + 1);
    assertThat(SHELLS).as(c + " runs a shell").doesNotContain(program);
    int dashC = argv.indexOf("-c");
    if (dashC >= 0) {
      assertThat(program).as(c + " has -c but is not python3").isEqualTo("python3");
      assertThat(argv.get(dashC + 1)).as(c + " inline program must be constant").doesNotContain("{{");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("documents")
  void noHostAccessAnywhere(ManifestDocument doc) {
    List<String> violations = new ArrayList<>();
    walk(doc.node(), "$", (path, key, value) -> {
      if (HOST_FIELDS.contains(key) && value.asBoolean(false)) {
        violations.add(path);
      }
      if (key.equals("hostPath") || (key.equals("privileged") && value.asBoolean(false))) {
        violations.add(path);
      }
    });
    assertThat(violations).as(doc.toString()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("documents")
  void rbacIsNamespacedAndExplicit(ManifestDocument doc) {
    assertThat(doc.kind()).as(doc.toString()).isNotIn("ClusterRole", "ClusterRoleBinding");
    if (doc.kind().equals("Role")) {
      for (JsonNode rule : doc.node().path("rules")) {
        for (String field : List.of("verbs", "resources", "apiGroups")) {
          assertThat(rule.path(field).toString()).as(doc + " " + field).doesNotContain("*");
        }
        assertThat(rule.has("resourceNames") || rule.path("resources").size() > 0).isTrue();
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("documents")
  void credentialsAreNeverLiterals(ManifestDocument doc) {
    List<String> violations = new ArrayList<>();
    walk(doc.node(), "$", (path, key, value) -> {
      if (key.equals("env") && value.isArray()) {
        for (JsonNode e : value) {
          if (CREDENTIAL_NAME.matcher(e.path("name").asText()).matches() && e.has("value")) {
            violations.add(path + "." + e.path("name").asText());
          }
        }
      }
    });
    if (doc.kind().equals("ConfigMap")) {
      doc.node().path("data").fieldNames().forEachRemaining(k -> {
        if (CREDENTIAL_NAME.matcher(k).matches()) {
          violations.add("ConfigMap key " + k);
        }
      });
    }
    if (doc.kind().equals("Secret") && doc.node().path("type").asText().equals("kubernetes.io/service-account-token")) {
      // a token Secret Kubernetes fills in itself: it must carry nothing of ours
      assertThat(doc.node().has("data") || doc.node().has("stringData")).as(doc.toString()).isFalse();
    } else if (doc.kind().equals("Secret")) {
      assertThat(doc.origin()).as("only the marked example may define a Secret").contains(".example.yaml");
      doc.node().path("stringData").forEach(v -> assertThat(v.asText()).isEqualTo("REPLACE-ME"));
    }
    assertThat(violations).as(doc.toString()).isEmpty();
  }

  @Test
  void policyCatchesAShellWrappedCommand() {
    ObjectNode template = Manifests.odmProcessTemplate().node().deepCopy();
    ObjectNode upload = (ObjectNode) ArgoSchemaTest.findTemplate(template, "upload").path("container");
    upload.putArray("command").add("sh").add("-c").add("rclone copy /data s3:{{workflow.parameters.bucket}}");
    ManifestDocument doc = new ManifestDocument("negative test", template);

    assertThat(containersOf(doc))
        .filteredOn(c -> c.path().contains("upload"))
        .singleElement()
        .satisfies(c -> {
          String program = c.node().path("command").get(0).asText();
          assertThat(SHELLS).contains(program);
        });
  }

  static List<Container> containersOf(ManifestDocument doc) {
    List<Container> found = new ArrayList<>();
    walk(doc.node(), "$", (path, key, value) -> {
      if (CONTAINER_KEYS.contains(key) && value.isObject() && value.has("image")) {
        found.add(new Container(doc, path, value));
      } else if (CONTAINER_LIST_KEYS.contains(key) && value.isArray()) {
        for (int i = 0; i < value.size(); i++) {
          found.add(new Container(doc, path + "[" + i + "]", value.get(i)));
        }
      }
    });
    return found;
  }

  @FunctionalInterface
  interface FieldVisitor {
    void visit(String path, String key, JsonNode value);
  }

  /** Depth-first over every object field; paths name Argo templates by their name. */
  static void walk(JsonNode node, String path, FieldVisitor visitor) {
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        String childPath = path + "." + field.getKey();
        visitor.visit(childPath, field.getKey(), field.getValue());
        walk(field.getValue(), childPath, visitor);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        JsonNode element = node.get(i);
        String label = element.has("name") ? element.path("name").asText() : String.valueOf(i);
        walk(element, path + "[" + label + "]", visitor);
      }
    }
  }
}
