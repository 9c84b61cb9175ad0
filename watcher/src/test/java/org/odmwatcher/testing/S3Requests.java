package org.odmwatcher.testing;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.List;
import java.util.function.Predicate;
import org.gaul.s3proxy.S3Proxy;

/**
 * Every request the test S3 server received, recorded at the server (a servlet filter in front of
 * S3Proxy's handler): what a browser really sent, such as the {@code Range} header of a map's
 * reads, rather than what a page says it sent.
 */
public final class S3Requests implements Filter {
  /** One request: method, path (no query), and the headers the tests look at. */
  public record Request(String method, String path, String range, String origin, String userAgent) {}

  private static final int KEPT = 50_000; // the latest; the benches make many more

  private final java.util.Deque<Request> seen = new java.util.concurrent.ConcurrentLinkedDeque<>();
  private final java.util.concurrent.atomic.AtomicInteger size = new java.util.concurrent.atomic.AtomicInteger();

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
    HttpServletRequest r = (HttpServletRequest) req;
    seen.addLast(new Request(r.getMethod(), r.getRequestURI(), r.getHeader("Range"), r.getHeader("Origin"), r.getHeader("User-Agent")));
    if (size.incrementAndGet() > KEPT && seen.pollFirst() != null) {
      size.decrementAndGet();
    }
    chain.doFilter(req, res);
  }

  /** The requests so far that match. */
  public List<Request> matching(Predicate<Request> filter) {
    return seen.stream().filter(filter).toList();
  }

  /**
   * Installs the filter in front of S3Proxy's servlet, reached by reflection as local mode's
   * {@code EmbeddedS3.guard} does (S3Proxy exposes neither its Jetty server nor its context).
   */
  public static void install(S3Proxy proxy, Filter filter) {
    try {
      java.lang.reflect.Field field = S3Proxy.class.getDeclaredField("server");
      field.setAccessible(true);
      Object server = field.get(proxy);
      Object handler = server.getClass().getMethod("getHandler").invoke(server);
      while (handler != null) {
        try {
          handler.getClass()
              .getMethod("addFilter", Filter.class, String.class, java.util.EnumSet.class)
              .invoke(handler, filter, "/*", java.util.EnumSet.of(jakarta.servlet.DispatcherType.REQUEST));
          return;
        } catch (NoSuchMethodException e) {
          handler = handler.getClass().getMethod("getHandler").invoke(handler);
        }
      }
      throw new IllegalStateException("no servlet context found");
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot record the test S3 server's requests: " + e, e);
    }
  }
}
