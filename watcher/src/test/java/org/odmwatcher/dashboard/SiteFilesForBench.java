package org.odmwatcher.dashboard;

/** The dashboard's page files, for the bench's page server (bench/MapBench). */
public final class SiteFilesForBench {
  private SiteFilesForBench() {}

  /** A file of the page ({@code assets/map.js}, {@code assets/vendor/ol.js}...). */
  public static byte[] bytes(String file) {
    if (!SummaryPublisher.SITE_FILES.contains(file)) {
      throw new IllegalArgumentException("not a file of the page: " + file);
    }
    return SummaryPublisher.resource(file);
  }

  public static String contentType(String file) {
    return SummaryPublisher.contentType(file);
  }
}
