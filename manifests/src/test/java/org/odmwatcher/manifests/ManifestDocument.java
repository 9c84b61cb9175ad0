package org.odmwatcher.manifests;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One YAML document of a manifest: where it came from (file and index, or rendered overlay) and
 * its content.
 */
record ManifestDocument(String origin, JsonNode node) {

  String apiVersion() {
    return node.path("apiVersion").asText("");
  }

  String kind() {
    return node.path("kind").asText("");
  }

  String name() {
    return node.path("metadata").path("name").asText("");
  }

  String group() {
    String apiVersion = apiVersion();
    int slash = apiVersion.indexOf('/');
    return slash < 0 ? "" : apiVersion.substring(0, slash);
  }

  boolean isArgo() {
    return group().equals("argoproj.io");
  }

  boolean isKeda() {
    return group().equals("keda.sh");
  }

  /** Kubernetes' own kinds, which fabric8's typed model knows. */
  boolean isKubernetesCore() {
    return !isArgo() && !isKeda() && !kind().isEmpty() && !kind().equals("Kustomization");
  }

  @Override
  public String toString() {
    return kind() + "/" + name() + " (" + origin + ")";
  }
}
