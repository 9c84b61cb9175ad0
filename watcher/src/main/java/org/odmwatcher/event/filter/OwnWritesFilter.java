package org.odmwatcher.event.filter;

import org.odmwatcher.event.ObjectCreated;

/**
 * Rejects the watcher's and the workflows' own writes: {@code status.json} and anything under a
 * results folder. Those must never start anything, or a job would trigger itself.
 */
public record OwnWritesFilter(String statusName, String resultsFolder) implements ObjectFilter {
  @Override
  public boolean accept(ObjectCreated object) {
    String key = object.key();
    return !object.fileName().equals(statusName)
        && !key.startsWith(resultsFolder)
        && !key.contains("/" + resultsFolder);
  }
}
