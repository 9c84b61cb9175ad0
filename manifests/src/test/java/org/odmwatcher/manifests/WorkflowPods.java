package org.odmwatcher.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The pods Argo makes of the {@code odm-process} WorkflowTemplate's steps in a rendered overlay, and
 * what each container of them holds, as the cluster would decide it:
 *
 * <ul>
 *   <li>the pod's service account is the template's {@code serviceAccountName}, else the Workflow's
 *       (argo-workflows workflow/controller/workflowpod.go {@code setupServiceAccount});
 *   <li>its labels and annotations are the Workflow's {@code podMetadata} plus the template's
 *       {@code metadata} (workflowpod.go {@code createWorkflowPod}: {@code podMetadata} first, the
 *       template's metadata over it);
 *   <li>its containers are Argo's {@code init} and {@code wait} (the emissary executor), the
 *       template's {@code initContainers} by their names, and {@code main};
 *   <li>on EKS, the pod identity webhook gives the service account's role to every container, init
 *       containers included, when the pod's service account carries {@code
 *       eks.amazonaws.com/role-arn}, except the containers the pod's annotation {@code
 *       eks.amazonaws.com/skip-containers} names (a comma-separated list; an unparsable one skips
 *       none): aws/amazon-eks-pod-identity-webhook pkg/handler/handler.go, {@code MutatePod} (no
 *       role on the service account: no mutation), {@code getContainersToSkip}, {@code
 *       getPodSpecPatch};
 *   <li>static keys reach a container only through its {@code env} {@code secretKeyRef} or {@code
 *       envFrom} {@code secretRef} to one of the Secrets {@link #S3_SECRETS}.
 * </ul>
 */
final class WorkflowPods {
  /** The watcher's static S3 keys (watcher-deployment.yaml), for stores without pod identity. */
  static final String WATCHER_S3_SECRET = "odm-s3-credentials";
  /** The Workflow pods' own static S3 keys (the template's transfer steps). */
  static final String WORKFLOW_S3_SECRET = "odm-workflow-s3-credentials";
  static final Set<String> S3_SECRETS = Set.of(WATCHER_S3_SECRET, WORKFLOW_S3_SECRET);
  static final String ROLE_ANNOTATION = "eks.amazonaws.com/role-arn";
  static final String SKIP_ANNOTATION = "eks.amazonaws.com/skip-containers";

  /** One step's pod. */
  record Pod(String template, String serviceAccount, Map<String, String> labels, Map<String, String> annotations,
      Map<String, JsonNode> containers) {
    @Override
    public String toString() {
      return "pod of template " + template;
    }
  }

  private WorkflowPods() {}

  /** Every pod template (container or resource) of {@code odm-process} in {@code overlay}'s render. */
  static List<Pod> of(String overlay) {
    List<ManifestDocument> docs = Manifests.rendered(overlay);
    JsonNode spec = Manifests.find(docs, "WorkflowTemplate", "odm-process").node().path("spec");
    List<Pod> pods = new ArrayList<>();
    for (JsonNode template : spec.path("templates")) {
      if (!template.has("container") && !template.has("resource") && !template.has("script")) {
        continue;
      }
      String sa = template.path("serviceAccountName").asText(spec.path("serviceAccountName").asText("default"));
      Map<String, String> labels = strings(spec.path("podMetadata").path("labels"));
      labels.putAll(strings(template.path("metadata").path("labels")));
      Map<String, String> annotations = strings(spec.path("podMetadata").path("annotations"));
      annotations.putAll(strings(template.path("metadata").path("annotations")));
      Map<String, JsonNode> containers = new LinkedHashMap<>();
      containers.put("init", Manifests.YAML.createObjectNode().put("name", "init"));
      for (JsonNode init : template.path("initContainers")) {
        containers.put(init.path("name").asText(), init);
      }
      containers.put("wait", Manifests.YAML.createObjectNode().put("name", "wait"));
      containers.put("main", template.has("container") ? template.path("container") : Manifests.YAML.createObjectNode());
      pods.add(new Pod(template.path("name").asText(), sa, labels, annotations, containers));
    }
    return pods;
  }

  /**
   * "template/container" of every container that holds S3 credentials in {@code overlay}: the
   * webhook's role (the pod's service account annotated with one) or the static keys' Secret.
   */
  static Set<String> holdingS3Credentials(String overlay) {
    List<ManifestDocument> docs = Manifests.rendered(overlay);
    Set<String> holders = new TreeSet<>();
    for (Pod pod : of(overlay)) {
      boolean role = docs.stream().anyMatch(d -> d.kind().equals("ServiceAccount") && d.name().equals(pod.serviceAccount())
          && !d.node().path("metadata").path("annotations").path(ROLE_ANNOTATION).asText().isEmpty());
      Set<String> skipped = skippedContainers(pod.annotations().get(SKIP_ANNOTATION));
      pod.containers().forEach((name, container) -> {
        if ((role && !skipped.contains(name)) || readsS3Secret(container)) {
          holders.add(pod.template() + "/" + name);
        }
      });
    }
    return holders;
  }

  /** The webhook's reading of the annotation: one CSV record (encoding/csv Reader.Read), names as they are. */
  static Set<String> skippedContainers(String annotation) {
    Set<String> names = new TreeSet<>();
    if (annotation != null && !annotation.contains("\"") && !annotation.contains("\n")) {
      names.addAll(List.of(annotation.split(",", -1)));
    }
    return names;
  }

  static boolean readsS3Secret(JsonNode container) {
    for (JsonNode env : container.path("env")) {
      if (S3_SECRETS.contains(env.path("valueFrom").path("secretKeyRef").path("name").asText())) {
        return true;
      }
    }
    for (JsonNode from : container.path("envFrom")) {
      if (S3_SECRETS.contains(from.path("secretRef").path("name").asText())) {
        return true;
      }
    }
    return false;
  }

  private static Map<String, String> strings(JsonNode object) {
    Map<String, String> out = new LinkedHashMap<>();
    object.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }
}
