package org.odmwatcher.event.filter;

import org.odmwatcher.event.ObjectCreated;

/** Decides whether an object is worth handling. Tiny and composable. */
@FunctionalInterface
public interface ObjectFilter {
  boolean accept(ObjectCreated object);

  default ObjectFilter and(ObjectFilter other) {
    return o -> accept(o) && other.accept(o);
  }

  default ObjectFilter or(ObjectFilter other) {
    return o -> accept(o) || other.accept(o);
  }

  default ObjectFilter negate() {
    return o -> !accept(o);
  }
}
