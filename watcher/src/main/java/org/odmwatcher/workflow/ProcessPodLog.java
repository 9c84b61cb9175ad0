package org.odmwatcher.workflow;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.status.JobStatus;

/**
 * ODM's console while its job runs: the log of the Workflow's {@code process} pod, read through
 * the Kubernetes API ({@code pods/log}, RBAC verb {@code get} on {@code pods/log}). The {@code
 * process} program copies ODM's output to its stdout line by line, so the pod's log is ODM's
 * console (the same lines it writes to {@code odm.log}, uploaded as {@code results/odm.log} once
 * the job ends). Whole logs are kept for {@link org.odmwatcher.config.ArgoConfig#logCache()} so
 * that clients polling the NodeODM API's task output do not each read the pod's log again.
 */
public final class ProcessPodLog implements JobConsole {
  /** The container Argo names a template's container (workflow/common/common.go MainContainerName). */
  static final String MAIN = "main";
  /** Argo's annotation that picks the pod name format (workflow/common/common.go AnnotationKeyPodNameVersion). */
  static final String POD_NAME_FORMAT = "workflows.argoproj.io/pod-name-format";
  private static final Pattern ATTEMPT = Pattern.compile("\\((\\d+)\\)$");
  private static final int MAX_POD_NAME_PREFIX = 253 - 10;

  private final KubernetesClient kubernetes;
  private final String namespace;
  private final Cache<String, List<String>> whole;

  public ProcessPodLog(KubernetesClient kubernetes, String namespace, Duration cacheFor) {
    this.kubernetes = kubernetes;
    this.namespace = namespace;
    this.whole = Caffeine.newBuilder()
        .expireAfterWrite(cacheFor)
        .maximumWeight(64L << 20)
        .<String, List<String>>weigher((k, lines) -> lines.stream().mapToInt(l -> l.length() + 16).sum())
        .build();
  }

  /** The console of an Argo job's Workflow ({@link #lines(String)}); empty for another engine's job. */
  @Override
  public Optional<List<String>> lines(JobStatus status) throws TransientFailureException {
    return "argo".equals(status.engine()) && status.workflow() != null ? lines(status.workflow().name()) : Optional.empty();
  }

  /**
   * The whole console of Workflow {@code workflowName}'s newest {@code process} pod; empty when
   * the Workflow or the pod is gone or has not started.
   */
  public Optional<List<String>> lines(String workflowName) throws TransientFailureException {
    List<String> cached = whole.getIfPresent(workflowName);
    if (cached != null) {
      return Optional.of(cached);
    }
    GenericKubernetesResource wf = read(workflowName);
    Optional<List<String>> lines = wf == null ? Optional.empty() : log(wf, null);
    lines.ifPresent(l -> whole.put(workflowName, l));
    return lines;
  }

  /** The last {@code count} lines of the newest {@code process} pod of {@code wf}, if it has one. */
  public Optional<List<String>> tail(GenericKubernetesResource wf, int count) throws TransientFailureException {
    return log(wf, count);
  }

  private GenericKubernetesResource read(String workflowName) throws TransientFailureException {
    try {
      return kubernetes.genericKubernetesResources(ArgoWorkflowSubmitter.WORKFLOWS)
          .inNamespace(namespace).withName(workflowName).get();
    } catch (KubernetesClientException e) {
      throw new TransientFailureException("cannot read Workflow " + workflowName + ": " + e.getMessage(), e);
    }
  }

  private Optional<List<String>> log(GenericKubernetesResource wf, Integer tailLines) throws TransientFailureException {
    Optional<String> pod = processPod(wf);
    if (pod.isEmpty()) {
      return Optional.empty();
    }
    // One GET of the pods/log subresource. fabric8's pods().withName(p).getLog() would first list
    // the pod (waiting for it to be ready), a call and an RBAC verb (list pods) this does not need.
    String url = io.fabric8.kubernetes.client.utils.URLUtils.join(kubernetes.getMasterUrl().toString(),
        "api/v1/namespaces/" + encode(namespace) + "/pods/" + encode(pod.get()) + "/log")
        + "?container=" + MAIN + (tailLines == null ? "" : "&tailLines=" + tailLines);
    String text;
    try {
      text = kubernetes.raw(url);
    } catch (KubernetesClientException e) {
      if (e.getCode() == 400) {
        return Optional.empty(); // not started yet ("waiting to start: ContainerCreating")
      }
      throw new TransientFailureException("cannot read the log of pod " + pod.get() + ": " + e.getMessage(), e);
    }
    if (text == null) {
      return Optional.empty(); // 404: gone (the pod GC deleted it), or not created yet
    }
    List<String> lines = Arrays.asList(text.split("\r?\n", -1));
    if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
      lines = lines.subList(0, lines.size() - 1);
    }
    return Optional.of(List.copyOf(lines));
  }

  /**
   * The pod of the newest {@code process} attempt ({@code process(N)}, the Pod children of the
   * step's Retry node), named as Argo names it: argo-workflows workflow/util/pod_name.go
   * GeneratePodName — v2 (the default): {@code <workflow>-<template>-<FNV-32a of the node name>},
   * the prefix cut to 253 - 10 - 1 characters (ensurePodNamePrefixLength); v1: the node id.
   */
  @SuppressWarnings("unchecked")
  static Optional<String> processPod(GenericKubernetesResource wf) {
    if (!(wf.getAdditionalProperties().get("status") instanceof Map<?, ?> status)
        || !(status.get("nodes") instanceof Map<?, ?> nodes)) {
      return Optional.empty();
    }
    Map<String, Object> newest = null;
    int newestAttempt = -1;
    for (Object value : nodes.values()) {
      if (value instanceof Map<?, ?> n && "Pod".equals(n.get("type")) && n.get("displayName") != null) {
        String name = n.get("displayName").toString();
        Matcher attempt = ATTEMPT.matcher(name);
        int number = attempt.find() ? Integer.parseInt(attempt.group(1)) : 0;
        if (ATTEMPT.matcher(name).replaceFirst("").equals("process") && number > newestAttempt) {
          newestAttempt = number;
          newest = (Map<String, Object>) n;
        }
      }
    }
    if (newest == null) {
      return Optional.empty();
    }
    String workflowName = wf.getMetadata().getName();
    Map<String, String> annotations = wf.getMetadata().getAnnotations() == null ? Map.of() : wf.getMetadata().getAnnotations();
    if ("v1".equals(annotations.get(POD_NAME_FORMAT))) {
      return Optional.of(String.valueOf(newest.get("id")));
    }
    String nodeName = String.valueOf(newest.get("name"));
    String template = newest.get("templateName") == null ? "" : String.valueOf(newest.get("templateName"));
    String prefix = template.isEmpty() ? workflowName : workflowName + "-" + template;
    if (prefix.length() > MAX_POD_NAME_PREFIX - 1) {
      prefix = prefix.substring(0, MAX_POD_NAME_PREFIX - 1);
    }
    return Optional.of(prefix + "-" + fnv32a(nodeName));
  }

  private static String encode(String segment) {
    return java.net.URLEncoder.encode(segment, java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Go's hash/fnv New32a over the UTF-8 bytes, printed as an unsigned decimal. */
  private static String fnv32a(String text) {
    int hash = 0x811c9dc5;
    for (byte b : text.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      hash ^= (b & 0xff);
      hash *= 0x01000193;
    }
    return Integer.toUnsignedString(hash);
  }
}
