package org.odmwatcher.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.odmwatcher.manifest.DefaultsMerge.Layer;
import org.odmwatcher.manifest.DefaultsMerge.Merged;
import org.odmwatcher.manifest.DefaultsMerge.Origin;

/** The merge rules of defaults files, and how a defaults file is checked on its own. */
class DefaultsMergeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ManifestParser PARSER =
      new ManifestParser(JSON, new ManifestValidator(OptionCatalogue.load(JSON)));
  private static final Origin ROOT = new Origin("odm.defaults.json", "r1");
  private static final Origin FARM = new Origin("farm-a/odm.defaults.json", "f1");
  private static final Origin FIELD = new Origin("farm-a/field-1/odm.defaults.json", "g1");
  private static final Origin MANIFEST = new Origin("farm-a/field-1/flight-3/odm.json", "m1");

  private static Layer layer(Origin origin, String json) {
    try {
      return new Layer(origin, (ObjectNode) JSON.readTree(json));
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  private final ManifestDefaults defaults = ManifestDefaults.off(PARSER, JSON);

  private ManifestDefaults.Level file(Origin origin, String json) {
    return defaults.check(origin, origin.key(), json.getBytes(StandardCharsets.UTF_8), false, Instant.EPOCH);
  }

  @Test
  void optionsMergeKeyByKeyAndTheNearestWins() {
    Merged merged = DefaultsMerge.merge(List.of(
        layer(ROOT, "{\"options\": {\"dsm\": true, \"feature-quality\": \"medium\"}}"),
        layer(FARM, "{\"options\": {\"feature-quality\": \"high\"}}"),
        layer(MANIFEST, "{\"options\": {\"orthophoto-resolution\": 2}}")));

    assertThat(merged.manifest().path("options").toString())
        .isEqualTo("{\"dsm\":true,\"feature-quality\":\"high\",\"orthophoto-resolution\":2}");
    assertThat(merged.origins())
        .containsEntry("/options/dsm", ROOT)
        .containsEntry("/options/feature-quality", FARM)
        .containsEntry("/options/orthophoto-resolution", MANIFEST)
        .hasSize(3);
  }

  @Test
  void arraysAndScalarsReplaceWhatALayerAboveSet() {
    Merged merged = DefaultsMerge.merge(List.of(
        layer(ROOT, "{\"outputs\": [\"orthophoto\", \"dsm\"], \"schemaVersion\": 1}"),
        layer(FIELD, "{\"outputs\": [\"report\"]}")));

    assertThat(merged.manifest().path("outputs").toString()).isEqualTo("[\"report\"]");
    assertThat(merged.origins()).containsEntry("/outputs", FIELD).containsEntry("/schemaVersion", ROOT);
  }

  @Test
  void theManifestBeatsEveryDefaultsFile() {
    Merged merged = DefaultsMerge.merge(List.of(
        layer(ROOT, "{\"options\": {\"dsm\": true}, \"outputs\": [\"dsm\"]}"),
        layer(FIELD, "{\"options\": {\"dsm\": true}}"),
        layer(MANIFEST, "{\"options\": {\"dsm\": false}, \"outputs\": [\"orthophoto\"]}")));

    assertThat(merged.manifest().path("options").path("dsm").asBoolean()).isFalse();
    assertThat(merged.origins()).containsEntry("/options/dsm", MANIFEST).containsEntry("/outputs", MANIFEST);
  }

  @Test
  void nullRemovesAnInheritedValue() {
    Merged merged = DefaultsMerge.merge(List.of(
        layer(ROOT, "{\"options\": {\"dsm\": true, \"dtm\": true}}"),
        layer(MANIFEST, "{\"options\": {\"dtm\": null}}")));

    assertThat(merged.manifest().path("options").toString()).isEqualTo("{\"dsm\":true}");
    assertThat(merged.origins()).containsOnlyKeys("/options/dsm");
  }

  @Test
  void anObjectReplacingAScalarDropsTheScalarsOrigin() {
    Merged merged = DefaultsMerge.merge(List.of(
        layer(ROOT, "{\"notify\": \"mail\"}"),
        layer(FARM, "{\"notify\": {\"to\": \"farm@example.org\"}}")));

    assertThat(merged.origins()).containsOnlyKeys("/notify/to");
    assertThat(merged.origins().get("/notify/to")).isEqualTo(FARM);
  }

  @Test
  void nodeOdmListFormMergesOptionByOption() {
    Merged merged = DefaultsMerge.merge(List.of(
        layer(ROOT, "{\"options\": [{\"name\": \"dsm\", \"value\": true}]}"),
        layer(MANIFEST, "{\"options\": [{\"name\": \"pc-quality\", \"value\": \"low\"}]}")));

    assertThat(merged.manifest().path("options").toString()).isEqualTo("{\"dsm\":true,\"pc-quality\":\"low\"}");
    assertThat(merged.origins()).containsEntry("/options/dsm", ROOT).containsEntry("/options/pc-quality", MANIFEST);
  }

  @Test
  void pointersEscapeSlashAndTilde() {
    Merged merged = DefaultsMerge.merge(List.of(layer(ROOT, "{\"a/b\": {\"c~d\": 1}}")));

    assertThat(merged.origins()).containsOnlyKeys("/a~1b/c~0d");
    assertThat(DefaultsMerge.at(merged.manifest(), "/a~1b/c~0d").asInt()).isEqualTo(1);
  }

  @Test
  void levelsRunFromTheBucketRootToTheFoldersParent() {
    assertThat(ManifestDefaults.levelsOf("farm-a/field-1/flight-3/")).containsExactly("", "farm-a/", "farm-a/field-1/");
    assertThat(ManifestDefaults.levelsOf("flight-3/")).containsExactly("");
    assertThat(ManifestDefaults.levelsOf("")).isEmpty();
  }

  @Test
  void aGoodDefaultsFileAppliesUnderTheManifest() {
    ManifestDefaults.Applied applied = defaults.apply(
        List.of(file(ROOT, "{\"options\": {\"dsm\": true}, \"outputs\": [\"dsm\"]}"),
            file(FARM, "{\"options\": {\"feature-quality\": \"high\", \"dtm\": null}}")),
        MANIFEST, "{\"name\": \"flight 3\"}".getBytes(StandardCharsets.UTF_8));

    assertThat(applied.result().errors()).isEmpty();
    assertThat(applied.result().manifest().options()).containsOnlyKeys("dsm", "feature-quality");
    assertThat(applied.result().manifest().outputs()).contains("dsm");
    assertThat(applied.result().manifest().name()).isEqualTo("flight 3");
    assertThat(applied.files()).containsExactly(ROOT, FARM);
    assertThat(applied.effective().origins()).containsEntry("/name", MANIFEST).containsEntry("/options/dsm", ROOT);
  }

  @Test
  void aBrokenDefaultsFileIsNamedInEveryReason() {
    assertThat(file(FARM, "{\"options\": {\"dsm\": tru}}").errors())
        .singleElement().asString()
        .startsWith("defaults file farm-a/odm.defaults.json: is not valid JSON: ")
        .contains("line 1");
    assertThat(file(FARM, "{\"colour\": \"red\"}").errors())
        .singleElement().asString()
        .startsWith("defaults file farm-a/odm.defaults.json: unknown field 'colour'");
    assertThat(file(FARM, "{\"options\": {\"feature-quality\": \"superb\"}}").errors())
        .singleElement().asString()
        .startsWith("defaults file farm-a/odm.defaults.json: ")
        .contains("feature-quality");
    assertThat(file(FARM, "[1, 2]").errors())
        .containsExactly("defaults file farm-a/odm.defaults.json: must be a JSON object");
  }

  @Test
  void perJobFieldsAreRefusedInADefaultsFile() {
    assertThat(file(ROOT, "{\"images\": {\"expected\": 10}, \"cancel\": true}").errors())
        .containsExactly(
            "defaults file odm.defaults.json: 'images' belongs to one folder's manifest and cannot be a default",
            "defaults file odm.defaults.json: 'cancel' belongs to one folder's manifest and cannot be a default");
  }

  @Test
  void aBrokenDefaultsFileMakesTheJobInvalidEvenWithAGoodManifest() {
    ManifestDefaults.Applied applied = defaults.apply(
        List.of(file(ROOT, "{}"), file(FARM, "{\"outputs\": [\"hologram\"]}")),
        MANIFEST, "{}".getBytes(StandardCharsets.UTF_8));

    assertThat(applied.result().valid()).isFalse();
    assertThat(applied.result().errors())
        .singleElement().asString().startsWith("defaults file farm-a/odm.defaults.json: unknown output");
    assertThat(applied.effective()).isNull();
    assertThat(applied.files()).containsExactly(ROOT, FARM);
  }

  @Test
  void aConflictArisingFromTheMergeSaysTheDefaultsWereApplied() {
    ManifestDefaults.Applied applied = defaults.apply(
        List.of(file(FARM, "{\"outputs\": [\"dsm\"]}")),
        MANIFEST, "{\"options\": {\"dsm\": false}}".getBytes(StandardCharsets.UTF_8));

    assertThat(applied.result().errors()).hasSize(2);
    assertThat(applied.result().errors().get(0)).isEqualTo("output 'dsm' needs option 'dsm', which is set to false");
    assertThat(applied.result().errors().get(1)).contains("farm-a/odm.defaults.json");
    assertThat(applied.effective().origins()).containsEntry("/outputs", FARM).containsEntry("/options/dsm", MANIFEST);
  }

  @Test
  void withoutDefaultsFilesTheManifestIsParsedAsItIs() {
    ManifestDefaults.Applied applied = defaults.apply(List.of(), MANIFEST, "{\"options\": {\"dsm\": null}}"
        .getBytes(StandardCharsets.UTF_8));

    assertThat(applied.result()).isEqualTo(PARSER.parse("{\"options\": {\"dsm\": null}}".getBytes(StandardCharsets.UTF_8)));
    assertThat(applied.effective()).isNull();
  }

  @Test
  void theNodeOdmApisTasksTakeTheirManifestAsTheClientSentIt() throws Exception {
    // No S3 client: an exempt folder must not read anything (a read would fail here).
    ManifestDefaults withApi = new ManifestDefaults(new org.odmwatcher.storage.BucketStore(null), PARSER, JSON,
        "odm.defaults.json", 1024, java.time.Duration.ZERO, java.time.Clock.systemUTC(), List.of("tasks/api/"));
    byte[] manifest = "{\"options\": {\"dsm\": true}}".getBytes(StandardCharsets.UTF_8);

    ManifestDefaults.Applied applied = withApi.apply("tasks", "api/0b7c/", "api/0b7c/odm.json",
        new org.odmwatcher.storage.BucketStore.Blob(manifest, "e", null, manifest.length, false, null));

    assertThat(applied.files()).isEmpty();
    assertThat(applied.result().manifest().options()).containsOnlyKeys("dsm");
    assertThat(withApi.reads()).isZero();
  }
}
