package org.odmwatcher.cli;

import io.micronaut.core.convert.ConversionService;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A duration on the command line as in the settings: {@code 100ms}, {@code 2s}, {@code 5m}, {@code 1h} or ISO-8601 ({@code PT2S}). */
final class DurationConverter implements ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    return ConversionService.SHARED.convert(value, Duration.class)
        .orElseThrow(() -> new TypeConversionException("'" + value + "' is not a duration (e.g. 30s, 5m, 1h)"));
  }

  /** {@code d} as it would be written on the command line: 5m, 1s, 100ms. */
  static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
  }
}
