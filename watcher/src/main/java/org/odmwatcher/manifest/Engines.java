package org.odmwatcher.manifest;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The engines this watcher knows (their catalogues ship with it) and which of them the operator
 * offers ({@code watcher.engines.enabled}). ODM is the default: a manifest without {@code engine}
 * runs on it.
 */
public final class Engines {
  private final Map<String, Engine> known;
  private final List<String> enabled;

  private Engines(Map<String, Engine> known, Collection<String> enabled) {
    this.known = Map.copyOf(known);
    this.enabled = List.copyOf(enabled);
    this.enabled.forEach(name -> {
      if (!known.containsKey(name)) {
        throw new IllegalArgumentException("unknown engine '" + name + "' in watcher.engines.enabled (known: " + String.join(", ", known.keySet()) + ")");
      }
    });
    if (!this.enabled.contains(Engine.ODM)) {
      throw new IllegalArgumentException("watcher.engines.enabled must include odm, the default engine");
    }
  }

  /** ODM's images when the operator names none ({@code watcher.placement.odm-image}, {@code odm-gpu-image}). */
  public static final Engine.Images ODM_IMAGES =
      new Engine.Images("docker.io/opendronemap/odm:3.6.0", "docker.io/opendronemap/odm:3.6.0-gpu");

  /**
   * The bundled catalogues, ODM 3.6.0 and ODX at WebODM/ODX@03812b3, with the operator's images
   * ({@code images} by engine name; every known engine must have them).
   */
  public static Engines bundled(ObjectMapper json, Collection<String> enabled, Map<String, Engine.Images> images) {
    Map<String, Engine> known = new LinkedHashMap<>();
    known.put(Engine.ODM, new Engine(Engine.ODM, OptionCatalogue.ODM_VERSION, OptionCatalogue.load(json), images.get(Engine.ODM)));
    known.put(Engine.ODX, new Engine(Engine.ODX, ODX_VERSION, OptionCatalogue.load(json, "/odx/odx-03812b3-options.json"),
        images.get(Engine.ODX)));
    return new Engines(known, enabled);
  }

  /** ODX's images when the operator names none ({@code watcher.engines.odx-image}, {@code odx-gpu-image}). */
  public static final Engine.Images ODX_IMAGES = new Engine.Images("docker.io/webodm/odx:latest", "docker.io/webodm/odx:gpu");

  /**
   * Every bundled engine offered, with the default images: what the command-line tools
   * ({@code render}, {@code upload}, {@code local}) check a manifest against.
   */
  public static Engines allBundled(ObjectMapper json) {
    return bundled(json, List.of(Engine.ODM, Engine.ODX), Map.of(Engine.ODM, ODM_IMAGES, Engine.ODX, ODX_IMAGES));
  }

  /** Only ODM, with the given catalogue and its default images (command-line tools and tests that know no settings). */
  public static Engines odmOnly(OptionCatalogue catalogue) {
    return new Engines(Map.of(Engine.ODM, new Engine(Engine.ODM, OptionCatalogue.ODM_VERSION, catalogue, ODM_IMAGES)),
        List.of(Engine.ODM));
  }

  /** The commit of WebODM/ODX the ODX catalogue was extracted from (its PROVENANCE.md). */
  public static final String ODX_VERSION = "03812b3";

  public Engine defaultEngine() {
    return known.get(Engine.ODM);
  }

  /** An engine the operator offers. */
  public Optional<Engine> enabled(String name) {
    return enabled.contains(name) ? Optional.of(known.get(name)) : Optional.empty();
  }

  /** Whether the watcher knows this engine at all (enabled or not). */
  public boolean knows(String name) {
    return known.containsKey(name);
  }

  public List<String> enabledNames() {
    return enabled;
  }

  /** The engine of a (validated) manifest. */
  public Engine of(OdmManifest manifest) {
    return enabled(manifest.engine()).orElseThrow(() ->
        new IllegalArgumentException("engine '" + manifest.engine() + "' is not enabled here; the manifest was not validated"));
  }
}
