package org.odmwatcher.dashboard;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.apache.commons.imaging.Imaging;
import org.apache.commons.imaging.ImagingException;
import org.apache.commons.imaging.common.ImageMetadata;
import org.apache.commons.imaging.formats.jpeg.JpegImageMetadata;
import org.apache.commons.imaging.formats.tiff.TiffField;
import org.apache.commons.imaging.formats.tiff.TiffImageMetadata;
import org.apache.commons.imaging.formats.tiff.constants.GpsTagConstants;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * Where an image was taken, from the first bytes of its file: the EXIF GPS tags (JPEG's APP1 or a
 * TIFF/DNG's first directory), else the XMP GPS a drone wrote ({@code drone-dji:GpsLatitude} and
 * {@code GpsLongitude} or DJI's misspelt {@code GpsLongtitude}, decimal degrees; {@code
 * exif:GPSLatitude}/{@code GPSLongitude} as XMP spells EXIF's, {@code "52,30.12N"}). Read with
 * Apache Commons Imaging, the library the tests also write the sample images' EXIF with.
 */
final class ImagePositionReader {
  /** A position in WGS84 degrees; {@code altitude} in metres, {@code NaN} when unknown. */
  record Position(double longitude, double latitude, double altitude) {}

  /** The header was cut before the tags ended: read more of the file. */
  static final class NeedMoreBytes extends Exception {
    NeedMoreBytes(Throwable cause) {
      super(cause);
    }
  }

  private ImagePositionReader() {}

  /**
   * The position in {@code head}, the first bytes of an image; empty when the image has none.
   *
   * @param whole whether {@code head} is the whole file (no more bytes to read)
   * @throws NeedMoreBytes when the tags seem to run past {@code head} and {@code whole} is false
   */
  static Optional<Position> read(byte[] head, boolean whole) throws NeedMoreBytes {
    ImageMetadata metadata;
    try {
      metadata = Imaging.getMetadata(head);
    } catch (IOException | RuntimeException e) {
      if (!whole) {
        throw new NeedMoreBytes(e);
      }
      metadata = null;
    }
    TiffImageMetadata exif = metadata instanceof JpegImageMetadata jpeg ? jpeg.getExif()
        : metadata instanceof TiffImageMetadata tiff ? tiff : null;
    if (exif != null) {
      try {
        TiffImageMetadata.GpsInfo gps = exif.getGpsInfo();
        if (gps != null) {
          return Optional.of(new Position(gps.getLongitudeAsDegreesEast(), gps.getLatitudeAsDegreesNorth(), altitude(exif)));
        }
      } catch (ImagingException | RuntimeException e) {
        // malformed GPS tags: try the XMP below
      }
    }
    return xmp(head);
  }

  private static double altitude(TiffImageMetadata exif) {
    try {
      TiffField field = exif.findField(GpsTagConstants.GPS_TAG_GPS_ALTITUDE);
      if (field == null) {
        return Double.NaN;
      }
      TiffField ref = exif.findField(GpsTagConstants.GPS_TAG_GPS_ALTITUDE_REF);
      double metres = field.getDoubleValue();
      return ref != null && ref.getIntValue() == 1 ? -metres : metres; // 1: below sea level (EXIF 2.3)
    } catch (ImagingException | RuntimeException e) {
      return Double.NaN;
    }
  }

  private static Optional<Position> xmp(byte[] head) {
    String xml;
    try {
      xml = Imaging.getXmpXml(head);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
    if (xml == null || xml.isBlank()) {
      return Optional.empty();
    }
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      factory.setNamespaceAware(false);
      Document doc = factory.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      String lat = value(doc, "drone-dji:GpsLatitude");
      String lon = value(doc, "drone-dji:GpsLongitude");
      if (lon == null) {
        lon = value(doc, "drone-dji:GpsLongtitude");
      }
      if (lat != null && lon != null) {
        String alt = value(doc, "drone-dji:AbsoluteAltitude");
        return Optional.of(new Position(Double.parseDouble(lon.trim()), Double.parseDouble(lat.trim()),
            alt == null ? Double.NaN : Double.parseDouble(alt.trim())));
      }
      lat = value(doc, "exif:GPSLatitude");
      lon = value(doc, "exif:GPSLongitude");
      if (lat != null && lon != null) {
        return Optional.of(new Position(xmpCoordinate(lon), xmpCoordinate(lat), Double.NaN));
      }
    } catch (ParserConfigurationException | SAXException | IOException | RuntimeException e) {
      // unreadable XMP: no position
    }
    return Optional.empty();
  }

  /** An XMP property, written either as an attribute of rdf:Description or as an element. */
  private static String value(Document doc, String name) {
    NodeList descriptions = doc.getElementsByTagName("rdf:Description");
    for (int i = 0; i < descriptions.getLength(); i++) {
      Element d = (Element) descriptions.item(i);
      if (d.hasAttribute(name)) {
        return d.getAttribute(name);
      }
    }
    NodeList elements = doc.getElementsByTagName(name);
    return elements.getLength() > 0 ? elements.item(0).getTextContent() : null;
  }

  /** XMP's EXIF coordinate, {@code "DDD,MM.mmk"} or {@code "DDD,MM,SSk"} (XMP spec part 2, GPSCoordinate). */
  static double xmpCoordinate(String text) {
    String t = text.trim();
    char ref = Character.toUpperCase(t.charAt(t.length() - 1));
    String[] parts = t.substring(0, t.length() - 1).split(",");
    double value = Double.parseDouble(parts[0]);
    if (parts.length > 1) {
      value += Double.parseDouble(parts[1]) / 60;
    }
    if (parts.length > 2) {
      value += Double.parseDouble(parts[2]) / 3600;
    }
    return ref == 'S' || ref == 'W' ? -value : value;
  }
}
