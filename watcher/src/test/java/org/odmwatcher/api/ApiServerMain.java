package org.odmwatcher.api;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.Micronaut;
import io.micronaut.runtime.server.EmbeddedServer;
import java.util.HashMap;
import java.util.Map;

/** Starts the watcher with {@code key=value} properties and prints its port (for a small-heap JVM). */
public final class ApiServerMain {
  private ApiServerMain() {}

  public static void main(String[] args) {
    Map<String, Object> properties = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      properties.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    ApplicationContext context = Micronaut.build(new String[0]).properties(properties).deduceEnvironment(false).start();
    System.out.println("PORT=" + context.getBean(EmbeddedServer.class).getPort());
    System.out.flush();
  }
}
