package org.odmwatcher.cli;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.odmwatcher.manifest.FolderImages;

/**
 * What of a pilot's folder goes up, and under which name. ODM reads its images from one flat
 * folder, while an SD card keeps them under {@code DCIM/100MEDIA/} (and the next hundred under
 * {@code 101MEDIA/}): images and masks are taken from the folder and every subfolder below it, side
 * files ({@code gcp_list.txt}, …) from the folder itself. Hidden folders ({@code .Trashes},
 * {@code .Spotlight-V100}) and {@code results/} (what a job writes back) are not searched.
 *
 * <p>Names stay as they are unless two files share one; then every file under a subfolder is named
 * after its folder ({@code DCIM/101MEDIA/DJI_0001.JPG} becomes {@code DCIM_101MEDIA_DJI_0001.JPG}), so
 * nothing overwrites anything and a mask keeps the stem of its image. The names depend only on the
 * folder's contents: a resumed upload maps every file to the key it had.
 *
 * @param files the file under each name it is uploaded as, by name
 * @param subfolders the subfolders images came from (relative, with {@code /}), with how many
 */
record FlightFolder(Map<String, Path> files, Map<String, Integer> subfolders) {
  private static final String RESULTS = "results";

  FlightFolder {
    files = Collections.unmodifiableMap(new TreeMap<>(files));
    subfolders = Collections.unmodifiableMap(new TreeMap<>(subfolders));
  }

  static FlightFolder read(Path folder) throws IOException {
    List<Path> found = new ArrayList<>();
    Files.walkFileTree(folder, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
        String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
        boolean skip = !dir.equals(folder) && (name.startsWith(".") || dir.equals(folder.resolve(RESULTS)));
        return skip ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        String name = file.getFileName().toString();
        boolean top = file.getParent().equals(folder);
        if (attrs.isRegularFile() && (FolderImages.isImageOrMask(name) || top && FolderImages.SIDE_FILES.contains(name))) {
          found.add(file);
        }
        return FileVisitResult.CONTINUE;
      }
    });
    Map<String, Integer> count = new HashMap<>();
    found.forEach(f -> count.merge(f.getFileName().toString(), 1, Integer::sum));
    boolean clash = count.values().stream().anyMatch(n -> n > 1);
    Map<String, Path> files = new HashMap<>();
    Map<String, Integer> subfolders = new HashMap<>();
    for (Path file : found) {
      Path relative = folder.relativize(file);
      String dir = relative.getParent() == null ? "" : relative.getParent().toString().replace('\\', '/');
      String name = clash && !dir.isEmpty() ? dir.replace('/', '_') + "_" + file.getFileName() : file.getFileName().toString();
      Path before = files.put(name, file);
      if (before != null) {
        throw new IllegalArgumentException("two files would be uploaded as " + name + ": " + folder.relativize(before)
            + " and " + relative + "; rename one");
      }
      if (!dir.isEmpty() && FolderImages.isImage(name)) {
        subfolders.merge(dir, 1, Integer::sum);
      }
    }
    return new FlightFolder(files, subfolders);
  }

  boolean hasImages() {
    return files.keySet().stream().anyMatch(FolderImages::isImage);
  }
}
