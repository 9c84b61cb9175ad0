package org.odmwatcher.event.filter;

import org.odmwatcher.event.ObjectCreated;

/** Accepts only objects whose file name is the manifest's ({@code odm.json} by default). */
public record ManifestKeyFilter(String manifestName) implements ObjectFilter {
  @Override
  public boolean accept(ObjectCreated object) {
    return object.fileName().equals(manifestName);
  }
}
