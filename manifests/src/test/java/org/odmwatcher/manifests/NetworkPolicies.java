package org.odmwatcher.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;

/**
 * Whether the NetworkPolicies of a rendered overlay let a connection through, as the Kubernetes
 * documentation defines it ("Network Policies", kubernetes.io/docs/concepts/services-networking/
 * network-policies): a pod is isolated for a direction once a policy in its namespace selects it
 * and lists that direction in {@code policyTypes} (absent: Ingress, plus Egress when the policy has
 * egress rules); an isolated pod allows what any rule of those policies allows (they add up); a
 * connection needs both the source's egress and the destination's ingress. A rule without
 * {@code from}/{@code to} matches every peer, without {@code ports} every port; a peer is a
 * {@code podSelector} (the policy's namespace), a {@code namespaceSelector} (all pods there), both
 * (those pods in those namespaces), or an {@code ipBlock}, which is for addresses outside the
 * cluster (pod addresses are ephemeral), so here it matches only an {@link Endpoint#external}. A
 * port is a number or a name of the destination's container ports, with {@code endPort}; the
 * protocol defaults to TCP. The node's own traffic to its pods (kubelet probes) is always allowed
 * and not modelled. What a CNI does with it is the CNI's: this checks the policies' meaning.
 */
final class NetworkPolicies {
  /** One end of a connection: a pod (namespace, its labels, the namespace's labels) or an address outside. */
  record Endpoint(String name, String namespace, Map<String, String> namespaceLabels, Map<String, String> labels,
      Map<String, Integer> namedPorts, String ip) {
    static Endpoint pod(String name, String namespace, Map<String, String> labels) {
      return new Endpoint(name, namespace, Map.of("kubernetes.io/metadata.name", namespace), labels, Map.of(), null);
    }

    static Endpoint external(String ip) {
      return new Endpoint(ip, null, Map.of(), Map.of(), Map.of(), ip);
    }

    Endpoint withNamedPorts(Map<String, Integer> ports) {
      return new Endpoint(name, namespace, namespaceLabels, labels, ports, ip);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  private final List<JsonNode> policies;

  NetworkPolicies(List<ManifestDocument> docs) {
    this.policies = docs.stream().filter(d -> d.kind().equals("NetworkPolicy")).map(ManifestDocument::node).toList();
  }

  /** Whether {@code from} may open a connection to {@code to} on {@code port}/{@code protocol}. */
  boolean allows(Endpoint from, Endpoint to, int port, String protocol) {
    return direction(from, "Egress", "egress", "to", to, port, protocol)
        && direction(to, "Ingress", "ingress", "from", from, port, protocol);
  }

  boolean allows(Endpoint from, Endpoint to, int port) {
    return allows(from, to, port, "TCP");
  }

  private boolean direction(Endpoint subject, String type, String rulesKey, String peersKey, Endpoint peer, int port,
      String protocol) {
    if (subject.ip() != null) {
      return true; // outside the cluster: no NetworkPolicy applies there
    }
    boolean isolated = false;
    for (JsonNode policy : policies) {
      String namespace = policy.path("metadata").path("namespace").asText();
      if (!namespace.equals(subject.namespace()) || !selects(policy.path("spec").path("podSelector"), subject.labels())
          || !types(policy.path("spec")).contains(type)) {
        continue;
      }
      isolated = true;
      for (JsonNode rule : policy.path("spec").path(rulesKey)) {
        if (peerMatches(rule.path(peersKey), namespace, peer) && portMatches(rule.path("ports"), rulesKey.equals("ingress") ? subject : peer, port, protocol)) {
          return true;
        }
      }
    }
    return !isolated;
  }

  private static List<String> types(JsonNode spec) {
    if (spec.has("policyTypes")) {
      return IamPolicy.strings(spec.path("policyTypes"));
    }
    return spec.has("egress") ? List.of("Ingress", "Egress") : List.of("Ingress");
  }

  private static boolean peerMatches(JsonNode peers, String policyNamespace, Endpoint peer) {
    if (peers.isMissingNode() || peers.isEmpty()) {
      return true;
    }
    for (JsonNode p : peers) {
      if (p.has("ipBlock")) {
        if (peer.ip() != null && inBlock(p.path("ipBlock"), peer.ip())) {
          return true;
        }
        continue;
      }
      if (peer.ip() != null) {
        continue;
      }
      boolean namespaceOk = p.has("namespaceSelector")
          ? selects(p.path("namespaceSelector"), peer.namespaceLabels())
          : policyNamespace.equals(peer.namespace());
      boolean podOk = !p.has("podSelector") || selects(p.path("podSelector"), peer.labels());
      if (namespaceOk && podOk) {
        return true;
      }
    }
    return false;
  }

  private static boolean portMatches(JsonNode ports, Endpoint destination, int port, String protocol) {
    if (ports.isMissingNode() || ports.isEmpty()) {
      return true;
    }
    for (JsonNode p : ports) {
      if (!p.path("protocol").asText("TCP").equals(protocol)) {
        continue;
      }
      if (!p.has("port")) {
        return true;
      }
      int first = p.path("port").isInt() ? p.path("port").asInt()
          : destination.namedPorts().getOrDefault(p.path("port").asText(), -1);
      int last = p.has("endPort") ? p.path("endPort").asInt() : first;
      if (port >= first && port <= last) {
        return true;
      }
    }
    return false;
  }

  /** A label selector: every matchLabels pair and every matchExpressions requirement. */
  static boolean selects(JsonNode selector, Map<String, String> labels) {
    var fields = selector.path("matchLabels").fields();
    while (fields.hasNext()) {
      var e = fields.next();
      if (!e.getValue().asText().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    for (JsonNode r : selector.path("matchExpressions")) {
      String value = labels.get(r.path("key").asText());
      List<String> values = IamPolicy.strings(r.path("values"));
      boolean ok = switch (r.path("operator").asText()) {
        case "In" -> value != null && values.contains(value);
        case "NotIn" -> value == null || !values.contains(value);
        case "Exists" -> value != null;
        case "DoesNotExist" -> value == null;
        default -> throw new AssertionError("unknown selector operator in " + r);
      };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static boolean inBlock(JsonNode block, String ip) {
    if (!inCidr(block.path("cidr").asText(), ip)) {
      return false;
    }
    for (JsonNode except : block.path("except")) {
      if (inCidr(except.asText(), ip)) {
        return false;
      }
    }
    return true;
  }

  static boolean inCidr(String cidr, String ip) {
    try {
      String[] parts = cidr.split("/");
      byte[] network = InetAddress.getByName(parts[0]).getAddress();
      byte[] address = InetAddress.getByName(ip).getAddress();
      if (network.length != address.length) {
        return false;
      }
      int bits = Integer.parseInt(parts[1]);
      int width = network.length * 8;
      BigInteger mask = bits == 0 ? BigInteger.ZERO
          : BigInteger.ONE.shiftLeft(width).subtract(BigInteger.ONE).shiftRight(width - bits).shiftLeft(width - bits);
      return new BigInteger(1, network).and(mask).equals(new BigInteger(1, address).and(mask));
    } catch (UnknownHostException e) {
      throw new AssertionError("not an address: " + cidr + " / " + ip, e);
    }
  }
}
