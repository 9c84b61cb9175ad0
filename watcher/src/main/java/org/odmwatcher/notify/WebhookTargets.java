package org.odmwatcher.notify;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which URLs a task's webhook may call. The watcher POSTs from inside the cluster, so a webhook
 * must not become a way to reach what only the cluster can reach (blind SSRF): the URL must be
 * http or https, and every address its host resolves to must be public — not loopback, link-local
 * (169.254.0.0/16 with the cloud metadata service, fe80::/10), private (10/8, 172.16/12,
 * 192.168/16, fc00::/7), carrier-grade NAT (100.64/10), unspecified or multicast — unless it lies in
 * one of {@code watcher.api.webhook-allowed-networks}. The check runs when the task is created and
 * again at every delivery attempt, where the host is resolved once and the connection goes to the
 * addresses that were checked ({@link #checkedAddresses}); redirects are never followed. The same
 * rules guard the manifest's {@code notify} webhooks ({@code watcher.notify.allowed-networks}).
 */
public final class WebhookTargets {
  private static final List<IpSubnetFilterRule> INTERNAL =
      List.of(
          rule("100.64.0.0", 10), // carrier-grade NAT (RFC 6598), used for pod networks too
          rule("192.0.0.0", 24), // IETF protocol assignments
          rule("198.18.0.0", 15), // benchmarking
          rule("240.0.0.0", 4), // reserved
          rule("fc00::", 7)); // unique local (includes AWS's fd00:ec2::254 metadata address)

  /** How a host name becomes addresses: the system resolver, or a stand-in in tests. */
  @FunctionalInterface
  public interface NameLookup {
    InetAddress[] lookup(String host) throws UnknownHostException;
  }

  private final List<IpSubnetFilterRule> allowed;
  private final NameLookup names;
  private final String setting;

  /** @param allowedNetworks CIDR ranges allowed although internal, e.g. {@code 10.20.0.0/16} */
  public WebhookTargets(List<String> allowedNetworks) {
    this(allowedNetworks, InetAddress::getAllByName);
  }

  public WebhookTargets(List<String> allowedNetworks, NameLookup names) {
    this(allowedNetworks, names, "watcher.api.webhook-allowed-networks");
  }

  /** @param setting the setting {@code allowedNetworks} came from, named in refusals */
  public WebhookTargets(List<String> allowedNetworks, NameLookup names, String setting) {
    this.setting = setting;
    this.allowed = allowedNetworks.stream().map(cidr -> parse(cidr, setting)).toList();
    this.names = names;
  }

  /** A host refused because it resolved to an internal address; the message says which. */
  public static final class RefusedAddressException extends UnknownHostException {
    RefusedAddressException(String message) {
      super(message);
    }
  }

  /** Why the URL may not be called now (its form, or where its host resolves), or empty when it may. */
  public Optional<String> refusal(String url) {
    Optional<String> form = formRefusal(url);
    if (form.isPresent()) {
      return form;
    }
    try {
      checkedAddresses(URI.create(url).getHost());
      return Optional.empty();
    } catch (RefusedAddressException e) {
      return Optional.of(e.getMessage());
    } catch (UnknownHostException e) {
      return Optional.of("webhook host " + URI.create(url).getHost() + " does not resolve");
    }
  }

  /** Why the URL is not an http(s) URL with a host, or empty when it is; resolves nothing. */
  public Optional<String> formRefusal(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return Optional.of("webhook is not a URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return Optional.of("webhook must be an http or https URL");
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      return Optional.of("webhook URL has no host");
    }
    return Optional.empty();
  }

  /**
   * Resolves {@code host} once and returns its addresses when every one is allowed; the delivery's
   * HTTP client connects to exactly these (its DNS resolver hook), so a name that answers
   * differently a moment later (DNS rebinding) is never connected to unchecked.
   *
   * @throws RefusedAddressException when an address is internal and not allowed
   * @throws UnknownHostException when the host does not resolve
   */
  public InetAddress[] checkedAddresses(String host) throws UnknownHostException {
    InetAddress[] addresses = names.lookup(host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
    for (InetAddress address : addresses) {
      if (internal(address) && !isAllowed(address)) {
        throw new RefusedAddressException("webhook host " + host + " resolves to " + address.getHostAddress()
            + ", an internal address (loopback, link-local, private or cluster); allow its range with"
            + " " + setting + " if that is intended");
      }
    }
    return addresses;
  }

  /** The URL as it may be logged: scheme, host, port and path; no user info, no query. */
  public static String redacted(String url) {
    try {
      URI uri = new URI(url);
      return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), null, null).toString();
    } catch (URISyntaxException | RuntimeException e) {
      return "(unparseable URL)";
    }
  }

  private static boolean internal(InetAddress address) {
    if (address instanceof Inet6Address v6 && isMappedV4(v6)) {
      byte[] b = v6.getAddress();
      try {
        return internal(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
      } catch (UnknownHostException e) {
        return true;
      }
    }
    if (address.isLoopbackAddress() || address.isLinkLocalAddress() || address.isSiteLocalAddress()
        || address.isAnyLocalAddress() || address.isMulticastAddress()) {
      return true;
    }
    InetSocketAddress socket = new InetSocketAddress(address, 0);
    return INTERNAL.stream().anyMatch(r -> r.matches(socket))
        || (address instanceof Inet4Address && (address.getAddress()[0] & 0xFF) == 0);
  }

  private static boolean isMappedV4(Inet6Address address) {
    byte[] b = address.getAddress();
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return (b[10] & 0xFF) == 0xFF && (b[11] & 0xFF) == 0xFF;
  }

  private boolean isAllowed(InetAddress address) {
    InetSocketAddress socket = new InetSocketAddress(address, 0);
    return allowed.stream().anyMatch(r -> r.matches(socket));
  }

  private static IpSubnetFilterRule rule(String address, int prefix) {
    return new IpSubnetFilterRule(address, prefix, IpFilterRuleType.ACCEPT);
  }

  private static IpSubnetFilterRule parse(String cidr, String setting) {
    int slash = cidr.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException(setting + ": '" + cidr + "' is not a CIDR range like 10.0.0.0/8");
    }
    try {
      return rule(cidr.substring(0, slash).trim(), Integer.parseInt(cidr.substring(slash + 1).trim()));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(setting + ": '" + cidr + "' is not a CIDR range: " + e.getMessage(), e);
    }
  }
}
