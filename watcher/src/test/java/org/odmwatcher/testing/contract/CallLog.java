package org.odmwatcher.testing.contract;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The calls the test suite made, one JSON object a line, for the RBAC and IAM contracts that the
 * {@code manifests} module checks after this module's tests ran (consumer-driven: the calls are
 * what the code does, the module that owns the Roles and policies judges them).
 *
 * <p>Recording is on only when the system property {@value #DIRECTORY_PROPERTY} names a directory
 * (this module's surefire configuration sets it to {@code target/contract-calls}); the benchmark
 * and a test started from an IDE record nothing. Each file is started afresh by the first call of
 * a JVM, so a file never mixes runs. Identical calls are written once.
 */
public final class CallLog {
  public static final String DIRECTORY_PROPERTY = "contract.calls.dir";
  public static final CallLog KUBERNETES = new CallLog("kubernetes-calls.jsonl");
  public static final CallLog AWS = new CallLog("aws-calls.jsonl");

  private static final ObjectMapper JSON = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private final String fileName;
  private final Set<String> written = ConcurrentHashMap.newKeySet();
  private BufferedWriter out;
  private boolean off;

  private CallLog(String fileName) {
    this.fileName = fileName;
  }

  /** Appends one call (a flat map of strings, lists of strings or nulls) unless recorded before. */
  public void record(Map<String, Object> call) {
    String line;
    try {
      line = JSON.writeValueAsString(new java.util.TreeMap<>(call));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!written.add(line)) {
      return;
    }
    synchronized (this) {
      try {
        BufferedWriter writer = writer();
        if (writer != null) {
          writer.write(line);
          writer.newLine();
          writer.flush();
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot record a call in " + fileName, e);
      }
    }
  }

  private BufferedWriter writer() throws IOException {
    if (out == null && !off) {
      String dir = System.getProperty(DIRECTORY_PROPERTY);
      if (dir == null || dir.isBlank()) {
        off = true;
        return null;
      }
      Path file = Path.of(dir).resolve(fileName);
      Files.createDirectories(file.getParent());
      out = Files.newBufferedWriter(file, StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
    }
    return out;
  }
}
