package org.odmwatcher.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.odmwatcher.workflow.OdmArguments;

/**
 * Engines (issue 26 row 4): a manifest's {@code engine} picks the option catalogue it is checked
 * against and rendered with. ODX (WebODM's fork, WebODM/ODX@03812b3 opendm/config.py) has options
 * ODM 3.6.0 lacks ({@code report-units}, {@code matcher-type: hamming}) and lacks some ODM has
 * ({@code build-overviews}, {@code pc-rectify}).
 */
class EnginesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, Engine.Images> IMAGES = Map.of(
      Engine.ODM, Engines.ODM_IMAGES, Engine.ODX, new Engine.Images("registry.example/odx:1.2", "registry.example/odx:1.2-gpu"));
  private final Engines both = Engines.bundled(JSON, List.of("odm", "odx"), IMAGES);
  private final Engines odmOnly = Engines.bundled(JSON, List.of("odm"), IMAGES);

  private ManifestParser.Result parse(Engines engines, String json) {
    return new ManifestParser(JSON, new ManifestValidator(engines)).parse(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void anOdxManifestIsCheckedAndRenderedWithOdxsOptions() {
    ManifestParser.Result r = parse(both, """
        {"engine": "odx", "options": {"report-units": "US survey foot", "matcher-type": "hamming", "dsm": true}}
        """);
    assertThat(r.errors()).isEmpty();
    assertThat(r.manifest().engine()).isEqualTo("odx");
    // one element per value, the space inside it (never a shell line)
    assertThat(new OdmArguments(both).render(r.manifest()))
        .containsExactly("--dsm", "--cog", "--report-units", "US survey foot", "--matcher-type", "hamming");
    assertThat(both.of(r.manifest()).image(false)).isEqualTo("registry.example/odx:1.2");
    assertThat(both.of(r.manifest()).image(true)).isEqualTo("registry.example/odx:1.2-gpu");
  }

  @Test
  void anOptionOfTheOtherEngineIsNamedAsSuch() {
    assertThat(parse(both, "{\"options\": {\"report-units\": \"ft\"}}").errors())
        .containsExactly("unknown option 'report-units' for engine odm (engine odx has it)");
    assertThat(parse(both, "{\"engine\": \"odx\", \"options\": {\"build-overviews\": true}}").errors())
        .containsExactly("unknown option 'build-overviews' for engine odx (engine odm has it)");
    // ODM's matcher-type knows no hamming (a GPU matcher only ODX has)
    assertThat(parse(both, "{\"options\": {\"matcher-type\": \"hamming\"}}").errors()).singleElement().asString()
        .startsWith("option 'matcher-type' must be one of");
  }

  @Test
  void aManifestWithoutEngineRunsOnOdm() {
    ManifestParser.Result r = parse(both, "{\"options\": {\"pc-rectify\": true}}");
    assertThat(r.errors()).isEmpty();
    assertThat(r.manifest().engine()).isEqualTo("odm");
    assertThat(both.of(r.manifest()).image(false)).isEqualTo("docker.io/opendronemap/odm:3.6.0");
  }

  @Test
  void anEngineTheOperatorDoesNotOfferIsInvalidWithTheReason() {
    assertThat(parse(odmOnly, "{\"engine\": \"odx\"}").errors()).containsExactly(
        "engine 'odx' is not offered here (offered: odm; the operator enables it with watcher.engines.enabled)");
    assertThat(parse(both, "{\"engine\": \"micmac\"}").errors()).containsExactly("unknown engine 'micmac' (offered: odm, odx)");
    assertThat(parse(both, "{\"engine\": 2}").errors()).containsExactly("engine must be a string, one of: odm, odx");
    // the other engine's hint is only given for an engine the operator offers
    assertThat(parse(odmOnly, "{\"options\": {\"report-units\": \"ft\"}}").errors())
        .containsExactly("unknown option 'report-units'");
  }

  @Test
  void theOperatorCannotTurnOdmOffOrNameAnUnknownEngine() {
    assertThatThrownBy(() -> Engines.bundled(JSON, List.of("odx"), IMAGES)).hasMessageContaining("must include odm");
    assertThatThrownBy(() -> Engines.bundled(JSON, List.of("odm", "nodemicmac"), IMAGES))
        .hasMessageContaining("unknown engine 'nodemicmac'");
  }

  @Test
  void theOdxCatalogueFollowsItsSource() {
    OptionCatalogue odx = both.enabled("odx").orElseThrow().catalogue();
    OptionCatalogue odm = both.enabled("odm").orElseThrow().catalogue();
    // opendm/config.py at 03812b3: --matcher-type default 'auto', choices auto, bow, bruteforce, flann, hamming
    assertThat(odx.find("matcher-type").orElseThrow().value().asText()).isEqualTo("auto");
    assertThat(odx.find("matcher-type").orElseThrow().domain()).extracting(n -> n.asText())
        .containsExactly("auto", "bow", "bruteforce", "flann", "hamming");
    // --report-units: choices m, ft, 'US survey foot', default m
    assertThat(odx.find("report-units").orElseThrow().isEnum()).isTrue();
    // the options both have and ODX did not change come out the same as in ODM's catalogue
    OptionCatalogue.Option odxSplit = odx.find("split").orElseThrow();
    OptionCatalogue.Option odmSplit = odm.find("split").orElseThrow();
    assertThat(odxSplit).isEqualTo(odmSplit);
    // left out as in ODM's: paths inside the container and the flags the watcher sets itself
    assertThat(odx.find("project-path")).isEmpty();
    assertThat(odx.find("rerun-from")).isEmpty();
    assertThat(odx.find("build-overviews")).isEmpty();
    assertThat(odx.all()).hasSize(79);
  }
}
