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
public record FolderImages(List<String> images, List<String> sideFiles) {
  public static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "tif", "tiff", "png", "dng");
  public static final Set<String> SIDE_FILES = Set.of("gcp_list.txt", "geo.txt", "image_groups.txt");

  public FolderImages {
    images = List.copyOf(images);
    sideFiles = List.copyOf(sideFiles);
  }

  public static FolderImages of(BucketStore.FolderContents contents) {
    List<String> keys = contents.files().stream().map(BucketStore.Entry::key).toList();
    return new FolderImages(
        keys.stream().filter(FolderImages::isImage).toList(),
        keys.stream().filter(k -> SIDE_FILES.contains(fileName(k))).toList());
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
