package org.odmwatcher.workflow;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The token a split-merge job's ODM passes back to the NodeODM API ({@code --sm-cluster
 * http://host:port/?token=…}): {@code sm-<job id>-<expiry>-<HMAC-SHA256(secret, job id, expiry)>},
 * the expiry in seconds since the epoch. It proves which job the caller is, so the API lets it
 * create tasks that become that job's children and touch only those; it cannot be forged without
 * the secret, dies at its expiry whatever happens to it, and minting needs no storage. It reaches
 * the job's pod in a Secret of its own ({@link #secretName}), never in a Workflow parameter.
 */
public final class SplitMergeToken {
  private static final Pattern SHAPE = Pattern.compile("sm-([0-9a-f]{32})-([0-9]{1,12})-([0-9a-f]{64})");
  /** The key of the token in its Secret (the template's {@code process} step reads it as env). */
  public static final String SECRET_KEY = "token";
  private final byte[] secret;

  public SplitMergeToken(String secret) {
    this.secret = secret.getBytes(StandardCharsets.UTF_8);
  }

  /** The Secret that holds a Workflow's token (the template names it from {@code workflow.name} alike). */
  public static String secretName(String workflowName) {
    return workflowName + "-split-merge";
  }

  public String mint(JobId job, Instant expires) {
    String expiry = Long.toString(expires.getEpochSecond());
    return "sm-" + job.value() + "-" + expiry + "-" + HexFormat.of().formatHex(mac(job.value(), expiry));
  }

  /** The job a token was minted for, when it is one of ours and has not expired at {@code now}. */
  public Optional<String> verify(String token, Instant now) {
    Matcher m = token == null ? null : SHAPE.matcher(token);
    if (m == null || !m.matches()) {
      return Optional.empty();
    }
    byte[] given = HexFormat.of().parseHex(m.group(3));
    if (!MessageDigest.isEqual(mac(m.group(1), m.group(2)), given)) {
      return Optional.empty();
    }
    return now.getEpochSecond() < Long.parseLong(m.group(2)) ? Optional.of(m.group(1)) : Optional.empty();
  }

  /** Whether a token has this kind's shape (so that a wrong one is not tried as the API token). */
  public static boolean looksLikeOne(String token) {
    return token != null && token.startsWith("sm-");
  }

  private byte[] mac(String jobId, String expiry) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac.doFinal(("odm-watcher split-merge " + jobId + " " + expiry).getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
