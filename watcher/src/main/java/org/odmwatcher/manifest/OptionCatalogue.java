package org.odmwatcher.manifest;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An engine's processing options (name, type, default, domain, help) in NodeODM's {@code /options}
 * shape, loaded from the classpath: ODM's from {@code odm/odm-3.6.0-options.json}, ODX's from
 * {@code odx/} ({@link Engines}).
 */
public final class OptionCatalogue {
  /** The ODM version the catalogue was extracted from. */
  public static final String ODM_VERSION = "3.6.0";

  private static final String RESOURCE = "/odm/odm-3.6.0-options.json";
  private final Map<String, Option> options;

  /** One ODM option. {@code domain} is a list for enums, a description string otherwise. */
  public record Option(String name, String type, JsonNode value, JsonNode domain, String help) {
    public boolean isEnum() {
      return "enum".equals(type);
    }
  }

  private OptionCatalogue(List<Option> list) {
    Map<String, Option> byName = new LinkedHashMap<>();
    list.forEach(o -> byName.put(o.name(), o));
    this.options = Map.copyOf(byName);
    this.ordered = List.copyOf(list);
  }

  private final List<Option> ordered;

  /** Loads the bundled ODM catalogue. */
  public static OptionCatalogue load(ObjectMapper json) {
    return load(json, RESOURCE);
  }

  /** Loads a catalogue in NodeODM's {@code /options} shape from the classpath. */
  public static OptionCatalogue load(ObjectMapper json, String resource) {
    try (InputStream in = OptionCatalogue.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing classpath resource " + resource);
      }
      return new OptionCatalogue(json.readValue(in, new TypeReference<List<Option>>() {}));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }

  public Optional<Option> find(String name) {
    return Optional.ofNullable(options.get(name));
  }

  /** All options, in the catalogue's order. */
  public Collection<Option> all() {
    return ordered;
  }
}
