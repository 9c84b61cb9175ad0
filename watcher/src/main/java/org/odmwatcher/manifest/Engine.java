package org.odmwatcher.manifest;

/**
 * A photogrammetry engine a job can run on: OpenDroneMap's ODM, or ODX, WebODM's fork of it (since
 * April 2026). Both take the same command line and write the same project layout; their options
 * differ, so each has its own catalogue, which validation, the NodeODM API's {@code /options} and
 * the command line follow.
 *
 * @param name what {@code odm.json}'s {@code engine} says: {@code odm} or {@code odx}
 * @param version the version (or commit) its option catalogue was extracted from
 * @param catalogue its options
 * @param images the images its jobs run from (the operator's, {@code watcher.engines.*-image})
 */
public record Engine(String name, String version, OptionCatalogue catalogue, Images images) {
  public static final String ODM = "odm";
  public static final String ODX = "odx";

  /** An engine's images: the plain one, and the one for GPU jobs. */
  public record Images(String image, String gpuImage) {}

  /** The image a job runs from. */
  public String image(boolean gpu) {
    return gpu ? images.gpuImage() : images.image();
  }
}
