package org.odmwatcher.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.odmwatcher.workflow.OdmArguments;

class ManifestParserTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final OptionCatalogue CATALOGUE = OptionCatalogue.load(JSON);
  private final ManifestParser parser = new ManifestParser(JSON, new ManifestValidator(CATALOGUE));

  private ManifestParser.Result parse(String json) {
    return parser.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void acceptsTheDocumentedFormat() {
    ManifestParser.Result r =
        parse("""
            { "name": "Farm A, flight 3",
              "options": { "orthophoto-resolution": 2, "dsm": true, "feature-quality": "high" },
              "outputs": ["orthophoto", "dsm", "dtm", "pointcloud", "report"],
              "images": { "expected": 245 } }
            """);
    assertThat(r.errors()).isEmpty();
    assertThat(r.manifest().name()).isEqualTo("Farm A, flight 3");
    assertThat(r.manifest().expectedImages()).isEqualTo(245);
    assertThat(r.manifest().options()).containsOnlyKeys("orthophoto-resolution", "dsm", "feature-quality");
    assertThat(new OdmArguments(CATALOGUE).render(r.manifest()))
        .containsExactly("--dsm", "--dtm", "--cog", "--orthophoto-resolution", "2", "--feature-quality", "high");
  }

  @Test
  void acceptsNodeOdmListFormWithStringValues() {
    ManifestParser.Result r =
        parse("{\"options\": [{\"name\": \"dsm\", \"value\": \"true\"}, {\"name\": \"pc-quality\", \"value\": \"low\"},"
            + " {\"name\": \"min-num-features\", \"value\": \"8000\"}, {\"name\": \"fast-orthophoto\", \"value\": false}]}");
    assertThat(r.errors()).isEmpty();
    assertThat(new OdmArguments(CATALOGUE).render(r.manifest()))
        .containsExactly("--dsm", "--cog", "--pc-quality", "low", "--min-num-features", "8000");
    // the default outputs, and the DSM that "dsm": "true" makes (issue 21 row 3)
    assertThat(r.manifest().outputs()).containsExactly("orthophoto", "pointcloud", "report", "dsm");
  }

  @Test
  void listsEveryProblemNotJustTheFirst() {
    ManifestParser.Result r =
        parse("""
            { "options": { "orthophoto_resolution": 2, "feature-quality": "extreme", "dsm": "yes",
                           "min-num-features": 12.5, "crop": -1, "rolling-shutter-readout": "fast",
                           "dem-gapfill-steps": "x", "boundary": 5 },
              "outputs": ["orthophoto", "hologram"], "images": { "expected": 0 }, "colour": "red" }
            """);
    assertThat(r.valid()).isFalse();
    assertThat(r.errors())
        .hasSize(11)
        .anySatisfy(e -> assertThat(e).contains("unknown option 'orthophoto_resolution'").contains("did you mean 'orthophoto-resolution'"))
        .anySatisfy(e -> assertThat(e).contains("'feature-quality' must be one of ultra, high, medium, low, lowest"))
        .anySatisfy(e -> assertThat(e).contains("'dsm' must be true or false"))
        .anySatisfy(e -> assertThat(e).contains("'min-num-features' must be a whole number"))
        .anySatisfy(e -> assertThat(e).contains("'crop' must be >= 0"))
        .anySatisfy(e -> assertThat(e).contains("'rolling-shutter-readout' must be a number"))
        .anySatisfy(e -> assertThat(e).contains("'dem-gapfill-steps' must be a whole number"))
        .anySatisfy(e -> assertThat(e).contains("'boundary' must be a string"))
        .anySatisfy(e -> assertThat(e).contains("unknown output \"hologram\""))
        .anySatisfy(e -> assertThat(e).contains("images.expected must be a whole number >= 1"))
        .anySatisfy(e -> assertThat(e).contains("unknown field 'colour'"));
  }

  /** Issue 21 row 8: a 200 KB bad value was echoed whole into status.json and the CLI. */
  @Test
  void aHugeBadValueIsEchoedShortenedWithItsSize() {
    String huge = "x".repeat(200_000);
    String longName = "y".repeat(20_000); // Jackson stops names over 50,000 characters itself
    ManifestParser.Result r = parse("{\"options\": {\"feature-quality\": \"" + huge + "\", \"" + longName + "\": 1},"
        + " \"outputs\": [\"" + huge + "\"], \"images\": {\"expected\": \"" + huge + "\"}, \"" + longName + "\": 1}");
    assertThat(r.errors()).hasSize(5).allSatisfy(e -> assertThat(e).hasSizeLessThan(400).contains("… (2000"));
  }

  /** Issue 21 row 8: split 0 was accepted; ODM's split is the average number of images per submodel. */
  @Test
  void splitMustBeAtLeastOne() {
    assertThat(parse("{\"options\": {\"split\": 0}}").errors())
        .containsExactly("option 'split' must be >= 1 (the average number of images per submodel), found 0");
    assertThat(parse("{\"options\": {\"split\": \"1\"}}").errors()).isEmpty();
  }

  @Test
  void checksIntegerRangesAndStrictlyPositiveFloats() {
    assertThat(parse("{\"options\": {\"dem-decimation\": 0, \"mesh-octree-depth\": 14}}").errors()).isEmpty();
    ManifestParser.Result r = parse("{\"options\": {\"orthophoto-resolution\": 0, \"mesh-octree-depth\": 15}}");
    assertThat(r.errors())
        .containsExactly(
            "option 'orthophoto-resolution' must be > 0, found 0",
            "option 'mesh-octree-depth' must be between 1 and 14, found 15");
  }

  @Test
  void explainsBrokenJsonWithItsPosition() {
    assertThat(parse("{\"options\": {\"dsm\": true,}").errors())
        .singleElement()
        .asString()
        .contains("not valid JSON")
        .contains("line 1");
    assertThat(parse("").errors()).singleElement().asString().contains("empty");
    assertThat(parse("[1,2]").errors()).singleElement().asString().contains("must be a JSON object");
  }

  @Test
  void outputThatContradictsAnOptionIsReported() {
    ManifestParser.Result r = parse("{\"options\": {\"dsm\": false}, \"outputs\": [\"dsm\"]}");
    assertThat(r.errors()).singleElement().asString().contains("needs option 'dsm'");
  }

  @Test
  void inlineGeoJsonBoundaryBecomesOneArgument() throws Exception {
    ManifestParser.Result r =
        parse("{\"options\": {\"boundary\": {\"type\": \"Polygon\", \"crs\": {\"type\": \"name\"}, \"coordinates\": [[[0,0],[1,0],[1,1],[0,0]]]}}}");
    assertThat(r.errors()).isEmpty();
    List<String> args = new OdmArguments(CATALOGUE).render(r.manifest());
    assertThat(args).hasSize(3).startsWith("--cog", "--boundary");
    // the same JSON, laid out so that no two braces touch: Argo would read "}}" as a template tag
    assertThat(new ObjectMapper().readTree(args.get(2)).toString())
        .isEqualTo("{\"type\":\"Polygon\",\"crs\":{\"type\":\"name\"},\"coordinates\":[[[0,0],[1,0],[1,1],[0,0]]]}");
    assertThat(args.get(2)).doesNotContain("{{").doesNotContain("}}");
  }

  @Test
  void folderRulesRejectEscapingPaths() {
    assertThat(FolderRules.check("farm a/flight 3/")).isEmpty();
    assertThat(FolderRules.check("")).isEmpty();
    assertThat(FolderRules.check("a/../b/")).isNotEmpty();
    assertThat(FolderRules.check("a//b/")).isNotEmpty();
    assertThat(FolderRules.check("./")).isNotEmpty();
    assertThat(FolderRules.check("a\u0000b/")).isNotEmpty();
  }

  @Test
  void imagesAreRecognisedByExtensionInAnyCase() {
    assertThat(FolderImages.isImage("f/DJI_0001.JPG")).isTrue();
    assertThat(FolderImages.isImage("f/x.tiff")).isTrue();
    assertThat(FolderImages.isImage("f/x.DnG")).isTrue();
    assertThat(FolderImages.isImage("f/odm.json")).isFalse();
    assertThat(FolderImages.isImage("f/.jpg")).isFalse();
  }
}
