package org.odmwatcher.local;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Properties;

/**
 * The embedded S3 server's keys, random per data directory: made on first start, kept in {@code
 * <data>/local.env} (readable by its owner only) and read again on later starts. The file is also
 * what the CLI and the AWS CLI take the keys and endpoint from ({@code set -a; . odm-data/local.env}),
 * so no secret has to appear on a command line. Fixed, published keys would let any web page or
 * machine that reaches the port sign requests.
 */
public record LocalKeys(String accessKey, String secretKey) {
  public static final String FILE = "local.env";
  private static final String ACCESS = "AWS_ACCESS_KEY_ID";
  private static final String SECRET = "AWS_SECRET_ACCESS_KEY";

  /** The directory's keys, made and stored now if it has none. */
  public static LocalKeys of(Path data) throws IOException {
    Path file = data.resolve(FILE);
    if (Files.exists(file)) {
      Properties env = new Properties();
      try (Reader in = new StringReader(Files.readString(file, StandardCharsets.UTF_8).replace("export ", ""))) {
        env.load(in);
      }
      String access = env.getProperty(ACCESS);
      String secret = env.getProperty(SECRET);
      if (access != null && !access.isBlank() && secret != null && !secret.isBlank()) {
        return new LocalKeys(access.trim(), secret.trim());
      }
    }
    SecureRandom random = new SecureRandom();
    byte[] id = new byte[10];
    byte[] secret = new byte[24];
    random.nextBytes(id);
    random.nextBytes(secret);
    return new LocalKeys("odm-" + HexFormat.of().formatHex(id), HexFormat.of().formatHex(secret));
  }

  /** Writes the keys and the endpoint to {@code <data>/local.env}, owner-only. */
  public void store(Path data, String endpoint) throws IOException {
    Files.createDirectories(data);
    Path file = data.resolve(FILE);
    String text = "# ODM Watcher local mode: the embedded S3 server's keys for this data directory (keep private).\n"
        + "# Load them with:  set -a; . " + file + "; set +a\n"
        + ACCESS + "=" + accessKey + "\n"
        + SECRET + "=" + secretKey + "\n"
        + "AWS_DEFAULT_REGION=us-east-1\n"
        + "AWS_ENDPOINT_URL=" + endpoint + "\n";
    Path temp = Files.createTempFile(data, ".local", ".env");
    try {
      try {
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system (Windows): the user profile's ACLs apply
      }
      Files.writeString(temp, text, StandardCharsets.UTF_8);
      Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
