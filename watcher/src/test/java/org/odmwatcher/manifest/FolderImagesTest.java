package org.odmwatcher.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.odmwatcher.storage.BucketStore;

/**
 * Images and masks as ODM 3.6.0's stages/dataset.py tells them apart ({@code valid_filename}:
 * {@code ext.lower() in supported_extensions and pathfn[-5:] != "_mask"}).
 */
class FolderImagesTest {
  @Test
  void everyOdmExtensionCountsInAnyCase() {
    assertThat(FolderImages.isImage("f/IMG.JPG")).isTrue();
    assertThat(FolderImages.isImage("f/a.JXL")).isTrue();
    assertThat(FolderImages.isImage("f/a.jxl")).isTrue();
    assertThat(FolderImages.isImage("f/b.Nef")).isTrue();
    assertThat(FolderImages.isImage("f/c.raw")).isTrue();
    assertThat(FolderImages.isImage("f/d.BMP")).isTrue();
    assertThat(FolderImages.isImage("f/x.png")).isTrue();
    for (String extension : FolderImages.IMAGE_EXTENSIONS) {
      assertThat(FolderImages.isImage("f/x." + extension.toUpperCase(java.util.Locale.ROOT))).as(extension).isTrue();
    }
  }

  @Test
  void filesOdmDoesNotTakeAreNotImages() {
    assertThat(FolderImages.isImage("f/odm.json")).isFalse();
    assertThat(FolderImages.isImage("f/clip.mp4")).isFalse(); // a video: ODM extracts frames, the watcher does not count it
    assertThat(FolderImages.isImage("f/x.jpg.txt")).isFalse();
    assertThat(FolderImages.isImage("f/x.gif")).isFalse();
    assertThat(FolderImages.isImage("f/jpg")).isFalse();
    assertThat(FolderImages.isImage("f/x.")).isFalse();
  }

  @Test
  void aNameOfDotsBeforeTheExtensionHasNoExtensionAsPythonsSplitextSays() {
    assertThat(FolderImages.isImage("f/.jpg")).isFalse();
    assertThat(FolderImages.isImage("f/..jpg")).isFalse();
    assertThat(FolderImages.isImage("f/.a.jpg")).isTrue();
    assertThat(FolderImages.isImage("f/a..jpg")).isTrue();
  }

  @Test
  void aStemEndingWithMaskIsAMaskNotAnImage() {
    assertThat(FolderImages.isImage("f/x_mask.png")).isFalse();
    assertThat(FolderImages.isMask("f/x_mask.png")).isTrue();
    assertThat(FolderImages.isMask("f/DJI_0001_mask.JPG")).isTrue();
    assertThat(FolderImages.isImage("f/x_mask2.png")).isTrue();
    assertThat(FolderImages.isMask("f/x_mask2.png")).isFalse();
    // ODM compares the stem's last five characters as they are: _MASK is an image.
    assertThat(FolderImages.isImage("f/x_MASK.png")).isTrue();
    assertThat(FolderImages.isMask("f/x_MASK.png")).isFalse();
    // Only a supported extension makes a mask.
    assertThat(FolderImages.isMask("f/x_mask.txt")).isFalse();
    assertThat(FolderImages.isImageOrMask("f/x_mask.txt")).isFalse();
    assertThat(FolderImages.isImageOrMask("f/x_mask.tif")).isTrue();
  }

  @Test
  void aFolderCountsItsImagesAndDownloadsTheirMasksToo() {
    FolderImages folder = FolderImages.of(new BucketStore.FolderContents(List.of(
        new BucketStore.Entry("f/DJI_0001.JPG", 100, "e1"),
        new BucketStore.Entry("f/DJI_0001_mask.png", 10, "e2"),
        new BucketStore.Entry("f/IMG.JXL", 200, "e3"),
        new BucketStore.Entry("f/gcp_list.txt", 5, "e4"),
        new BucketStore.Entry("f/notes.txt", 7, "e5")), List.of("f/results/")));

    assertThat(folder.images()).containsExactly("f/DJI_0001.JPG", "f/IMG.JXL");
    assertThat(folder.masks()).containsExactly("f/DJI_0001_mask.png");
    assertThat(folder.sideFiles()).containsExactly("f/gcp_list.txt");
    assertThat(folder.bytes()).isEqualTo(310); // what ODM's images folder will hold
  }

  @Test
  void theExtensionsAreListedSortedForMessages() {
    assertThat(FolderImages.IMAGE_EXTENSIONS).isSorted().doesNotHaveDuplicates();
    assertThat(FolderImages.describeExtensions())
        .startsWith("bmp, dng, jpeg, jpg, jxl, nef, png, raw, tif, tiff in any case")
        .contains("_mask");
  }
}
