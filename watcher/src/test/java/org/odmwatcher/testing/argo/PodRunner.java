package org.odmwatcher.testing.argo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.odmwatcher.cli.JobFinishedCommand;
import org.odmwatcher.testing.Principal;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * What a Workflow pod does, for the templates of our WorkflowTemplate, as the pod's containers
 * would do it: {@code rclone copy} against S3Proxy, the {@code process} step's real Python program
 * (against a stand-in ODM), {@code job-finished} through its real entry point, the resource
 * templates through a Kubernetes client. Every call is made with the Workflow pods' identity
 * ({@link Principal#WORKFLOW}: its S3 keys from the {@code odm-workflow-s3-credentials} Secret, its service
 * account's token), and each pod reports a WorkflowTaskResult as Argo's executor does.
 */
public final class PodRunner {
  /** The kind Argo's executor reports pod results in (argo-workflows pkg/apis/workflow/v1alpha1). */
  public static final ResourceDefinitionContext TASK_RESULTS =
      new ResourceDefinitionContext.Builder()
          .withGroup("argoproj.io")
          .withVersion("v1alpha1")
          .withKind("WorkflowTaskResult")
          .withPlural("workflowtaskresults")
          .withNamespaced(true)
          .build();

  /** A pod's end: the node phase and message Argo would give it. */
  record Outcome(String phase, String message) {
    static final Outcome SUCCEEDED = new Outcome("Succeeded", null);

    /**
     * A container that exits non-zero: node Failed, message "<container>: <kubelet reason> (exit
     * code N)" (workflow/controller/operator.go inferFailedReason; the kubelet's reason for a
     * non-zero exit is "Error"). The template's main container is named {@code main}.
     */
    static Outcome exitCode(String container, int code) {
      return new Outcome("Failed", container + ": Error (exit code " + code + ")");
    }
  }

  /**
   * The real programs the step containers run, instead of their emulation in this JVM: the
   * {@code rclone} binary in place of the rclone image's, the built jar in place of the watcher
   * image's classpath ({@code @/app/jib-classpath-file}, the same classes Jib lays out), run by
   * this JVM's {@code java}; the install's ConfigMap values the containers' env refers to; and the
   * env an image sets itself ({@code ENV} in its Dockerfile), by image name without tag.
   * Without it (the end-to-end tests), rclone is emulated with the AWS SDK and {@code job-finished}
   * runs in this JVM: faster, but only the step test (WorkflowStepsIT) shows the real tools agree.
   */
  public record Programs(Path rclone, Path watcherJar, Map<String, String> configMaps, Map<String, Map<String, String>> imageEnv) {}

  private final KubernetesClient workflowKubernetes;
  private final String namespace;
  private final Path workRoot;
  private final Path standInOdm;
  private final Programs programs;
  private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
  private final org.odmwatcher.testing.PodLogs podLogs;

  /** The kubelet's reads (Secrets for env): not the Workflow's service account, so not in its RBAC contract. */
  private final KubernetesClient kubelet;

  PodRunner(KubernetesClient workflowKubernetes, KubernetesClient kubelet, String namespace, Path workRoot, Programs programs,
      org.odmwatcher.testing.PodLogs podLogs) {
    this.kubelet = kubelet;
    this.podLogs = podLogs;
    this.workflowKubernetes = workflowKubernetes;
    this.namespace = namespace;
    this.workRoot = workRoot;
    this.programs = programs;
    try {
      standInOdm = Path.of(PodRunner.class.getResource("/argo/odm/run.py").toURI()).getParent();
      // made now, not when the first process pod starts: that pod's clock is some test's timeout
      StandInRasters.dir();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs one pod of {@code template}; interrupting the thread is the pod being terminated. */
  @SuppressWarnings("unchecked")
  Outcome run(PodContext pod, Map<String, Object> template) throws InterruptedException {
    Outcome outcome;
    try {
      if (template.get("resource") instanceof Map<?, ?> resource) {
        outcome = resource(pod, (Map<String, Object>) resource);
      } else {
        outcome = Outcome.SUCCEEDED;
        for (Map<String, Object> init : (List<Map<String, Object>>) template.getOrDefault("initContainers", List.of())) {
          outcome = container(pod, init);
          if (!"Succeeded".equals(outcome.phase())) {
            break;
          }
        }
        if ("Succeeded".equals(outcome.phase())) {
          outcome = container(pod, (Map<String, Object>) template.get("container"));
        }
      }
    } catch (RuntimeException | IOException e) {
      outcome = new Outcome("Failed", e.getClass().getSimpleName() + ": " + e.getMessage());
    }
    reportResult(pod, outcome);
    return outcome;
  }

  /**
   * Argo >= 3.4's executor (argoexec wait container) records each pod's result in a
   * WorkflowTaskResult named after the node id, owned by the Workflow: created with the label
   * {@code workflows.argoproj.io/report-outputs-completed: "false"}, then merge-patched to
   * {@code "true"} once outputs are reported (workflow/executor/taskresult.go createTaskResult,
   * upsertTaskResult, patchTaskResultLabels; called from executor.go reportResult and
   * FinalizeOutput). Patches go out as one PATCH each, as client-go sends them: fabric8's
   * {@code withName(n).patch(…)} would GET the object first, a call (and an RBAC verb) the real
   * executor never makes.
   */
  private void reportResult(PodContext pod, Outcome outcome) {
    GenericKubernetesResource result = newTaskResult(pod);
    Map<String, Object> outputs = new LinkedHashMap<>();
    outputs.put("exitCode", "Succeeded".equals(outcome.phase()) ? "0" : "1");
    result.setAdditionalProperty("outputs", outputs);
    var results = workflowKubernetes.genericKubernetesResources(TASK_RESULTS).inNamespace(namespace);
    try {
      results.resource(result).create();
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      results.resource(newTaskResult(pod)).patch(PatchContext.of(PatchType.JSON_MERGE), "{\"outputs\":{\"exitCode\":\"" + outputs.get("exitCode") + "\"}}");
    }
    results.resource(newTaskResult(pod)).patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"metadata\":{\"labels\":{\"workflows.argoproj.io/report-outputs-completed\":\"true\"}}}");
  }

  /** createTaskResult's object: named after the node, labelled with the Workflow, owned by it. */
  private GenericKubernetesResource newTaskResult(PodContext pod) {
    GenericKubernetesResource result = new GenericKubernetesResource();
    result.setApiVersion("argoproj.io/v1alpha1");
    result.setKind("WorkflowTaskResult");
    result.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withName(pod.nodeId())
            .withNamespace(namespace)
            .withLabels(Map.of(
                "workflows.argoproj.io/workflow", pod.workflowName(),
                "workflows.argoproj.io/report-outputs-completed", "false"))
            .withOwnerReferences(new OwnerReferenceBuilder()
                .withApiVersion("argoproj.io/v1alpha1").withKind("Workflow")
                .withName(pod.workflowName()).withUid(pod.workflowUid()).build())
            .build());
    return result;
  }

  // ---- resource templates -------------------------------------------------------------------

  /**
   * A resource template: Argo's executor runs {@code kubectl <action> -f <manifest>} with the
   * template's flags (workflow/executor/resource.go ExecResource, getKubectlArguments), adding an
   * owner reference to the Workflow when {@code setOwnerReference} is set. Only the kind and
   * actions our template uses are emulated, each as kubectl sends it:
   * {@code apply} (client-side) GETs the object and POSTs it with the
   * {@code kubectl.kubernetes.io/last-applied-configuration} annotation when it is absent, else
   * PATCHes it; {@code delete --ignore-not-found --wait=false} DELETEs and takes 404 as done.
   */
  @SuppressWarnings("unchecked")
  private Outcome resource(PodContext pod, Map<String, Object> resource) throws IOException {
    String action = (String) resource.get("action");
    String manifest = WorkflowTemplateFile.substitute((String) resource.get("manifest"), pod.variables());
    Map<String, Object> object = yaml.readValue(manifest, Map.class);
    if (!"PersistentVolumeClaim".equals(object.get("kind"))) {
      throw new IllegalArgumentException("resource kind not emulated: " + object.get("kind"));
    }
    PersistentVolumeClaim pvc = yaml.convertValue(object, PersistentVolumeClaim.class);
    var pvcs = workflowKubernetes.persistentVolumeClaims().inNamespace(namespace);
    switch (action) {
      case "apply" -> {
        if (Boolean.TRUE.equals(resource.get("setOwnerReference"))) {
          pvc.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder()
              .withApiVersion("argoproj.io/v1alpha1").withKind("Workflow").withName(pod.workflowName())
              .withUid(pod.workflowUid()).withBlockOwnerDeletion(true).withController(true).build()));
        }
        String lastApplied = new ObjectMapper().writeValueAsString(pvc);
        Map<String, String> annotations = new LinkedHashMap<>();
        if (pvc.getMetadata().getAnnotations() != null) {
          annotations.putAll(pvc.getMetadata().getAnnotations());
        }
        annotations.put("kubectl.kubernetes.io/last-applied-configuration", lastApplied);
        pvc.getMetadata().setAnnotations(annotations);
        PersistentVolumeClaim existing = pvcs.withName(pvc.getMetadata().getName()).get();
        if (existing == null) {
          pvcs.resource(pvc).create();
        } else {
          // kubectl apply's strategic merge patch: labels and annotations merge by key, and
          // ownerReferences by uid (k8s.io/apimachinery ObjectMeta: patchStrategy=merge,
          // patchMergeKey=uid), so a resumed run adds its Workflow to a kept claim's owners.
          Map<String, Object> metadata = new LinkedHashMap<>();
          metadata.put("annotations", annotations);
          if (pvc.getMetadata().getLabels() != null) {
            metadata.put("labels", pvc.getMetadata().getLabels());
          }
          List<OwnerReference> owners = new ArrayList<>(
              existing.getMetadata().getOwnerReferences() == null ? List.of() : existing.getMetadata().getOwnerReferences());
          for (OwnerReference added : pvc.getMetadata().getOwnerReferences() == null ? List.<OwnerReference>of()
              : pvc.getMetadata().getOwnerReferences()) {
            owners.removeIf(o -> o.getUid().equals(added.getUid()));
            owners.add(added);
          }
          existing.getMetadata().setOwnerReferences(owners);
          Map<String, String> mergedLabels = new LinkedHashMap<>(
              existing.getMetadata().getLabels() == null ? Map.of() : existing.getMetadata().getLabels());
          if (pvc.getMetadata().getLabels() != null) {
            mergedLabels.putAll(pvc.getMetadata().getLabels());
          }
          Map<String, String> mergedAnnotations = new LinkedHashMap<>(
              existing.getMetadata().getAnnotations() == null ? Map.of() : existing.getMetadata().getAnnotations());
          mergedAnnotations.putAll(annotations);
          existing.getMetadata().setLabels(mergedLabels);
          existing.getMetadata().setAnnotations(mergedAnnotations);
          // Sent as a JSON merge patch with the merged lists: the same object as kubectl's strategic
          // merge makes, in a patch type the mock API server applies.
          pvcs.withName(pvc.getMetadata().getName()).patch(PatchContext.of(PatchType.JSON_MERGE),
              new ObjectMapper().writeValueAsString(Map.of("metadata", Map.of(
                  "labels", mergedLabels, "annotations", mergedAnnotations, "ownerReferences", owners))));
        }
      }
      case "delete" -> {
        List<String> flags = (List<String>) resource.getOrDefault("flags", List.of());
        var deleted = pvcs.withName(pvc.getMetadata().getName()).delete();
        if (deleted.isEmpty() && !flags.contains("--ignore-not-found")) {
          return new Outcome("Failed", "persistentvolumeclaims \"" + pvc.getMetadata().getName() + "\" not found");
        }
      }
      default -> throw new IllegalArgumentException("resource action not emulated: " + action);
    }
    return Outcome.SUCCEEDED;
  }

  // ---- containers ---------------------------------------------------------------------------

  @SuppressWarnings("unchecked")
  private Outcome container(PodContext pod, Map<String, Object> container) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    for (Object part : (List<Object>) container.getOrDefault("command", List.of())) {
      command.add(WorkflowTemplateFile.substitute(String.valueOf(part), pod.variables()));
    }
    List<String> args = new ArrayList<>();
    for (Object part : (List<Object>) container.getOrDefault("args", List.of())) {
      args.add(WorkflowTemplateFile.substitute(String.valueOf(part), pod.variables()));
    }
    Map<String, String> env = environment(pod, kubelet, namespace, (List<Map<String, Object>>) container.getOrDefault("env", List.of()),
        programs == null ? null : programs.configMaps());
    if (command.equals(List.of("rclone"))) {
      if (programs != null) {
        List<String> argv = new ArrayList<>(List.of(programs.rclone().toString()));
        argv.addAll(args);
        // rclone logs each request it sends (only logging changes), so its S3 calls join the
        // IAM contract's recordings as the SDK clients' do.
        Map<String, String> dumping = new LinkedHashMap<>(env);
        dumping.putAll(org.odmwatcher.testing.contract.RcloneDump.ENV);
        Outcome outcome = program(pod, container, argv, dumping);
        org.odmwatcher.testing.contract.RcloneDump.record(podLog(pod.nodeId()), asPinnedRclone(container, env));
        return outcome;
      }
      return rclone(pod, args, env);
    }
    if (command.size() >= 3 && command.get(0).equals("python3") && command.get(1).equals("-c")) {
      List<String> argv = new ArrayList<>(command.subList(3, command.size()));
      argv.addAll(args);
      // The image's own ODM: an ODX image (WebODM's fork) knows ODX's options, not ODM's; the
      // stand-in checks a command line against the catalogue of the engine the image carries.
      String image = WorkflowTemplateFile.substitute(String.valueOf(container.get("image")), pod.variables());
      Map<String, String> withCatalogue = new java.util.HashMap<>(env);
      if (image.contains("/odx")) {
        withCatalogue.putIfAbsent("ODM_STANDIN_OPTIONS", standInOdm.resolve("../../../classes/odx/odx-03812b3-options.json")
            .normalize().toString());
      }
      return python(pod, containerName(container), command.get(2), argv, withCatalogue);
    }
    if (command.size() >= 2 && command.get(0).equals("java")
        && command.get(command.size() - 1).equals("org.odmwatcher.Application") && !args.isEmpty()
        && args.get(0).equals("job-finished")) {
      if (programs != null) {
        // The image's entrypoint with the built jar as its classpath, in a JVM of its own.
        List<String> argv = new ArrayList<>();
        for (String part : command) {
          argv.add(switch (part) {
            case "java" -> Path.of(System.getProperty("java.home"), "bin", "java").toString();
            case "@/app/jib-classpath-file" -> programs.watcherJar().toString();
            default -> part;
          });
        }
        argv.addAll(args);
        return program(pod, container, argv, env);
      }
      // The image's entrypoint (java ... -cp @/app/jib-classpath-file org.odmwatcher.Application):
      // Application.main's dispatch of its first argument, without System.exit.
      int code = JobFinishedCommand.run(args.subList(1, args.size()).toArray(String[]::new), env);
      return code == 0 ? Outcome.SUCCEEDED : Outcome.exitCode(containerName(container), code);
    }
    throw new IllegalArgumentException("container command not emulated: " + command);
  }

  /** The first rclone that sends no {@code X-Amz-Acl} header when none is configured (RcloneDump.record). */
  private static final Runtime.Version RCLONE_WITHOUT_DEFAULT_ACL = Runtime.Version.parse("1.61");
  private static final Pattern VERSION = Pattern.compile("(\\d+(?:\\.\\d+)+)");

  /**
   * Whether this machine's rclone adds an ACL header that the container's own rclone (the image
   * tag the template pins) would not: the binary here is older than 1.61, the pinned one is not,
   * and the container configures no ACL.
   */
  private boolean asPinnedRclone(Map<String, Object> container, Map<String, String> env) throws IOException, InterruptedException {
    Runtime.Version pinned = version(String.valueOf(container.get("image")).replaceFirst("^.*:", ""));
    return !env.containsKey("RCLONE_CONFIG_S3_ACL") && pinned.compareToIgnoreOptional(RCLONE_WITHOUT_DEFAULT_ACL) >= 0
        && rcloneVersion().compareToIgnoreOptional(RCLONE_WITHOUT_DEFAULT_ACL) < 0;
  }

  private Runtime.Version installedRclone;

  /** {@code rclone version}'s first line: "rclone v1.60.1-DEV". */
  private synchronized Runtime.Version rcloneVersion() throws IOException, InterruptedException {
    if (installedRclone == null) {
      Process process = new ProcessBuilder(programs.rclone().toString(), "version").redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      process.waitFor();
      installedRclone = version(output.lines().findFirst().orElse(""));
    }
    return installedRclone;
  }

  private static Runtime.Version version(String text) {
    Matcher m = VERSION.matcher(text);
    if (!m.find()) {
      throw new IllegalStateException("no version in: " + text);
    }
    return Runtime.Version.parse(m.group(1));
  }

  /**
   * The container's env as the kubelet resolves it: values after Argo's substitution; the
   * {@code odm-workflow-s3-credentials} Secret holds the Workflow pods' keys, the watcher's
   * {@code odm-s3-credentials} is not theirs to read; any other Secret is read from
   * the API server (its name after Argo's substitution), and a missing Secret or key leaves the
   * variable out when the reference is {@code optional}, else the container does not start
   * (kubelet pkg/kubelet/kubelet_pods.go makeEnvironmentVariables: "couldn't find key ... in
   * Secret", CreateContainerConfigError); config map values as the overlays set them (only read
   * by rclone, which ignores the provider here).
   */
  @SuppressWarnings("unchecked")
  private static Map<String, String> environment(PodContext pod, KubernetesClient kubelet, String namespace,
      List<Map<String, Object>> env, Map<String, String> configMaps) {
    Map<String, String> values = new LinkedHashMap<>();
    for (Map<String, Object> e : env) {
      String name = (String) e.get("name");
      if (e.get("value") != null) {
        values.put(name, WorkflowTemplateFile.substitute(String.valueOf(e.get("value")), pod.variables()));
      } else if (e.get("valueFrom") instanceof Map<?, ?> from && from.get("secretKeyRef") instanceof Map<?, ?> ref) {
        // The watcher's keys (odm-s3-credentials) are not the Workflow pods' to read.
        if ("odm-s3-credentials".equals(ref.get("name"))) {
          throw new IllegalArgumentException("the watcher's Secret is not the Workflow pods': " + ref.get("name"));
        }
        if ("odm-workflow-s3-credentials".equals(ref.get("name"))) {
          values.put(name, "AWS_ACCESS_KEY_ID".equals(ref.get("key")) ? Principal.WORKFLOW.accessKey() : Principal.WORKFLOW.secretKey());
          continue;
        }
        String secretName = WorkflowTemplateFile.substitute(String.valueOf(ref.get("name")), pod.variables());
        io.fabric8.kubernetes.api.model.Secret secret = kubelet.secrets().inNamespace(namespace).withName(secretName).get();
        String key = String.valueOf(ref.get("key"));
        String value = secret == null ? null
            : secret.getData() != null && secret.getData().containsKey(key)
                ? new String(java.util.Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8)
                : secret.getStringData() == null ? null : secret.getStringData().get(key);
        if (value != null) {
          values.put(name, value);
        } else if (!Boolean.TRUE.equals(ref.get("optional"))) {
          throw new IllegalArgumentException("couldn't find key " + key + " in Secret " + namespace + "/" + secretName);
        }
      } else if (e.get("valueFrom") instanceof Map<?, ?> from && from.get("configMapKeyRef") instanceof Map<?, ?> ref) {
        if (configMaps == null) {
          values.put(name, "Other");
        } else if (configMaps.containsKey(ref.get("key"))) {
          values.put(name, configMaps.get(ref.get("key")));
        } else {
          // The kubelet does not start a container whose non-optional configMapKeyRef is missing.
          throw new IllegalArgumentException("config map key not in the test world: " + ref.get("name") + "/" + ref.get("key"));
        }
      }
    }
    return values;
  }

  /** An init container's own name; the template's container is Argo's {@code main}. */
  private static String containerName(Map<String, Object> container) {
    return container.get("name") == null ? "main" : String.valueOf(container.get("name"));
  }

  /** The workspace volume: {@code /data} inside the pod. */
  private Path local(PodContext pod, String path) {
    if (!path.startsWith("/data")) {
      throw new IllegalArgumentException("path outside the workspace volume: " + path);
    }
    return workspace(pod).resolve(path.substring("/data".length()).replaceFirst("^/", ""));
  }

  /**
   * The workspace volume of a pod: the directory of the PersistentVolumeClaim its Workflow's
   * {@code workspace} volume names ({@code {{workflow.parameters.workspace}}}). One directory per
   * claim, not per Workflow, as a claim is bound to one volume whatever pod mounts it: a resumed
   * run that mounts a kept claim sees the failed run's files. Kinder than a cluster: deleting the
   * claim leaves the directory (tests read a finished run's files).
   */
  private Path workspace(PodContext pod) {
    return claimDirectory(pod.variables().getOrDefault("workflow.parameters.workspace", pod.workflowName() + "-workspace"));
  }

  Path claimDirectory(String claim) {
    return workRoot.resolve("pvc").resolve(claim);
  }

  /**
   * A container's program run for real: argv and env after substitution, in an environment holding
   * only the container's env (and {@code PATH}, the image's), with the container's volume mounts
   * as the kubelet makes them: an argv element or env value that is a mount path or under one is
   * the same path in the volume's directory here ({@code workspace}: the Workflow's workspace;
   * other volumes, emptyDirs: a directory per pod). Its output goes to the pod log; a non-zero exit
   * is the container's exit code, as Argo reports it.
   */
  @SuppressWarnings("unchecked")
  private Outcome program(PodContext pod, Map<String, Object> container, List<String> argv, Map<String, String> env)
      throws IOException, InterruptedException {
    Map<String, Path> mounts = new LinkedHashMap<>();
    for (Map<String, Object> mount : (List<Map<String, Object>>) container.getOrDefault("volumeMounts", List.of())) {
      String volume = String.valueOf(mount.get("name"));
      Path dir = "workspace".equals(volume) ? workspace(pod)
          : workRoot.resolve("volumes").resolve(pod.nodeId()).resolve(volume);
      Files.createDirectories(dir);
      mounts.put(String.valueOf(mount.get("mountPath")), dir);
    }
    // The programs standing in for the image's own files are paths on this machine, never in a
    // volume (a checkout under /tmp must not have its jar taken for the pod's /tmp emptyDir).
    Set<String> hostPaths = Set.of(programs.rclone().toString(), programs.watcherJar().toString(),
        Path.of(System.getProperty("java.home"), "bin", "java").toString());
    ProcessBuilder builder = new ProcessBuilder(argv.stream().map(a -> hostPaths.contains(a) ? a : mounted(a, mounts)).toList())
        .redirectErrorStream(true);
    builder.environment().clear();
    builder.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    // the ODM step names its image through a parameter (ODM's or its GPU image)
    String image = WorkflowTemplateFile.substitute(String.valueOf(container.get("image")), pod.variables()).replaceFirst(":[^:/]*$", "");
    builder.environment().putAll(programs.imageEnv().getOrDefault(image, Map.of()));
    env.forEach((k, v) -> builder.environment().put(k, mounted(v, mounts)));
    Path podLog = workRoot.resolve(pod.nodeId() + ".log");
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(podLog.toFile()));
    Process process = builder.start();
    try {
      int code = process.waitFor(); // an interrupt = the pod is terminated: SIGTERM below
      pod.log().append(Files.readString(podLog, StandardCharsets.UTF_8));
      return code == 0 ? Outcome.SUCCEEDED : Outcome.exitCode(containerName(container), code);
    } finally {
      if (process.isAlive()) {
        process.destroy();
        process.waitFor();
      }
    }
  }

  private static String mounted(String value, Map<String, Path> mounts) {
    for (var mount : mounts.entrySet()) {
      if (value.equals(mount.getKey()) || value.startsWith(mount.getKey() + "/")) {
        return mount.getValue() + value.substring(mount.getKey().length());
      }
    }
    return value;
  }

  /** What a pod of a Workflow wrote to its log (its containers' output), empty if none ran yet. */
  String podLog(String nodeId) throws IOException {
    Path podLog = workRoot.resolve(nodeId + ".log");
    return Files.exists(podLog) ? Files.readString(podLog, StandardCharsets.UTF_8) : "";
  }

  /**
   * {@code rclone copy SRC DST [flags]} between the workspace and {@code s3:bucket/prefix}: lists
   * the source (an S3 source with delimiter "/" under {@code --max-depth 1}, as rclone's S3 backend
   * lists one directory level), applies the filter ({@link RcloneFilter}), lists the destination
   * and copies what is missing or differs in size (rclone's default size+modtime check, size only
   * here). Credentials from {@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY} ({@code
   * env_auth}), endpoint and addressing from {@code RCLONE_CONFIG_S3_*}.
   */
  private Outcome rclone(PodContext pod, List<String> args, Map<String, String> env) throws IOException {
    if (!"copy".equals(args.get(0))) {
      throw new IllegalArgumentException("rclone command not emulated: " + args.get(0));
    }
    String source = args.get(1);
    String destination = args.get(2);
    List<String> includes = new ArrayList<>();
    List<String> filterFrom = new ArrayList<>();
    Integer maxDepth = null;
    boolean ignoreCase = false;
    for (int i = 3; i < args.size(); i++) {
      switch (args.get(i)) {
        case "--include" -> includes.add(args.get(++i));
        case "--filter-from" -> filterFrom.add(args.get(++i));
        case "--max-depth" -> maxDepth = Integer.parseInt(args.get(++i));
        case "--ignore-case" -> ignoreCase = true;
        case "--transfers", "--checkers", "--retries", "--low-level-retries", "--stats" -> i++;
        case "--stats-one-line" -> { }
        default -> throw new IllegalArgumentException("rclone flag not emulated: " + args.get(i));
      }
    }
    final Integer depth = maxDepth;
    RcloneFilter filter = RcloneFilter.include(includes, ignoreCase);
    // rclone fs/filter/filter.go NewFilter: each --filter-from file's rules in the order the flags
    // were given, appended to one list (first match wins); a missing file is an error.
    for (String file : filterFrom) {
      for (String line : Files.readAllLines(local(pod, file))) {
        filter.addFilterLine(line, ignoreCase);
      }
    }
    try (S3Client s3 = s3(env)) {
      if (source.startsWith("s3:")) {
        String[] bucketAndPrefix = source.substring(3).split("/", 2);
        String bucket = bucketAndPrefix[0];
        String prefix = bucketAndPrefix.length > 1 ? bucketAndPrefix[1] : "";
        Path target = local(pod, destination);
        var listing = s3.listObjectsV2Paginator(b -> {
          b.bucket(bucket).prefix(prefix);
          if (depth != null && depth == 1) {
            b.delimiter("/");
          }
        });
        for (S3Object object : listing.contents()) {
          String relative = object.key().substring(prefix.length());
          if (relative.isEmpty() || (maxDepth != null && relative.split("/").length > maxDepth) || !filter.includes(relative)) {
            continue;
          }
          Path file = target.resolve(relative);
          if (Files.isRegularFile(file) && Files.size(file) == object.size()) {
            continue; // rclone copy skips what the destination has already (size check; see above)
          }
          Files.createDirectories(file.getParent());
          try (InputStream in = s3.getObject(b -> b.bucket(bucket).key(object.key()))) {
            Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
          }
        }
      } else if (destination.startsWith("s3:")) {
        String[] bucketAndPrefix = destination.substring(3).split("/", 2);
        String bucket = bucketAndPrefix[0];
        String prefix = bucketAndPrefix.length > 1 ? bucketAndPrefix[1] : "";
        Path root = local(pod, source);
        Map<String, Long> existing = new LinkedHashMap<>();
        s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()
            .forEach(o -> existing.put(o.key(), o.size()));
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
          files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path file : files) {
          String relative = root.relativize(file).toString().replace('\\', '/');
          if (!filter.includes(relative)) {
            continue;
          }
          String key = prefix + relative;
          if (existing.containsKey(key) && existing.get(key) == Files.size(file)) {
            continue;
          }
          s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(file));
        }
      } else {
        throw new IllegalArgumentException("rclone copy between two local paths not emulated");
      }
    }
    return Outcome.SUCCEEDED;
  }

  private static S3Client s3(Map<String, String> env) {
    String endpoint = env.getOrDefault("RCLONE_CONFIG_S3_ENDPOINT", "");
    if (endpoint.isEmpty()) {
      throw new IllegalArgumentException("no S3 endpoint: the test world has no AWS");
    }
    return S3Client.builder()
        .endpointOverride(URI.create(endpoint))
        .region(Region.of(env.getOrDefault("RCLONE_CONFIG_S3_REGION", "us-east-1")))
        .forcePathStyle(Boolean.parseBoolean(env.getOrDefault("RCLONE_CONFIG_S3_FORCE_PATH_STYLE", "false")))
        .credentialsProvider(StaticCredentialsProvider.create(
            AwsBasicCredentials.create(env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY"))))
        .httpClient(ApacheHttpClient.create())
        .build();
  }

  /**
   * The {@code process} step: the template's own Python program, run by {@code python3 -c} with
   * its argv as Argo renders it. Its roots become the workspace ({@code ODM_DATA_ROOT}) and the
   * stand-in ODM ({@code ODM_CODE_ROOT}, src/test/resources/argo/odm/run.py). Terminating the pod
   * sends SIGTERM, which the program forwards to ODM.
   */
  private Outcome python(PodContext pod, String container, String program, List<String> args, Map<String, String> env)
      throws IOException, InterruptedException {
    List<String> argv = new ArrayList<>(List.of("python3", "-c", program));
    argv.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true);
    builder.environment().putAll(env); // the container's env, as the kubelet sets it
    builder.environment().put("ODM_DATA_ROOT", local(pod, "/data").toString());
    builder.environment().put("ODM_CODE_ROOT", standInOdm.toString());
    if (pod.odmExitCode() != 0) {
      builder.environment().put("ODM_STANDIN_EXIT", Integer.toString(pod.odmExitCode()));
    }
    // workflowpod.go (pod builder): every container gets ARGO_PROGRESS_FILE (common.ArgoProgressPath
    // in the pod); here a file per pod.
    Path progressFile = progressFile(pod.workflowName(), pod.nodeId());
    Files.createDirectories(progressFile.getParent());
    builder.environment().put("ARGO_PROGRESS_FILE", progressFile.toString());
    builder.environment().put("ODM_STANDIN_RASTERS", StandInRasters.dir().toString());
    pod.standIn().forEach(builder.environment()::put);
    Files.createDirectories(local(pod, "/data"));
    // The container runtime keeps the container's output as a CRI log file, which the kubelet
    // serves as the pod's log (pods/log through the API server: the Kubernetes mock, PodLogs).
    // Also the plain text, as the other containers' output (podLog).
    Path criLog = workRoot.resolve(pod.nodeId() + ".cri.log");
    Path podLog = workRoot.resolve(pod.nodeId() + ".log");
    Files.deleteIfExists(criLog);
    podLogs.register(namespace, pod.podName(), container, criLog);
    Process process = builder.start();
    Thread runtime = new Thread(() -> keepLog(process, criLog, podLog, pod.log()), "test-argo-container-log");
    runtime.setDaemon(true);
    runtime.start();
    try {
      ProgressMonitor monitor = new ProgressMonitor(pod, progressFile);
      while (!process.waitFor(PROGRESS_READ_TICK.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        monitor.tick();
      }
      int code = process.exitValue(); // an interrupt above = the pod is terminated: SIGTERM below
      runtime.join();
      return code == 0 ? Outcome.SUCCEEDED : Outcome.exitCode(container, code);
    } finally {
      if (process.isAlive()) {
        process.destroy();
        process.waitFor();
      }
    }
  }

  /**
   * Copies the container's output, line by line as it comes, into its CRI log file, the pod's
   * plain-text log and {@code text}.
   */
  private static void keepLog(Process process, Path criFile, Path plainFile, StringBuilder text) {
    try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        var log = Files.newBufferedWriter(criFile, StandardCharsets.UTF_8);
        var plain = Files.newBufferedWriter(plainFile, StandardCharsets.UTF_8,
            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND)) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        log.write(org.odmwatcher.testing.PodLogs.criLine(java.time.Instant.now(), line));
        log.flush();
        plain.write(line + "\n");
        plain.flush();
        synchronized (text) {
          text.append(line).append('\n');
        }
      }
    } catch (IOException e) {
      // the pod was terminated: its output ends here
    }
  }

  /**
   * How often the progress file is read. Argo's executor reads it when inotify says it changed
   * (workflow/executor/executor.go monitorProgress, file.WatchFile); a short poll here.
   */
  static final java.time.Duration PROGRESS_READ_TICK = java.time.Duration.ofMillis(50);

  /**
   * How often a changed progress is reported: Argo's ARGO_PROGRESS_PATCH_TICK_DURATION (1 m by
   * default, workflow/controller/controller.go; set on every pod by workflowpod.go), shortened for
   * the tests.
   */
  static final java.time.Duration PROGRESS_PATCH_TICK = java.time.Duration.ofMillis(200);

  /** The progress file of a pod (what {@code ARGO_PROGRESS_FILE} names in it). */
  Path progressFile(String workflowName, String nodeId) {
    return workRoot.resolve("progress").resolve(workflowName).resolve(nodeId);
  }

  /**
   * Argo's executor (workflow/executor/executor.go monitorProgress): on a change of the progress
   * file its last non-empty line, when it differs from the last one seen and parses as {@code N/M}
   * (pkg/apis/workflow/v1alpha1/progress.go ParseProgress: 0 <= N <= M, M > 0), becomes the
   * pending progress; every patch tick a pending progress is reported in the pod's
   * WorkflowTaskResult ({@code reportResult}, a merge patch of {@code progress}) and cleared once
   * reported. The monitor stops with the main container (its context), so a progress written
   * after the last tick is not reported, as with Argo.
   */
  private final class ProgressMonitor {
    private final PodContext pod;
    private final Path file;
    private String lastLine = "";
    private String pending = "";
    private long nextPatch = System.nanoTime() + PROGRESS_PATCH_TICK.toNanos();

    ProgressMonitor(PodContext pod, Path file) {
      this.pod = pod;
      this.file = file;
    }

    void tick() throws IOException {
      if (Files.exists(file)) {
        String[] lines = Files.readString(file, StandardCharsets.UTF_8).strip().split("\n");
        String mostRecent = lines[lines.length - 1].strip();
        if (!mostRecent.isEmpty() && !mostRecent.equals(lastLine)) {
          lastLine = mostRecent;
          if (TestArgo.validProgress(mostRecent)) {
            pending = mostRecent;
          }
        }
      }
      if (System.nanoTime() >= nextPatch) {
        nextPatch = System.nanoTime() + PROGRESS_PATCH_TICK.toNanos();
        if (!pending.isEmpty()) {
          upsertTaskResult(pod, Map.of("progress", pending));
          pending = "";
        }
      }
    }
  }

  private void upsertTaskResult(PodContext pod, Map<String, Object> fields) {
    var results = workflowKubernetes.genericKubernetesResources(TASK_RESULTS).inNamespace(namespace);
    try {
      results.resource(newTaskResult(pod)).patch(PatchContext.of(PatchType.JSON_MERGE), JSON.writeValueAsString(fields));
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
      GenericKubernetesResource result = newTaskResult(pod);
      fields.forEach(result::setAdditionalProperty);
      results.resource(result).create();
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What a pod knows: its node, its Workflow, the variables Argo substitutes, the stand-in ODM's knobs. */
  record PodContext(
      String workflowName, String workflowUid, String nodeId, String podName, Map<String, String> variables,
      int odmExitCode, Map<String, String> standIn, StringBuilder log) {}

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
