package org.odmwatcher.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Proves the benchmark command still runs end to end, in its tiny configuration. Timings never
 * gate CI: this asserts only that every figure was produced.
 */
class BenchSmokeTest {
  @Test
  @SuppressWarnings("unchecked")
  void smokeRunProducesEveryFigure() throws Exception {
    Map<String, Object> result = new Bench(Bench.SMOKE).run();
    Map<String, Object> figures = (Map<String, Object>) result.get("figures");
    List<String> expected =
        List.of(
            "parse.recordsPerSecond",
            "overhead.20.floor.foldersPerSecond",
            "overhead.20.floor.p50ms",
            "overhead.20.watcher.foldersPerSecond",
            "overhead.20.watcher.handlingP50ms",
            "overhead.20.watcher.handlingP99ms",
            "overhead.20.watcher.enqueuedToDoneP99ms",
            "overhead.20.ratio.time",
            "overhead.20.ratio.p50",
            "overhead.20.floor.cpuMsPerFolder",
            "overhead.20.floor.receiveCalls",
            "overhead.20.watcher.receiveCalls",
            "event.p50ms",
            "event.p99ms",
            "phase.p50ms",
            "phase.p99ms",
            "progress.p50ms",
            "progress.p99ms",
            "resume.fullRunSeconds",
            "resume.resumedRunSeconds",
            "resume.ratio",
            "startup.toFirstPollMs",
            "startup.idleRssMb",
            "startup.cds.toFirstPollMs",
            "startup.cds.idleRssMb",
            "scaling.workers.1.foldersPerSecond",
            "scaling.workers.4.foldersPerSecond",
            "scaling.bucket.50.foldersPerSecond",
            "scaling.bucket.100.foldersPerSecond",
            "sweep.50.firstRoundMs",
            "sweep.100.laterRoundMs",
            "dashboard.100.startAndSeedMs",
            "dashboard.100.jobsP50ms",
            "dashboard.100.jobsP99ms",
            "dashboard.100.firstListMs",
            "dashboard.100.static.firstListMs",
            "dashboard.100.summaryBytes",
            "indexQuery.1000.p50ms",
            "indexQuery.1000.p99ms",
            "indexQuery.1000.fullSort.p50ms",
            "scale.200.50.startToIndexMs",
            "scale.200.50.jobsP99ms",
            "scale.200.50.idleRssMb",
            "scale.200.50.liveHeapMb",
            "scale.200.50.informerMb",
            "scale.200.50.sweep.laterRoundMs",
            "scale.200.50.sweep.listFloorMs",
            "scale.200.50.perFolder.ratio.time",
            "scale.200.50.perFolder.watcher.foldersPerSecond",
            "map.cogBytes",
            "map.firstView.sharePercent",
            "map.firstView.ms",
            "api.taskInfo.requestsPerSecond",
            "api.taskInfo.p99ms",
            "api.taskInfo.ratio",
            "api.taskInfo.s3Calls",
            "api.taskList.requestsPerSecond",
            "api.upload20mb.requestsPerSecond");
    assertThat(figures).containsKeys(expected.toArray(String[]::new));
    assertThat((Number) figures.get("parse.recordsPerSecond")).matches(n -> n.doubleValue() > 0, "positive");
    assertThat((Number) figures.get("startup.toFirstPollMs")).matches(n -> n.doubleValue() > 0, "the watcher JVM started");
    assertThat(((Number) figures.get("api.taskInfo.s3Calls")).longValue())
        .as("S3 calls of the task-info run: revalidations only, never one per request")
        .isLessThanOrEqualTo(((Number) figures.get("api.taskInfo.s3CallsAllowedByRevalidation")).longValue());
    assertThat((Number) figures.get("api.taskInfo.errors")).matches(n -> n.longValue() == 0, "no errors");
    assertThat(result).containsKeys("date", "cores", "java");
  }
}
