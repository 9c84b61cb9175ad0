package org.odmwatcher.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How this program is started, for the commands hints print: {@code java -jar} with the jar it
 * runs from (relative to the working directory when under it), else the one the build makes.
 * No installation puts an {@code odm-watcher} command on the PATH.
 */
public final class Invocation {
  static final String BUILT_JAR = "watcher/target/odm-watcher.jar";

  private Invocation() {}

  public static String command() {
    return "java -jar " + jar();
  }

  private static String jar() {
    try {
      Path source = Path.of(Invocation.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      // the fat jar only: the image's thin jar (/app/classpath) has no Main-Class to run with -jar
      if (Files.isRegularFile(source) && source.getFileName().toString().equals("odm-watcher.jar")) {
        Path cwd = Path.of("").toAbsolutePath();
        String shown = (source.startsWith(cwd) ? cwd.relativize(source) : source).toString();
        return shown.contains(" ") ? "'" + shown + "'" : shown;
      }
    } catch (Exception e) {
      // no code source (unusual class loaders): the build's jar
    }
    return BUILT_JAR;
  }
}
