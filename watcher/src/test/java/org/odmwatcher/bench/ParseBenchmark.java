package org.odmwatcher.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.odmwatcher.event.ObjectCreated;
import org.odmwatcher.event.filter.ManifestKeyFilter;
import org.odmwatcher.event.filter.ObjectFilter;
import org.odmwatcher.event.filter.OwnWritesFilter;
import org.odmwatcher.event.sqs.ParsedBody;
import org.odmwatcher.event.sqs.ShapeDetectingParser;
import org.odmwatcher.testing.Notifications;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Parse + filter on one thread: realistic S3 notification bodies of 10 records each, one key in
 * 200 a manifest, keys with spaces (form-encoded). One operation = one body = 10 records.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ParseBenchmark {
  public static final int RECORDS_PER_BODY = 10;
  private static final int BODIES = 200;

  private final ShapeDetectingParser parser = new ShapeDetectingParser(new ObjectMapper());
  private final ObjectFilter filter =
      new OwnWritesFilter("status.json", "results/").and(new ManifestKeyFilter("odm.json"));
  private final List<String> bodies = new ArrayList<>();
  private int next;

  @Setup
  public void bodies() throws Exception {
    ObjectMapper json = new ObjectMapper();
    int key = 0;
    for (int b = 0; b < BODIES; b++) {
      var body = json.createObjectNode();
      var records = body.putArray("Records");
      for (int r = 0; r < RECORDS_PER_BODY; r++, key++) {
        var record = Notifications.golden("s3-put.json").get("Records").get(0).deepCopy();
        String name = key % 200 == 0 ? "odm.json" : String.format("DJI_%05d.JPG", key);
        ((com.fasterxml.jackson.databind.node.ObjectNode) record.get("s3").get("object"))
            .put("key", Notifications.s3Encode("site " + (key / 200) + "/flight a/" + name));
        records.add(record);
      }
      bodies.add(json.writeValueAsString(body));
    }
  }

  @Benchmark
  public int parseAndFilter() {
    String body = bodies.get(next);
    next = (next + 1) % BODIES;
    ParsedBody parsed = parser.parse(body);
    int accepted = 0;
    for (ObjectCreated o : ((ParsedBody.Notification) parsed).created()) {
      if (filter.accept(o)) {
        accepted++;
      }
    }
    return accepted;
  }
}
