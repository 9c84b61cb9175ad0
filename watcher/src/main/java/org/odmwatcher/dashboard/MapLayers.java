package org.odmwatcher.dashboard;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The job outputs the map draws, by where ODM writes them (OpenDroneMap/ODM {@code
 * opendm/context.py}... {@code odm_orthophoto/odm_orthophoto.tif}, {@code odm_dem/dsm.tif}, {@code
 * odm_dem/dtm.tif}, {@code odm_report/shots.geojson}), matched as the end of an output key.
 */
final class MapLayers {
  static final Map<String, String> OUTPUTS;

  static {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("orthophoto", "odm_orthophoto/odm_orthophoto.tif");
    m.put("dsm", "odm_dem/dsm.tif");
    m.put("dtm", "odm_dem/dtm.tif");
    m.put("shots", "odm_report/shots.geojson");
    OUTPUTS = java.util.Collections.unmodifiableMap(m);
  }

  private MapLayers() {}
}
