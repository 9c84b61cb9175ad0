package org.odmwatcher.event.sweep;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.odmwatcher.event.ObjectCreated;
import org.odmwatcher.event.ObjectCreatedHandler;
import org.odmwatcher.event.ObjectCreatedHandler.Outcome;
import org.odmwatcher.retry.TransientFailureException;
import org.odmwatcher.event.filter.OwnWritesFilter;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.StatusWriter;
import org.odmwatcher.storage.BucketStore;
import org.odmwatcher.workflow.JobId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sweep over buckets and prefixes: a recursive listing (paged by the SDK) yields, per folder,
 * whether it holds a manifest and a status file; only folders whose manifest is not known to be
 * handled go further. A folder is handed to the {@link ObjectCreatedHandler} when it has no status
 * file, when its status is about another upload of the manifest (edited, or the same bytes uploaded
 * again: ETag and Last-Modified, see {@link BucketStore#version}), or when its job is not finished
 * and this process has not looked at it yet (so a restart picks up interrupted jobs). On a
 * versioned bucket a listing cannot name the version the job id is made of, so a finished folder
 * goes to the handler once per process, which finds its job recorded. Folders handled for good are
 * remembered (bounded cache: folder → manifest upload), so a quiet bucket costs one listing per
 * round and no reads. Waiting folders are re-offered every round. A transient failure is logged
 * and the folder is tried again next round.
 */
public final class BucketSweep {
  private static final Logger LOG = LoggerFactory.getLogger(BucketSweep.class);

  private final BucketStore store;
  private final StatusWriter statusWriter;
  private final ObjectCreatedHandler handler;
  private final String manifestName;
  private final String statusName;
  private final OwnWritesFilter ownWrites;
  private final List<String> buckets;
  private final List<String> prefixes;
  private final Cache<String, String> handled;

  /** What one round did, for logs and tests. */
  public record Round(int manifests, int offered, int failed) {}

  public BucketSweep(
      BucketStore store,
      StatusWriter statusWriter,
      ObjectCreatedHandler handler,
      String manifestName,
      String statusName,
      String resultsFolder,
      List<String> buckets,
      List<String> prefixes,
      long cacheSize) {
    this.store = store;
    this.statusWriter = statusWriter;
    this.handler = handler;
    this.manifestName = manifestName;
    this.statusName = statusName;
    this.ownWrites = new OwnWritesFilter(statusName, resultsFolder);
    this.buckets = List.copyOf(buckets);
    this.prefixes = prefixes.isEmpty() ? List.of("") : List.copyOf(prefixes);
    this.handled = Caffeine.newBuilder().maximumSize(cacheSize).build();
  }

  /** Sweeps every configured bucket and prefix once. */
  public Round sweep() {
    int manifests = 0;
    int offered = 0;
    int failed = 0;
    for (String bucket : buckets) {
      for (String prefix : prefixes) {
        Map<String, BucketStore.Entry> manifestByFolder = new LinkedHashMap<>();
        Set<String> withStatus = new HashSet<>();
        try {
          // one page at a time: a round holds the folders' manifests, not the bucket's every key
          store.listEach(bucket, prefix, entry -> {
            if (entry.key().isBlank()) {
              return; // no folder's file (ObjectCreated refuses it): one such key must not stop the round
            }
            ObjectCreated object = ObjectCreated.of(bucket, entry.key());
            if (object.fileName().equals(statusName)) {
              withStatus.add(object.folder());
            } else if (object.fileName().equals(manifestName) && ownWrites.accept(object)) {
              manifestByFolder.put(object.folder(), entry);
            }
          });
        } catch (TransientFailureException | RuntimeException e) {
          // the other buckets and prefixes still go ahead this round
          LOG.warn("sweep of s3://{}/{} failed ({}); next round tries again", bucket, prefix, e.getMessage());
          failed++;
          continue;
        }
        for (Map.Entry<String, BucketStore.Entry> folder : manifestByFolder.entrySet()) {
          manifests++;
          try {
            if (offer(bucket, folder.getKey(), folder.getValue(), withStatus.contains(folder.getKey()))) {
              offered++;
            }
          } catch (TransientFailureException | RuntimeException e) {
            LOG.warn("sweep: s3://{}/{} failed ({}); next round tries again", bucket, folder.getValue().key(), e.getMessage());
            failed++;
          }
        }
      }
    }
    if (offered > 0 || failed > 0) {
      LOG.info("sweep: {} manifests, {} handed to the pipeline, {} failures", manifests, offered, failed);
    }
    return new Round(manifests, offered, failed);
  }

  private boolean offer(String bucket, String folder, BucketStore.Entry manifest, boolean hasStatus)
      throws TransientFailureException {
    String cacheKey = bucket + '\n' + folder;
    String upload = manifest.unversioned();
    if (upload.equals(handled.getIfPresent(cacheKey))) {
      return false;
    }
    if (hasStatus) {
      Optional<JobStatus> status = statusWriter.read(bucket, folder);
      if (status.isPresent() && status.get().state().isFinal() && about(bucket, folder, manifest, status.get())) {
        handled.put(cacheKey, upload);
        return false;
      }
    }
    Outcome outcome =
        handler.handle(new ObjectCreated(bucket, manifest.key(), manifest.size(), manifest.eTag(), null, null, null));
    LOG.debug("sweep: s3://{}/{} → {}", bucket, manifest.key(), outcome);
    if (outcome != Outcome.WAITING) {
      handled.put(cacheKey, upload);
    }
    return true;
  }

  /** Whether {@code status} is about the upload of the manifest the listing shows. */
  private static boolean about(String bucket, String folder, BucketStore.Entry manifest, JobStatus status) {
    if (status.jobId().equals(JobId.derive(bucket, folder, manifest.unversioned()).value())) {
      return true;
    }
    // Written before a job was an upload (its id made of the ETag alone): about this upload unless
    // the manifest was uploaded again after the status was last written, so that an upgrade does
    // not run every finished job once more.
    return status.jobId().equals(JobId.derive(bucket, folder, manifest.eTag()).value())
        && manifest.lastModified() != null
        && !manifest.lastModified().isAfter(status.updatedAt());
  }

  /** Forgets what was handled (the next round reads every status again). */
  public void forget() {
    handled.invalidateAll();
  }

}
