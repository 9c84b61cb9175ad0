package org.odmwatcher.workflow;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The token a split-merge job's ODM passes back to the NodeODM API ({@code --sm-cluster
 * http://host:port/?token=…}): {@code sm-<job id>-<HMAC-SHA256(secret, job id)>}. It proves which
 * job the caller is, so the API lets it create tasks that become that job's children and touch
 * only those; it cannot be forged without the secret, and minting needs no storage.
 */
public final class SplitMergeToken {
  private static final Pattern SHAPE = Pattern.compile("sm-([0-9a-f]{32})-([0-9a-f]{64})");
  private final byte[] secret;

  public SplitMergeToken(String secret) {
    this.secret = secret.getBytes(StandardCharsets.UTF_8);
  }

  public String mint(JobId job) {
    return "sm-" + job.value() + "-" + HexFormat.of().formatHex(mac(job.value()));
  }

  /** The job a token was minted for, when it is one of ours. */
  public Optional<String> verify(String token) {
    Matcher m = token == null ? null : SHAPE.matcher(token);
    if (m == null || !m.matches()) {
      return Optional.empty();
    }
    byte[] given = HexFormat.of().parseHex(m.group(2));
    return MessageDigest.isEqual(mac(m.group(1)), given) ? Optional.of(m.group(1)) : Optional.empty();
  }

  /** Whether a token has this kind's shape (so that a wrong one is not tried as the API token). */
  public static boolean looksLikeOne(String token) {
    return token != null && token.startsWith("sm-");
  }

  private byte[] mac(String jobId) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac.doFinal(("odm-watcher split-merge " + jobId).getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
