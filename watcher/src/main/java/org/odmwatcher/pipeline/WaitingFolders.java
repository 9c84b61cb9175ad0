package org.odmwatcher.pipeline;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Folders whose manifest waits for more images, re-checked periodically and on image events. */
public final class WaitingFolders {
  /** A folder in a bucket. */
  public record Folder(String bucket, String folder) {}

  private final Set<Folder> folders = ConcurrentHashMap.newKeySet();

  public void add(String bucket, String folder) {
    folders.add(new Folder(bucket, folder));
  }

  public void remove(String bucket, String folder) {
    folders.remove(new Folder(bucket, folder));
  }

  public boolean contains(String bucket, String folder) {
    return folders.contains(new Folder(bucket, folder));
  }

  public Set<Folder> snapshot() {
    return Set.copyOf(folders);
  }
}
