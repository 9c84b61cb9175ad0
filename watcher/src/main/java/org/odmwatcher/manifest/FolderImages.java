package org.odmwatcher.manifest;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.odmwatcher.storage.BucketStore;

/**
 * What in a folder ODM will process: images directly in it (jpg, jpeg, tif, tiff, png, dng, any
 * case) and the side files ODM understands. Sub-folders (results/, anything else) are not part of
 * the dataset.
 */
public record FolderImages(List<String> images, List<String> sideFiles, long bytes) {
  public static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "tif", "tiff", "png", "dng");
  public static final Set<String> SIDE_FILES = Set.of("gcp_list.txt", "geo.txt", "image_groups.txt");

  public FolderImages {
    images = List.copyOf(images);
    sideFiles = List.copyOf(sideFiles);
  }

  public FolderImages(List<String> images, List<String> sideFiles) {
    this(images, sideFiles, -1);
  }

  public static FolderImages of(BucketStore.FolderContents contents) {
    List<String> keys = contents.files().stream().map(BucketStore.Entry::key).toList();
    return new FolderImages(
        keys.stream().filter(FolderImages::isImage).toList(),
        keys.stream().filter(k -> SIDE_FILES.contains(fileName(k))).toList(),
        contents.files().stream().filter(e -> isImage(e.key())).mapToLong(BucketStore.Entry::size).sum());
  }

  /**
   * Why these images are too many or too big for one job ({@code watcher.manifest.max-images},
   * {@code max-total-bytes}): CPU, memory and scratch space are sized from them, so without a cap
   * a folder of 100,000 tiny files would ask the cluster for 256 GiB of memory and terabytes of disk.
   */
  public List<String> overLimits(int maxImages, long maxBytes) {
    List<String> errors = new java.util.ArrayList<>();
    if (images.size() > maxImages) {
      errors.add(images.size() + " images, more than this watcher accepts for one job (" + maxImages
          + ", watcher.manifest.max-images); split the flight into several folders");
    }
    if (bytes > maxBytes) {
      errors.add(bytes + " bytes of images, more than this watcher accepts for one job (" + maxBytes
          + ", watcher.manifest.max-total-bytes)");
    }
    return errors;
  }

  public static boolean isImage(String key) {
    String name = fileName(key);
    int dot = name.lastIndexOf('.');
    return dot > 0 && IMAGE_EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
  }

  private static String fileName(String key) {
    return key.substring(key.lastIndexOf('/') + 1);
  }
}
