package org.odmwatcher.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The manifest's {@code notify} field is validated like every other: each problem named. */
class NotifyTargetTest {
  private final ObjectMapper json = new ObjectMapper();
  private final ManifestParser parser = new ManifestParser(json, new ManifestValidator(OptionCatalogue.load(json)));

  private ManifestParser.Result parse(String notify) {
    return parser.parse(("{\"notify\": " + notify + "}").getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsEachKindWithTheFinalStatesByDefault() {
    ManifestParser.Result result = parse("[{\"kind\": \"webhook\", \"url\": \"https://example.org/h\"},"
        + "{\"kind\": \"slack\", \"url\": \"https://hooks.slack.com/services/T0/B0/secret\", \"events\": [\"failed\"]},"
        + "{\"kind\": \"email\", \"to\": [\"pilot@example.org\", \"pilot@example.org\"], \"events\": [\"running\", \"succeeded\"]}]");
    assertThat(result.errors()).isEmpty();
    var targets = result.manifest().notifyTargets();
    assertThat(targets).extracting(NotifyTarget::kind).containsExactly("webhook", "slack", "email");
    assertThat(targets.get(0).events()).containsExactly("succeeded", "failed", "canceled", "invalid");
    assertThat(targets.get(1).events()).containsExactly("failed");
    assertThat(targets.get(2).to()).containsExactly("pilot@example.org");
    // A Slack hook's path is its secret: the label shown in status.json keeps only the host.
    assertThat(targets.get(1).label(1)).isEqualTo("1:slack:https://hooks.slack.com/…").doesNotContain("secret");
  }

  @Test
  void namesEveryProblemWithoutEchoingAUrl() {
    ManifestParser.Result result = parse("[{\"kind\": \"email\", \"to\": [\"not an address\", \"a@b.org, c@d.org\"]},"
        + "{\"kind\": \"webhook\", \"url\": \"file:///etc/passwd\"},"
        + "{\"kind\": \"slack\"},"
        + "{\"kind\": \"sms\", \"to\": [\"+1\"]},"
        + "{\"kind\": \"webhook\", \"url\": \"https://example.org/{{x}}\", \"events\": [\"done\"], \"retries\": 3}]");
    assertThat(result.valid()).isFalse();
    assertThat(result.errors()).anyMatch(e -> e.startsWith("notify[0].to: \"not an address\" is not an e-mail address"))
        .anyMatch(e -> e.startsWith("notify[0].to: \"a@b.org, c@d.org\" must be one bare address"))
        .anyMatch(e -> e.equals("notify[1].url must be an http or https URL"))
        .anyMatch(e -> e.startsWith("notify[2].url is missing"))
        .anyMatch(e -> e.startsWith("notify[3].kind must be one of webhook, slack, email"))
        .anyMatch(e -> e.startsWith("notify[4]: unknown field 'retries'"))
        .anyMatch(e -> e.startsWith("notify[4].url must not hold '{{'"))
        .anyMatch(e -> e.startsWith("notify[4].events: unknown event \"done\""))
        .noneMatch(e -> e.contains("etc/passwd"));
  }

  @Test
  void boundsTheTargetsAndTheirShape() {
    assertThat(parse("{\"kind\": \"webhook\"}").errors()).containsExactly(
        "notify must be a list of targets like {\"kind\": \"email\", \"to\": [\"pilot@example.org\"]}");
    String eleven = "[" + String.join(",", java.util.Collections.nCopies(11, "{\"kind\": \"webhook\", \"url\": \"https://e.org/\"}")) + "]";
    assertThat(parse(eleven).errors()).containsExactly("notify names 11 targets; at most 10 are allowed");
    assertThat(parse("[{\"kind\": \"email\", \"to\": []}]").errors())
        .containsExactly("notify[0].to must be a non-empty list of e-mail addresses");
  }

  @Test
  void aRefusedManifestStillNamesItsTargetsSoThePilotHearsWhy() {
    byte[] bytes = "{\"options\": {\"nope\": 1}, \"notify\": [{\"kind\": \"webhook\", \"url\": \"https://e.org/h\"}]}"
        .getBytes(StandardCharsets.UTF_8);
    assertThat(parser.parse(bytes).valid()).isFalse();
    assertThat(parser.notifyTargets(bytes)).extracting(NotifyTarget::url).containsExactly("https://e.org/h");
  }
}
