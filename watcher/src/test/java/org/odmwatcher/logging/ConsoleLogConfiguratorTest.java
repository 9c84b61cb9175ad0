package org.odmwatcher.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.nio.charset.StandardCharsets;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class ConsoleLogConfiguratorTest {

  @Test
  void isTheConfiguratorLogbackFindsAsAService() {
    assertThat(ServiceLoader.load(Configurator.class).stream().map(p -> p.type().getName()))
        .contains(ConsoleLogConfigurator.class.getName());
  }

  @Test
  void setsUpTheEscapingConsoleAndTheLevels() {
    LoggerContext context = new LoggerContext();
    ConsoleLogConfigurator configurator = new ConsoleLogConfigurator();
    configurator.setContext(context);

    assertThat(configurator.configure(context)).isEqualTo(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);

    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    assertThat(root.getLevel()).isEqualTo(Level.INFO);
    assertThat(context.getLogger("org.odmwatcher").getLevel()).isEqualTo(Level.INFO);
    assertThat(context.getLogger("io.fabric8").getLevel()).isEqualTo(Level.WARN);
    assertThat(context.getLogger("org.elasticmq").getLevel()).isEqualTo(Level.WARN);
    @SuppressWarnings("unchecked")
    OutputStreamAppender<ILoggingEvent> console = (OutputStreamAppender<ILoggingEvent>) root.getAppender("STDOUT");
    assertThat(console).isNotNull();
    assertThat(console.isStarted()).isTrue();
    Logger logger = context.getLogger("org.odmwatcher.pipeline.ManifestHandler");
    LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.INFO, "folder {} done", null,
        new Object[] {"farm/\nFAKE INFO line\u001b[2J"});
    String line = new String(console.getEncoder().encode(event), StandardCharsets.UTF_8);
    assertThat(line)
        .contains("INFO  [")
        .contains("folder farm/\\nFAKE INFO line\\x1b[2J done")
        .endsWith(System.lineSeparator())
        .doesNotContain("\u001b");
    assertThat(line.strip()).doesNotContain("\n");
    context.stop();
  }

  @Test
  void stepsAsideForAConfigurationFileChosenByTheUser() {
    String before = System.getProperty("logback.configurationFile");
    System.setProperty("logback.configurationFile", "/etc/odm-watcher/logback.xml");
    try {
      LoggerContext context = new LoggerContext();
      ConsoleLogConfigurator configurator = new ConsoleLogConfigurator();
      configurator.setContext(context);

      assertThat(configurator.configure(context)).isEqualTo(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
      assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDOUT")).isNull();
    } finally {
      if (before == null) {
        System.clearProperty("logback.configurationFile");
      } else {
        System.setProperty("logback.configurationFile", before);
      }
    }
  }
}
