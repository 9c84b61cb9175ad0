package org.odmwatcher.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.pattern.DynamicConverter;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The watcher's logging set-up, in code: one console appender {@code STDOUT} with the pattern
 * {@value #PATTERN} ({@code %emsg}: {@link EscapedMessageConverter}), {@code org.odmwatcher} at
 * {@code WATCHER_LOG_LEVEL} (environment variable or system property; default INFO), the chatty
 * libraries (S3Proxy, Jetty, ElasticMQ, fabric8) at WARN, everything else at INFO.
 *
 * <p>Logback runs the {@link Configurator}s registered as services before it looks for
 * {@code logback.xml} ({@code ContextInitializer.autoConfig}); reading an XML file costs a new JVM
 * about 700 classes (an XML parser, Joran) and a fifth of its start-up, so the set-up is written
 * here instead. Micronaut AOT's logback.xml-to-Java conversion cannot express the
 * {@code conversionRule}. A file chosen with {@code -Dlogback.configurationFile=...}, or a
 * {@code logback-test.xml} on the class path, still wins: this configurator then steps aside.
 */
public final class ConsoleLogConfigurator extends ContextAwareBase implements Configurator {
  static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{20} - %emsg%n";

  /** Libraries whose INFO lines are noise in the watcher's log. */
  static final String[] QUIET = {"org.gaul.s3proxy", "org.eclipse.jetty", "org.gaul.shaded", "org.elasticmq", "io.fabric8"};

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty(ContextInitializer.CONFIG_FILE_PROPERTY) != null
        || ConsoleLogConfigurator.class.getClassLoader().getResource(ContextInitializer.TEST_AUTOCONFIG_FILE) != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    // what <conversionRule conversionWord="emsg" .../> registers
    @SuppressWarnings("unchecked")
    Map<String, Supplier<DynamicConverter<?>>> rules =
        (Map<String, Supplier<DynamicConverter<?>>>) context.getObject(CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS);
    if (rules == null) {
      rules = new HashMap<>();
      context.putObject(CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS, rules);
    }
    rules.put("emsg", EscapedMessageConverter::new);

    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName("STDOUT");
    console.setEncoder(encoder);
    console.start();

    String level = System.getProperty("WATCHER_LOG_LEVEL", System.getenv("WATCHER_LOG_LEVEL"));
    context.getLogger("org.odmwatcher").setLevel(Level.toLevel(level, Level.INFO));
    for (String name : QUIET) {
      context.getLogger(name).setLevel(Level.WARN);
    }
    ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    root.addAppender(console);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
