package org.odmwatcher.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.odmwatcher.status.JobState;
import org.odmwatcher.status.JobStatus;
import org.odmwatcher.status.OutputKeyValidator;
import org.odmwatcher.status.StatusIndex;
import org.junit.jupiter.api.Test;

class SummaryPublisherTest {
  private static final Instant T0 = Instant.parse("2026-12-07T03:00:00.123456Z");

  @Test
  void theSummaryWrittenARowAtATimeIsTheObjectOfItsRows() throws Exception {
    StatusIndex index = new StatusIndex(new OutputKeyValidator("results/"));
    index.put("b", "a/", JobStatus.of("j1", "e1", "Flight a", JobState.RUNNING, "running: process", T0)
        .withWorkflow(new JobStatus.WorkflowRef("ns", "odm-1"), "argo").withProgress("opensfm", 40).withImages(12, 20));
    index.put("b", "c/", JobStatus.of("j2", "e2", null, JobState.INVALID, "no images", T0).withErrors(List.of("x", "y")));
    index.put("other", "z/", JobStatus.of("j3", "e3", "elsewhere", JobState.SUCCEEDED, "done", T0));
    ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule()).disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    SummaryPublisher publisher = new SummaryPublisher(null, index, null, "status.json", Clock.fixed(T0, ZoneOffset.UTC));

    JsonNode written = json.readTree(publisher.summary("b"));

    // what the summary was before it was streamed: a map of the whole object, written at once
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("schemaVersion", 1);
    body.put("bucket", "b");
    body.put("statusName", "status.json");
    body.put("generatedAt", T0);
    body.put("jobs", index.rows("b").stream().map(JobRow::of).toList());
    assertThat(written).isEqualTo(json.readTree(json.writeValueAsBytes(body)));
    assertThat(written.get("jobs")).hasSize(2);
    assertThat(written.get("jobs").get(1).get("errors").asInt()).isEqualTo(2);
    assertThat(written.get("generatedAt").asText()).isEqualTo("2026-12-07T03:00:00.123456Z");
  }
}
