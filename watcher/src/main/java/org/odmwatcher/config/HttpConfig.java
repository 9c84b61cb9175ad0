package org.odmwatcher.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.netty.util.NetUtil;
import java.util.List;
import java.util.Locale;

/**
 * Which browsers' requests the HTTP port (dashboard, NodeODM API, webhook, health) serves
 * ({@code watcher.http.*}).
 *
 * @param allowedHosts host names a request's {@code Host} header may carry (any port); IP addresses
 *     are always accepted, since a DNS-rebinding page can only send a name. Empty (the default):
 *     any host, for a cluster where an Ingress or Service decides which names reach the pod. Local
 *     mode sets it to {@code localhost}, this machine's name and the listen address, plus
 *     {@code local --allowed-host}
 * @param trustedOrigins origins (e.g. {@code https://webodm.example.org}) whose pages may send
 *     writes (POST and the like) from a browser; writes from any other site are refused. Calls
 *     without browser headers (pyODM, WebODM's server, curl, MinIO) are not affected
 */
@ConfigurationProperties(HttpConfig.PREFIX)
public record HttpConfig(@Nullable List<String> allowedHosts, @Nullable List<String> trustedOrigins) {

  public static final String PREFIX = "watcher.http";

  public HttpConfig {
    allowedHosts = allowedHosts == null ? List.of()
        : allowedHosts.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).filter(h -> !h.isEmpty()).distinct().toList();
    trustedOrigins = trustedOrigins == null ? List.of()
        : trustedOrigins.stream().map(o -> o.trim().toLowerCase(Locale.ROOT).replaceAll("/+$", ""))
            .filter(o -> !o.isEmpty()).distinct().toList();
  }

  /**
   * Whether a request's {@code Host} header ({@code name}, {@code name:port}, {@code [v6]:port})
   * names one of {@link #allowedHosts} or is an IP address; with no list, any host. The one rule of
   * both local ports: the HTTP port's filter and the embedded S3 server's guard.
   */
  public boolean allowsHost(String header) {
    if (allowedHosts.isEmpty()) {
      return true;
    }
    String name = header.trim().toLowerCase(Locale.ROOT);
    if (name.startsWith("[")) { // [v6 literal]:port
      int end = name.indexOf(']');
      return end > 0 && NetUtil.isValidIpV6Address(name.substring(1, end));
    }
    int colon = name.lastIndexOf(':');
    if (colon >= 0) {
      name = name.substring(0, colon);
    }
    return allowedHosts.contains(name) || NetUtil.isValidIpV4Address(name);
  }
}
