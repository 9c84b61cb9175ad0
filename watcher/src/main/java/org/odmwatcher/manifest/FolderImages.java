package org.odmwatcher.manifest;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.odmwatcher.storage.BucketStore;

/**
 * What in a folder ODM will process: the images directly in it, their masks, and the side files
 * ODM understands. Sub-folders (results/, anything else) are not part of the dataset.
 *
 * <p>Images and masks are told apart exactly as ODM 3.6.0 does (OpenDroneMap/ODM @32cfaac):
 * opendm/context.py {@code supported_extensions} is the extension list, and stages/dataset.py
 * {@code valid_filename} takes a file as an image when {@code os.path.splitext} gives it one of
 * those extensions (any case: {@code ext.lower()}) and its stem does not end with {@code _mask}
 * (case-sensitive: {@code pathfn[-5:] != "_mask"}). A file with a supported extension whose stem
 * does end with {@code _mask} is the mask of the image with the stem without it (dataset.py, the
 * "Lookup table for masks" and {@code find_mask}): not an image, not counted, but downloaded with
 * the images because ODM uses it. The WorkflowTemplate's download include and the test stand-in
 * of ODM (src/test/resources/argo/odm/run.py) use the same list; ImageExtensionsAgreeTest fails
 * when they drift apart.
 */
public record FolderImages(List<String> images, List<String> masks, List<String> sideFiles, long bytes) {
  /**
   * ODM's {@code supported_extensions} without the dot, in sorted order (as messages list them).
   * Videos ({@code supported_video_extensions}) are not taken: the watcher neither counts nor
   * downloads them.
   */
  public static final List<String> IMAGE_EXTENSIONS =
      List.of("bmp", "dng", "jpeg", "jpg", "jxl", "nef", "png", "raw", "tif", "tiff");
  public static final Set<String> SIDE_FILES = Set.of("gcp_list.txt", "geo.txt", "image_groups.txt");
  private static final String MASK_SUFFIX = "_mask";

  public FolderImages {
    images = List.copyOf(images);
    masks = List.copyOf(masks);
    sideFiles = List.copyOf(sideFiles);
  }

  public FolderImages(List<String> images, List<String> sideFiles) {
    this(images, List.of(), sideFiles, -1);
  }

  /** {@code bytes} is what ODM's images folder will hold: the images and their masks. */
  public static FolderImages of(BucketStore.FolderContents contents) {
    List<String> keys = contents.files().stream().map(BucketStore.Entry::key).toList();
    return new FolderImages(
        keys.stream().filter(FolderImages::isImage).toList(),
        keys.stream().filter(FolderImages::isMask).toList(),
        keys.stream().filter(k -> SIDE_FILES.contains(fileName(k))).toList(),
        contents.files().stream().filter(e -> isImageOrMask(e.key())).mapToLong(BucketStore.Entry::size).sum());
  }

  /** For messages: "bmp, dng, jpeg, ..." (any case; the list of {@link #IMAGE_EXTENSIONS}). */
  public static String describeExtensions() {
    return String.join(", ", IMAGE_EXTENSIONS) + " in any case; a name ending " + MASK_SUFFIX
        + " before the extension is a mask, not an image";
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
      errors.add(bytes + " bytes of images (with their masks), more than this watcher accepts for one job ("
          + maxBytes + ", watcher.manifest.max-total-bytes)");
    }
    return errors;
  }

  /** An image ODM processes (dataset.py {@code valid_filename}): a supported extension, no {@code _mask} stem. */
  public static boolean isImage(String key) {
    String[] stemAndExtension = splitext(fileName(key));
    return supported(stemAndExtension[1]) && !stemAndExtension[0].endsWith(MASK_SUFFIX);
  }

  /** A mask ODM pairs with an image (dataset.py: {@code p[-5:] == "_mask" and ext.lower() in supported_extensions}). */
  public static boolean isMask(String key) {
    String[] stemAndExtension = splitext(fileName(key));
    return supported(stemAndExtension[1]) && stemAndExtension[0].endsWith(MASK_SUFFIX);
  }

  /** What goes into ODM's images folder. */
  public static boolean isImageOrMask(String key) {
    return supported(splitext(fileName(key))[1]);
  }

  private static boolean supported(String extension) {
    return !extension.isEmpty() && IMAGE_EXTENSIONS.contains(extension.substring(1).toLowerCase(Locale.ROOT));
  }

  /**
   * Python's {@code os.path.splitext} on a file name (genericpath._splitext): the extension starts
   * at the last dot, unless everything before that dot is dots ({@code .jpg}, {@code ..jpg} have
   * none).
   */
  private static String[] splitext(String name) {
    int dot = name.lastIndexOf('.');
    for (int i = 0; i < dot; i++) {
      if (name.charAt(i) != '.') {
        return new String[] {name.substring(0, dot), name.substring(dot)};
      }
    }
    return new String[] {name, ""};
  }

  private static String fileName(String key) {
    return key.substring(key.lastIndexOf('/') + 1);
  }
}
