package org.odmwatcher.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class StatusIndexTest {
  private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

  private static JobStatus job(String id, JobState state, int secondsAfter) {
    return JobStatus.of(id, "e", "Job " + id, state, state.wireName(), T0).stamped(T0, T0.plusSeconds(secondsAfter));
  }

  @Test
  void aLateOrDuplicatedStatusNeverTakesARowBack() {
    StatusIndex index = new StatusIndex(new OutputKeyValidator("results/"));
    index.put("b", "f/", job("a", JobState.RUNNING, 10));
    long version = index.version();
    index.put("b", "f/", job("a", JobState.SUBMITTED, 20)); // lower state, even if stamped later
    index.put("b", "f/", job("a", JobState.RUNNING, 5)); // older
    assertThat(index.get("b", "f/").orElseThrow().status().state()).isEqualTo(JobState.RUNNING);
    assertThat(index.version()).isEqualTo(version);
    index.put("b", "f/", job("a", JobState.SUCCEEDED, 30));
    assertThat(index.get("b", "f/").orElseThrow().status().state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(index.version()).isGreaterThan(version);
    index.put("b", "f/", job("new-version", JobState.SUBMITTED, 40)); // a new odm.json replaces it
    assertThat(index.get("b", "f/").orElseThrow().status().jobId()).isEqualTo("new-version");
  }

  @Test
  void outputsOutsideTheJobsResultsAreDroppedWhenIndexed() {
    StatusIndex index = new StatusIndex(new OutputKeyValidator("results/"));
    List<String> refused = List.of("../victim/secret.txt", "results/../../victim/x", "results//x",
        "results/./x", "results/", "results", "odm.json", "/results/x", "results\\..\\..\\victim\\x",
        "results/a\u001b[2Jb", "results/a\nb", "Results/x");
    index.put("b", "pilot/", job("a", JobState.SUCCEEDED, 1)
        .withOutputs(Stream.concat(refused.stream(), Stream.of("results/odm_orthophoto/o.tif")).toList()));
    assertThat(index.get("b", "pilot/").orElseThrow().status().outputs()).containsExactly("results/odm_orthophoto/o.tif");
    assertThat(new OutputKeyValidator("results/").refused(index.get("b", "pilot/").orElseThrow().status())).isEmpty();
  }

  @Test
  void queriesFilterByStateAndTextSortAndPageWithCountsOverAllJobs() {
    StatusIndex index = new StatusIndex(new OutputKeyValidator("results/"));
    for (int i = 0; i < 25; i++) {
      JobState state = i % 5 == 0 ? JobState.FAILED : JobState.RUNNING;
      index.put("b", String.format("farm-%02d/", i), job("j" + i, state, i));
    }
    index.put("other", "farm-99/", job("x", JobState.INVALID, 99));

    StatusIndex.Page failed = index.query(new StatusIndex.Query(EnumSet.of(JobState.FAILED), "", "folder", false, 0, 50));
    assertThat(failed.total()).isEqualTo(5);
    assertThat(failed.rows()).extracting(StatusIndex.Row::folder)
        .containsExactly("farm-00/", "farm-05/", "farm-10/", "farm-15/", "farm-20/");
    assertThat(failed.counts()).containsEntry(JobState.RUNNING, 20).containsEntry(JobState.FAILED, 5).containsEntry(JobState.INVALID, 1);

    StatusIndex.Page text = index.query(new StatusIndex.Query(Set.of(), "FARM-1", "updated", true, 0, 50));
    assertThat(text.rows()).extracting(StatusIndex.Row::folder).first().isEqualTo("farm-19/");
    assertThat(text.total()).isEqualTo(10);

    StatusIndex.Page second = index.query(new StatusIndex.Query(Set.of(), "", "updated", true, 1, 10));
    assertThat(second.total()).isEqualTo(26);
    assertThat(second.rows()).hasSize(10).extracting(StatusIndex.Row::folder).first().isEqualTo("farm-15/");
    assertThat(index.query(new StatusIndex.Query(Set.of(), "", "updated", true, 9, 10)).rows()).isEmpty();
  }
}
