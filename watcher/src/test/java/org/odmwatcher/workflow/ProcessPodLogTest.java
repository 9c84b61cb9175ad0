package org.odmwatcher.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pod the console is read from, named as Argo names it (workflow/util/pod_name.go GeneratePodName). */
class ProcessPodLogTest {
  private static Map<String, Object> node(String id, String name, String displayName, String type) {
    Map<String, Object> n = new LinkedHashMap<>();
    n.put("id", id);
    n.put("name", name);
    n.put("displayName", displayName);
    n.put("type", type);
    n.put("templateName", "process");
    return n;
  }

  private static GenericKubernetesResource workflow(String name, Map<String, String> annotations) {
    GenericKubernetesResource wf = new GenericKubernetesResource();
    wf.setMetadata(new ObjectMetaBuilder().withName(name).withAnnotations(annotations).build());
    Map<String, Object> nodes = new LinkedHashMap<>();
    nodes.put("r", node("r", name + ".process", "process", "Retry"));
    nodes.put("a", node(name + "-1111", name + ".process(0)", "process(0)", "Pod"));
    nodes.put("b", node(name + "-2222", name + ".process(1)", "process(1)", "Pod"));
    nodes.put("d", node(name + "-3333", name + ".download(0)", "download(0)", "Pod"));
    wf.setAdditionalProperty("status", Map.of("nodes", nodes));
    return wf;
  }

  @Test
  void theNewestProcessAttemptsPodIsNamedWorkflowTemplateAndTheFnvHashOfItsNodeName() {
    // v2 (the default): <workflow>-<template>-<FNV-32a("odm-abc.process(1)")>
    assertThat(ProcessPodLog.processPod(workflow("odm-abc", Map.of())))
        .contains("odm-abc-process-" + Integer.toUnsignedString(fnv("odm-abc.process(1)")));
    // v1, chosen by Argo's annotation: the node id
    assertThat(ProcessPodLog.processPod(workflow("odm-abc", Map.of(ProcessPodLog.POD_NAME_FORMAT, "v1"))))
        .contains("odm-abc-2222");
  }

  @Test
  void aWorkflowWithoutAProcessPodHasNoConsoleYet() {
    GenericKubernetesResource wf = new GenericKubernetesResource();
    wf.setMetadata(new ObjectMetaBuilder().withName("odm-x").build());
    assertThat(ProcessPodLog.processPod(wf)).isEmpty();
  }

  @Test
  void aLongWorkflowNameIsCutAsArgoCutsThePodNamePrefix() {
    String name = "w".repeat(250);
    String pod = ProcessPodLog.processPod(workflow(name, Map.of())).orElseThrow();
    // ensurePodNamePrefixLength: the prefix keeps 253 - 10 - 1 = 242 characters
    assertThat(pod).startsWith("w".repeat(242) + "-").doesNotStartWith("w".repeat(243));
  }

  /** Go's hash/fnv New32a, written out here from its definition (offset basis, prime). */
  private static int fnv(String text) {
    int hash = 0x811c9dc5;
    for (byte b : text.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      hash = (hash ^ (b & 0xff)) * 0x01000193;
    }
    return hash;
  }
}
