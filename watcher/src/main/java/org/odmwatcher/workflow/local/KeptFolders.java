package org.odmwatcher.workflow.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.odmwatcher.workflow.KeptWorkspaceStore;
import org.odmwatcher.workflow.KeptWorkspaces;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local mode's kept workspaces: a job's work folder ({@code <work-dir>/<job id>}, ODM's project in
 * {@code project/}) left in place after the job ended, with a {@value #MARKER} beside the project
 * saying for which bucket folder and job, and until when (the cluster's claim labels and
 * annotations, {@link KeptWorkspaces}). A resumed run takes the folder over (the marker then names
 * it instead of a keep time), so the sweep never removes a folder a run works in. Names come from
 * {@code status.json}, which anyone who can write the bucket can edit: only a job id names a
 * folder, resolved under the work directory, and a run takes over only a folder kept for its own
 * bucket folder (or one it took over before a restart).
 */
final class KeptFolders implements KeptWorkspaceStore {
  private static final Logger LOG = LoggerFactory.getLogger(KeptFolders.class);
  private static final Pattern NAME = Pattern.compile("[0-9a-f]{32}");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The file that marks a work folder as kept. */
  static final String MARKER = "kept.json";

  private final Path root;

  KeptFolders(Path root) {
    this.root = root;
  }

  /** The work folder {@code name} stands for, when it is a job id. */
  Optional<Path> folder(String name) {
    return name != null && NAME.matcher(name).matches() ? Optional.of(root.resolve(name)) : Optional.empty();
  }

  /** Marks the work folder {@code name} as kept until {@code until} for the job of {@code bucket}/{@code folder}. */
  synchronized void keep(String name, String bucket, String folder, String jobId, Instant until) throws IOException {
    Path dir = folder(name).orElseThrow(() -> new IllegalArgumentException("not a work folder: " + name));
    ObjectNode marker = JSON.createObjectNode().put("bucket", bucket).put("folder", folder).put("jobId", jobId)
        .put("keepUntil", until.toString());
    write(dir, marker);
  }

  /** The kept folder {@code name}, when it is kept until after {@code now} and still holds ODM's project. */
  Optional<KeptWorkspaces.Kept> find(String name, Instant now) {
    return folder(name).filter(dir -> Files.isDirectory(dir.resolve(OdmCommand.PROJECT)))
        .flatMap(this::read).filter(k -> k.keepUntil().isAfter(now));
  }

  /**
   * Job {@code jobId} of {@code bucket}/{@code folder} resumes in the work folder {@code name}: no
   * longer kept, the job's now. False when the folder is not kept for that bucket folder (and not
   * this job's already): the job then runs from the start in a folder of its own.
   */
  synchronized boolean takeOver(String name, String bucket, String folder, String jobId) {
    Optional<Path> dir = folder(name);
    if (dir.isEmpty()) {
      return false;
    }
    try {
      JsonNode marker = JSON.readTree(dir.get().resolve(MARKER).toFile());
      boolean same = bucket.equals(marker.path("bucket").asText()) && folder.equals(marker.path("folder").asText());
      boolean kept = marker.path("keepUntil").isTextual();
      if (!same || !kept && !jobId.equals(marker.path("takenBy").asText())) {
        return false;
      }
      ObjectNode taken = JSON.createObjectNode().put("bucket", bucket).put("folder", folder).put("jobId", jobId)
          .put("takenBy", jobId);
      write(dir.get(), taken);
      return true;
    } catch (IOException e) {
      LOG.info("work folder {} cannot be taken over ({}); the job runs from the start", dir.get(), e.toString());
      return false;
    }
  }

  private static void write(Path dir, ObjectNode marker) throws IOException {
    Path partial = dir.resolve(MARKER + ".partial");
    Files.write(partial, JSON.writeValueAsBytes(marker));
    Files.move(partial, dir.resolve(MARKER), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  @Override
  public synchronized List<KeptWorkspaces.Kept> all() {
    List<KeptWorkspaces.Kept> kept = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
      for (Path dir : dirs) {
        if (NAME.matcher(dir.getFileName().toString()).matches()) {
          read(dir).ifPresent(kept::add);
        }
      }
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      LOG.warn("cannot list kept work folders in {}: {}", root, e.toString());
    }
    return kept;
  }

  /** Deletes the work folder when it is kept; one a run has taken over stays. */
  @Override
  public synchronized void release(String name) {
    Optional<Path> dir = folder(name);
    if (dir.isEmpty() || read(dir.get()).isEmpty()) {
      return;
    }
    try {
      // The marker first: a folder half deleted (a file in use on Windows) is no longer offered to resume.
      Files.deleteIfExists(dir.get().resolve(MARKER));
      LocalRun.deleteTree(dir.get());
    } catch (IOException e) {
      LOG.warn("cannot remove work folder {}: {}", dir.get(), e.toString());
    }
  }

  private Optional<KeptWorkspaces.Kept> read(Path dir) {
    try {
      JsonNode marker = JSON.readTree(dir.resolve(MARKER).toFile());
      if (!marker.path("keepUntil").isTextual()) {
        return Optional.empty(); // taken over by a resumed run
      }
      return Optional.of(new KeptWorkspaces.Kept(dir.getFileName().toString(), marker.path("bucket").asText(),
          marker.path("folder").asText(), marker.path("jobId").asText(), Instant.parse(marker.path("keepUntil").asText())));
    } catch (NoSuchFileException | java.io.FileNotFoundException e) {
      return Optional.empty();
    } catch (IOException | DateTimeParseException e) {
      LOG.warn("work folder {} has an unreadable {} ({}); not treated as kept", dir, MARKER, e.toString());
      return Optional.empty();
    }
  }
}
