package org.odmwatcher.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SeenETagsTest {
  @Test
  void anMd5ETagKeptAsBytesIsTheSameOnlyAsItself() {
    SeenETags seen = new SeenETags();
    seen.put("b", "a/", "\"0123456789abcdef0123456789ABCDEF\"");
    assertThat(seen.same("b", "a/", "\"0123456789abcdef0123456789abcdef\"")).isTrue(); // hex, either case
    assertThat(seen.same("b", "a/", "\"0123456789abcdef0123456789abcdee\"")).isFalse();
    assertThat(seen.same("b", "x/", "\"0123456789abcdef0123456789abcdef\"")).isFalse();
    assertThat(seen.same("other", "a/", "\"0123456789abcdef0123456789abcdef\"")).isFalse();
    assertThat(SeenETags.compact("\"ffffffffffffffffffffffffffffffff\"")).isNotInstanceOf(String.class);
    // as BucketStore hands it: without the quotes
    seen.put("b", "u/", "0123456789abcdef0123456789abcdef");
    assertThat(seen.same("b", "u/", "0123456789abcdef0123456789abcdef")).isTrue();
    assertThat(seen.same("b", "u/", "0123456789abcdef0123456789abcde0")).isFalse();
    assertThat(SeenETags.compact("0123456789abcdef0123456789abcdef")).isNotInstanceOf(String.class)
        .isEqualTo(SeenETags.compact("\"0123456789abcdef0123456789abcdef\""));
  }

  @Test
  void anyOtherETagIsKeptAsItCame() {
    SeenETags seen = new SeenETags();
    seen.put("b", "a/", "\"0123456789abcdef0123456789abcdef-3\""); // multipart
    seen.put("b", "c/", "\"not-hex-not-hex-not-hex-not-hex!\""); // 34 characters, not hex
    seen.put("b", "d/", "W/\"x\"");
    assertThat(seen.same("b", "a/", "\"0123456789abcdef0123456789abcdef-3\"")).isTrue();
    assertThat(seen.same("b", "a/", "\"0123456789abcdef0123456789abcdef\"")).isFalse();
    assertThat(seen.same("b", "c/", "\"not-hex-not-hex-not-hex-not-hex!\"")).isTrue();
    assertThat(seen.same("b", "d/", "W/\"x\"")).isTrue();
    seen.put("b", "d/", "\"0123456789abcdef0123456789abcdef\"");
    assertThat(seen.same("b", "d/", "W/\"x\"")).isFalse();
    assertThat(seen.size()).isEqualTo(3);
  }
}
