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

  @Test
  void aPageFromTheKeptViewsIsThePageOfAFullSortAfterEveryPutAndRemove() {
    StatusIndex index = new StatusIndex(new OutputKeyValidator("results/"));
    java.util.Random random = new java.util.Random(27);
    java.util.Map<String, JobStatus> truth = new java.util.HashMap<>();
    JobState[] states = {JobState.SUBMITTED, JobState.RUNNING, JobState.SUCCEEDED, JobState.FAILED};
    String[] sorts = {"updated", "name", "folder", "progress", "created", "state", "duration", "images"};
    for (int step = 0; step < 3000; step++) {
      String folder = "f" + random.nextInt(300) + "/";
      int action = random.nextInt(10);
      if (action == 0) {
        index.remove("b", folder);
        truth.remove(folder);
      } else if (action == 1) {
        JobStatus summarized = job("s" + step, states[random.nextInt(states.length)], step);
        if (index.putSummarized("b", folder, summarized)) {
          truth.put(folder, summarized);
        }
      } else {
        JobStatus status = job("j" + random.nextInt(3), states[random.nextInt(states.length)], step)
            .withProgress(null, random.nextInt(101)).withImages(random.nextInt(50), null);
        if (index.put("b", folder, status)) {
          truth.put(folder, index.get("b", folder).orElseThrow().status());
        }
      }
      if (step % 7 == 0) {
        String sort = sorts[random.nextInt(sorts.length)];
        boolean descending = random.nextBoolean();
        Set<JobState> filter = random.nextInt(3) == 0 ? EnumSet.of(states[random.nextInt(states.length)]) : Set.of();
        String text = random.nextInt(4) == 0 ? "J" + random.nextInt(3) : "";
        int page = random.nextInt(3);
        StatusIndex.Page got = index.query(new StatusIndex.Query(filter, text, sort, descending, page, 20));
        List<String> expected = reference(truth, sort, descending, filter, text);
        assertThat(got.total()).as("step %d, %s", step, sort).isEqualTo(expected.size());
        assertThat(got.rows()).extracting(StatusIndex.Row::folder).as("step %d, %s %s", step, sort, descending)
            .containsExactlyElementsOf(expected.subList(Math.min(expected.size(), page * 20), Math.min(expected.size(), page * 20 + 20)));
        java.util.Map<JobState, Integer> counts = new java.util.EnumMap<>(JobState.class);
        truth.values().forEach(s -> counts.merge(s.state(), 1, Integer::sum));
        assertThat(got.counts()).isEqualTo(counts);
      }
    }
  }

  /** The order the list had before the kept views: a full sort of every row per request. */
  private static List<String> reference(java.util.Map<String, JobStatus> truth, String sort, boolean descending,
      Set<JobState> states, String text) {
    java.util.Comparator<java.util.Map.Entry<String, JobStatus>> byFolder = java.util.Map.Entry.comparingByKey();
    java.util.Comparator<java.util.Map.Entry<String, JobStatus>> primary = switch (sort) {
      case "name" -> java.util.Comparator.comparing(e -> e.getValue().name().toLowerCase(java.util.Locale.ROOT));
      case "state" -> java.util.Comparator.comparing(e -> e.getValue().state().wireName());
      case "progress" -> java.util.Comparator.comparing(e -> e.getValue().progress() == null ? -1 : e.getValue().progress());
      case "images" -> java.util.Comparator.comparing(e -> e.getValue().images() == null ? -1 : e.getValue().images());
      case "created" -> java.util.Comparator.comparing(e -> e.getValue().createdAt());
      case "duration" -> java.util.Comparator.comparing(e -> StatusIndex.durationMillis(new StatusIndex.Row("b", e.getKey(), e.getValue(), false)));
      case "folder" -> byFolder;
      default -> java.util.Comparator.comparing(e -> e.getValue().updatedAt());
    };
    java.util.Comparator<java.util.Map.Entry<String, JobStatus>> order = primary.thenComparing(byFolder);
    return truth.entrySet().stream()
        .filter(e -> states.isEmpty() || states.contains(e.getValue().state()))
        .filter(e -> text.isEmpty() || e.getKey().toLowerCase().contains(text.toLowerCase())
            || e.getValue().name().toLowerCase().contains(text.toLowerCase()) || e.getValue().jobId().toLowerCase().contains(text.toLowerCase()))
        .sorted(descending ? order.reversed() : order)
        .map(java.util.Map.Entry::getKey)
        .toList();
  }

  @Test
  void rowsSharedByManyJobsHoldOneInstanceOfTheirCommonStrings() {
    StatusIndex index = new StatusIndex(new OutputKeyValidator("results/"));
    index.put(new String("bucket"), "a/", job("a", JobState.RUNNING, 1).withProgress(new String("opensfm"), 10));
    index.put(new String("bucket"), "b/", job("b", JobState.RUNNING, 1).withProgress(new String("opensfm"), 10));
    StatusIndex.Row a = index.get("bucket", "a/").orElseThrow();
    StatusIndex.Row b = index.get("bucket", "b/").orElseThrow();
    assertThat(a.bucket()).isSameAs(b.bucket());
    assertThat(a.status().stage()).isSameAs(b.status().stage()).isEqualTo("opensfm");
    assertThat(a.status().message()).isSameAs(b.status().message());
    // equal times, as JSON gives them (two objects): one held
    Instant end = Instant.parse("2026-11-27T11:00:00Z");
    index.put("bucket", "c/", new JobStatus(JobStatus.SCHEMA_VERSION, "c", null, "c", JobState.SUCCEEDED, "done", null,
        null, null, null, null, null, null, T0, Instant.parse(end.toString()), Instant.parse(end.toString()),
        null, null, null, null, null, null));
    JobStatus c = index.get("bucket", "c/").orElseThrow().status();
    assertThat(c.finishedAt()).isEqualTo(end).isSameAs(c.updatedAt());
    assertThat(c.createdAt()).isEqualTo(T0);
  }
}
