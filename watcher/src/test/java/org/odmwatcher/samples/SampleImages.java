package org.odmwatcher.samples;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.apache.commons.imaging.ImagingException;
import org.apache.commons.imaging.common.RationalNumber;
import org.apache.commons.imaging.formats.jpeg.exif.ExifRewriter;
import org.apache.commons.imaging.formats.tiff.constants.ExifTagConstants;
import org.apache.commons.imaging.formats.tiff.constants.GpsTagConstants;
import org.apache.commons.imaging.formats.tiff.constants.TiffTagConstants;
import org.apache.commons.imaging.formats.tiff.write.TiffOutputSet;

/**
 * Writes the tiny geotagged image set of {@code samples/quick-orthophoto/}: small JPEGs (a few KB)
 * along a flight line with GPS position, altitude, camera make/model and focal length in EXIF.
 * Enough for the quick start and the test engine; far too small and synthetic for real ODM.
 * Run: {@code mvn -q -pl watcher test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=org.odmwatcher.samples.SampleImages -Dexec.args=../samples/quick-orthophoto}.
 */
public final class SampleImages {
  static final int COUNT = 4;
  static final double LAT = 46.8432;
  static final double LON = 9.5321;
  static final double ALTITUDE = 520.0;

  private SampleImages() {}

  public static void main(String[] args) throws IOException {
    Path folder = Path.of(args.length > 0 ? args[0] : "../samples/quick-orthophoto");
    Files.createDirectories(folder);
    for (int i = 1; i <= COUNT; i++) {
      Path file = folder.resolve(String.format("DJI_%04d.JPG", i));
      Files.write(file, image(i));
      System.out.println(file + " " + Files.size(file) + " bytes");
    }
  }

  public static byte[] image(int index) throws IOException {
    BufferedImage img = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setPaint(new GradientPaint(0, 0, new Color(86, 125, 70), 320, 240, new Color(160, 140, 90)));
    g.fillRect(0, 0, 320, 240);
    Random random = new Random(index);
    for (int i = 0; i < 60; i++) {
      g.setColor(new Color(random.nextInt(80) + 60, random.nextInt(80) + 90, random.nextInt(60) + 40));
      g.fillOval(random.nextInt(320) - index * 20, random.nextInt(240), 12 + random.nextInt(20), 12 + random.nextInt(20));
    }
    g.setColor(Color.WHITE);
    g.drawString("odm-watcher sample " + index + " (synthetic)", 10, 20);
    g.dispose();
    ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
    ImageIO.write(img, "jpg", jpeg);
    return withExif(jpeg.toByteArray(), LAT, LON + index * 0.0002, ALTITUDE);
  }

  public static byte[] withExif(byte[] jpeg, double lat, double lon, double altitude) throws IOException {
    try {
      TiffOutputSet exif = new TiffOutputSet();
      exif.getOrCreateRootDirectory().add(TiffTagConstants.TIFF_TAG_MAKE, "odm-watcher");
      exif.getOrCreateRootDirectory().add(TiffTagConstants.TIFF_TAG_MODEL, "sample");
      exif.getOrCreateExifDirectory().add(ExifTagConstants.EXIF_TAG_FOCAL_LENGTH, RationalNumber.valueOf(4.5));
      exif.getOrCreateExifDirectory().add(ExifTagConstants.EXIF_TAG_DATE_TIME_ORIGINAL, "2026:06:01 10:00:00");
      exif.setGpsInDegrees(lon, lat);
      exif.getOrCreateGpsDirectory().add(GpsTagConstants.GPS_TAG_GPS_ALTITUDE_REF, (byte) 0);
      exif.getOrCreateGpsDirectory().add(GpsTagConstants.GPS_TAG_GPS_ALTITUDE, RationalNumber.valueOf(altitude));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      new ExifRewriter().updateExifMetadataLossless(jpeg, (OutputStream) out, exif);
      return out.toByteArray();
    } catch (ImagingException e) {
      throw new IOException(e);
    }
  }
}
