package org.odmwatcher.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import java.util.List;

/**
 * The dashboard ({@code watcher.dashboard.*}): the page at {@code /}, its JSON feed, the summary
 * object static copies of the page read, and the in-memory index behind both. Access uses the
 * NodeODM API's token ({@code watcher.api.token}) when one is set.
 *
 * @param enabled serve the page and keep the index
 * @param buckets buckets listed at start (and every {@code resync}) to seed the index, besides the
 *     sweep's, the MinIO webhook's and the API's; SQS deployments name theirs here (a queue names none)
 * @param summaryKey key of the summary object written at the root of each bucket the index knows;
 *     empty to write none
 * @param summaryInterval how often a changed bucket's summary is written again
 * @param resync how often the seed listing runs again, to catch statuses written by other
 *     processes (the Workflow's exit handler, other replicas); only changed objects are read
 * @param downloads {@code redirect} (303 to a presigned URL of the store) or {@code stream}
 *     (through the watcher, for stores the browser cannot reach)
 * @param presignTtl how long a presigned download link is valid
 * @param argoUiUrl base URL of the Argo UI; when set, a job links to its Workflow there
 * @param publishSite write the page itself into each seeded bucket under {@code sitePrefix}, so it
 *     can be opened straight from the bucket (or any static host)
 * @param sitePrefix where {@code publishSite} puts the page
 * @param sessionTtl how long a sign-in lasts; it also ends at sign-out (known to the replica that
 *     answered it, until a restart) and when the API token changes
 * @param secureCookie {@code auto}: the session cookie is {@code Secure} when the request came over
 *     TLS, or through a {@code trustedProxies} proxy that says {@code X-Forwarded-Proto: https};
 *     {@code always} or {@code never}
 * @param trustedProxies addresses or CIDR ranges (e.g. {@code 10.0.0.0/8}) of the proxies whose
 *     {@code X-Forwarded-Proto} is believed (the Ingress controller); none by default
 * @param baseMapUrl an XYZ tile URL template ({@code https://tile.example.org/{z}/{x}/{y}.png})
 *     drawn under the job's map; none by default, so the map makes no request outside the watcher
 *     and the bucket unless the operator names a tile server here
 * @param baseMapAttribution the credit the tile server asks for, shown on the map
 * @param positionsThreads how many image headers are read at once for the image positions map
 *     (a background pool; the event handling never waits for it)
 * @param positionsHeaderBytes the first ranged read of each image for its GPS tags (EXIF sits at
 *     the file's start; a larger read follows when the tags run past it)
 * @param listParallelism how many listings of one bucket the seed runs at once, each over a range
 *     of its keys split at folders the index already holds (S3 answers 1,000 keys a request, one
 *     request after another within a listing)
 */
@ConfigurationProperties(DashboardConfig.PREFIX)
public record DashboardConfig(
    @Bindable(defaultValue = "true") boolean enabled,
    @Bindable(defaultValue = "") List<String> buckets,
    @Bindable(defaultValue = "index.json") @NotNull String summaryKey,
    @Bindable(defaultValue = "5s") @NotNull Duration summaryInterval,
    @Bindable(defaultValue = "10m") @NotNull Duration resync,
    @Bindable(defaultValue = "redirect")
        @NotNull
        @Pattern(regexp = "redirect|stream", message = "watcher.dashboard.downloads must be redirect or stream")
        String downloads,
    @Bindable(defaultValue = "15m") @NotNull Duration presignTtl,
    @Nullable String argoUiUrl,
    @Bindable(defaultValue = "false") boolean publishSite,
    @Bindable(defaultValue = "dashboard/")
        @NotNull
        @Pattern(regexp = "([^/].*/)?", message = "watcher.dashboard.site-prefix must be empty or end with /")
        String sitePrefix,
    @Bindable(defaultValue = "12h") @NotNull Duration sessionTtl,
    @Bindable(defaultValue = "auto")
        @NotNull
        @Pattern(regexp = "auto|always|never", message = "watcher.dashboard.secure-cookie must be auto, always or never")
        String secureCookie,
    @Bindable(defaultValue = "") List<String> trustedProxies,
    @Nullable
        @Pattern(regexp = "https?://.*\\{z}.*", message = "watcher.dashboard.base-map-url must be an http(s) URL template with {z}, {x} and {y}")
        String baseMapUrl,
    @Nullable String baseMapAttribution,
    @Bindable(defaultValue = "2") @jakarta.validation.constraints.Min(1) int positionsThreads,
    @Bindable(defaultValue = "65536") @jakarta.validation.constraints.Min(1024) int positionsHeaderBytes,
    @Bindable(defaultValue = "4") @jakarta.validation.constraints.Min(1) int listParallelism) {

  public static final String PREFIX = "watcher.dashboard";

  public DashboardConfig {
    buckets = buckets == null ? List.of() : buckets.stream().filter(b -> !b.isBlank()).toList();
    trustedProxies = trustedProxies == null ? List.of() : trustedProxies.stream().map(String::trim).filter(p -> !p.isEmpty()).toList();
    if (sessionTtl.isNegative() || sessionTtl.isZero()) {
      throw new IllegalArgumentException("watcher.dashboard.session-ttl must be positive");
    }
  }

  public boolean writesSummary() {
    return !summaryKey.isBlank();
  }
}
