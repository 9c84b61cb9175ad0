package org.odmwatcher.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;

/**
 * Split-merge on the cluster ({@code watcher.split-merge.*}). When {@code clusterUrl} is set, a job
 * whose manifest sets {@code split} runs ODM with {@code --sm-cluster} pointing at this watcher's
 * NodeODM API, as ClusterODM points it at itself (ClusterODM libs/taskNew.js augmentTaskOptions):
 * ODM's LocalRemoteExecutor (opendm/remote.py) then sends each submodel there as a NodeODM task,
 * which becomes a child Workflow. Without it {@code split} runs every submodel inside the one pod.
 *
 * @param clusterUrl the API as the ODM pod reaches it, {@code http://host:port} (pyODM's
 *     Node.from_url keeps only host, port and {@code ?token=}, so the API must answer at {@code /});
 *     e.g. {@code http://odm-watcher.odm.svc:8080}; null turns distributed split-merge off
 * @param tokenSecret key of the per-job tokens the watcher mints for {@code sm-cluster} (HMAC-SHA256
 *     of the job id and the token's expiry); required with {@code clusterUrl}; keep it as secret as the API token
 * @param maxChildrenPerJob submodel Workflows of one job running at once; a task above it reads
 *     QUEUED, which ODM takes as "node full" and retries later
 * @param maxChildren submodel Workflows of all jobs running at once in the namespace
 * @param tokenLifetime how long a job's token is valid from its submission (it also dies when the
 *     job ends); the template's {@code activeDeadlineSeconds} (48 h) by default
 * @param maxTasksPerJob API tasks one job's token may hold at once (created and not removed yet);
 *     ODM creates two per submodel and removes each when it is done with it
 */
@ConfigurationProperties(SplitMergeConfig.PREFIX)
public record SplitMergeConfig(
    @Nullable String clusterUrl,
    @Nullable String tokenSecret,
    @Bindable(defaultValue = "4") @Min(1) int maxChildrenPerJob,
    @Bindable(defaultValue = "16") @Min(1) int maxChildren,
    @Bindable(defaultValue = "48h") @NotNull Duration tokenLifetime,
    @Bindable(defaultValue = "200") @Min(1) int maxTasksPerJob) {

  public static final String PREFIX = "watcher.split-merge";

  public SplitMergeConfig {
    if (tokenLifetime == null || tokenLifetime.isNegative() || tokenLifetime.isZero()) {
      throw new IllegalArgumentException("watcher.split-merge.token-lifetime must be positive");
    }
    if (clusterUrl != null && !clusterUrl.isBlank()) {
      if (tokenSecret == null || tokenSecret.length() < 16) {
        throw new IllegalArgumentException(
            "watcher.split-merge.token-secret (16 characters or more) must be set with watcher.split-merge.cluster-url");
      }
      java.net.URI uri = java.net.URI.create(clusterUrl);
      if (uri.getHost() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
          || (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/")) || uri.getQuery() != null) {
        throw new IllegalArgumentException("watcher.split-merge.cluster-url must be http(s)://host[:port] with no path or query"
            + " (pyODM keeps only host, port and token: the API answers at /), found " + clusterUrl);
      }
    }
  }

  /** Off: no cluster URL. */
  public static SplitMergeConfig off() {
    return new SplitMergeConfig(null, null, 4, 16, Duration.ofHours(48), 200);
  }

  public boolean enabled() {
    return clusterUrl != null && !clusterUrl.isBlank();
  }
}
