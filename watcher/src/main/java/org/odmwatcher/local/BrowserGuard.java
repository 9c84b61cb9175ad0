package org.odmwatcher.local;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.util.Locale;
import java.util.List;
import org.odmwatcher.config.HttpConfig;

/**
 * A servlet filter in front of the embedded S3 server that keeps web pages out of it:
 *
 * <ul>
 *   <li>the {@code Host} header must name this machine — an IP address, {@code localhost} or the
 *       machine's own host name — so a DNS-rebinding page (its own domain resolving to
 *       127.0.0.1) is refused;
 *   <li>browser-style POST Object uploads ({@code multipart/form-data}, which a page can send
 *       without a CORS preflight) are refused; the S3 clients the watcher documents never use
 *       them.
 * </ul>
 *
 * Refusals are S3-shaped 403 answers ({@code AccessDenied}).
 */
final class BrowserGuard implements Filter {
  private final HttpConfig hosts;

  BrowserGuard(String listenHost) {
    String own;
    try {
      own = InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
    } catch (IOException e) {
      own = "localhost";
    }
    this.hosts = new HttpConfig(List.of("localhost", own, listenHost), null);
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
    HttpServletRequest request = (HttpServletRequest) req;
    HttpServletResponse response = (HttpServletResponse) res;
    String host = request.getHeader("Host");
    if (host == null || !hosts.allowsHost(host)) {
      deny(response, "Host header '" + host + "' does not name this machine");
      return;
    }
    String type = request.getContentType();
    if ("POST".equalsIgnoreCase(request.getMethod()) && type != null
        && type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
      deny(response, "browser POST Object uploads are not accepted by local mode");
      return;
    }
    chain.doFilter(req, res);
  }

  private static void deny(HttpServletResponse response, String why) throws IOException {
    response.setStatus(403);
    response.setContentType("application/xml");
    response.getWriter().write("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code><Message>"
        + why.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") + "</Message></Error>");
  }
}
