package org.odmwatcher.event.filter;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.odmwatcher.event.ObjectCreated;

class FiltersTest {
  private final ObjectFilter pipeline =
      new OwnWritesFilter("status.json", "results/").and(new ManifestKeyFilter("odm.json"));

  @Test
  void onlyManifestsPass() {
    assertThat(pipeline.accept(ObjectCreated.of("b", "f/odm.json"))).isTrue();
    assertThat(pipeline.accept(ObjectCreated.of("b", "odm.json"))).isTrue();
    assertThat(pipeline.accept(ObjectCreated.of("b", "f/DJI_0001.JPG"))).isFalse();
    assertThat(pipeline.accept(ObjectCreated.of("b", "f/not-odm.json"))).isFalse();
  }

  @Test
  void ownWritesNeverTrigger() {
    assertThat(pipeline.accept(ObjectCreated.of("b", "f/status.json"))).isFalse();
    assertThat(pipeline.accept(ObjectCreated.of("b", "f/results/odm.json"))).isFalse();
    assertThat(pipeline.accept(ObjectCreated.of("b", "results/odm.json"))).isFalse();
  }

  @Test
  void combinatorsCompose() {
    ObjectFilter images = o -> o.key().endsWith(".JPG");
    ObjectFilter either = images.or(new ManifestKeyFilter("odm.json"));
    assertThat(either.accept(ObjectCreated.of("b", "x.JPG"))).isTrue();
    assertThat(either.negate().accept(ObjectCreated.of("b", "x.JPG"))).isFalse();
  }
}
