package org.odmwatcher.local;

/** A port local mode was asked to listen on is taken (by another program, or another {@code local}). */
public final class PortInUseException extends RuntimeException {
  /** Which of local mode's servers wanted the port. */
  public enum Server {
    /** The embedded S3 server ({@code local --port}). */
    S3,
    /** The dashboard, the NodeODM API and health ({@code local --http-port}). */
    HTTP
  }

  private final Server server;
  private final String host;
  private final int port;

  public PortInUseException(Server server, String host, int port, Throwable cause) {
    super("port " + port + " on " + host + " is in use (" + server + ")", cause);
    this.server = server;
    this.host = host;
    this.port = port;
  }

  public Server server() {
    return server;
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  /** Whether {@code e} or one of its causes is a failed bind. */
  static boolean isBindFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.BindException) {
        return true;
      }
    }
    return false;
  }
}
