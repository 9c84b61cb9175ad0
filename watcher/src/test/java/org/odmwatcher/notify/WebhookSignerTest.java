package org.odmwatcher.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The signature is Standard Webhooks' own: its specification's published test vector. */
class WebhookSignerTest {
  // spec/standard-webhooks.md's example (also the test vector of its reference libraries).
  private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  private static final String ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
  private static final long TIMESTAMP = 1614265330;
  private static final byte[] BODY = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);

  @Test
  void signsLikeTheStandardWebhooksTestVector() {
    assertThat(WebhookSigner.of(SECRET).headers(ID, TIMESTAMP, BODY))
        .containsEntry("webhook-id", ID)
        .containsEntry("webhook-timestamp", "1614265330")
        .containsEntry("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  }

  @Test
  void withoutAKeyTheIdAndTimestampAreSentButNoSignature() {
    assertThat(WebhookSigner.of(null).headers(ID, TIMESTAMP, BODY)).containsOnlyKeys("webhook-id", "webhook-timestamp");
    assertThat(WebhookSigner.of(" ").signs()).isFalse();
  }

  @Test
  void aWhsecKeyThatIsNotBase64IsRefusedAtStart() {
    assertThatThrownBy(() -> WebhookSigner.of("whsec_not base64!"))
        .hasMessageContaining("watcher.notify.signing-key");
  }
}
