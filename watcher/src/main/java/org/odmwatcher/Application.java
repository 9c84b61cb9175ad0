package org.odmwatcher;

import io.micronaut.runtime.Micronaut;

/** Entry point: starts the watcher with the configured event sources. */
public final class Application {
  private Application() {}

  public static void main(String[] args) {
    Micronaut.run(Application.class, args);
  }
}
