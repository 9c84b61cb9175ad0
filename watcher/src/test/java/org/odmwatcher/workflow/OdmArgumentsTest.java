package org.odmwatcher.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.odmwatcher.manifest.ManifestParser;
import org.odmwatcher.manifest.ManifestValidator;
import org.odmwatcher.manifest.OptionCatalogue;

/** Issue 23 item 1: COGs by default, as NodeODM runs ODM (libs/Task.js setPostProcessingOptsSteps). */
class OdmArgumentsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final OptionCatalogue CATALOGUE = OptionCatalogue.load(JSON);

  private static List<String> args(String manifest) {
    return new OdmArguments(CATALOGUE).render(new ManifestParser(JSON, new ManifestValidator(CATALOGUE))
        .parse(manifest.getBytes(StandardCharsets.UTF_8)).manifest());
  }

  @Test
  void runsOdmWithCogUnlessTheManifestSaysFalse() {
    assertThat(args("{\"options\": {\"dsm\": true}}")).containsExactly("--dsm", "--cog");
    assertThat(args("{}")).containsExactly("--cog");
    assertThat(args("{\"options\": {\"cog\": true}}")).containsOnlyOnce("--cog");
    assertThat(args("{\"options\": {\"cog\": false, \"dtm\": true}}")).containsExactly("--dtm");
  }

  @Test
  void rejectsACogSwitchThatIsNotABoolean() {
    ManifestParser.Result result = new ManifestParser(JSON, new ManifestValidator(CATALOGUE))
        .parse("{\"options\": {\"cog\": \"sometimes\"}}".getBytes(StandardCharsets.UTF_8));
    assertThat(result.valid()).isFalse();
    assertThat(result.errors()).anyMatch(e -> e.contains("cog"));
  }
}
