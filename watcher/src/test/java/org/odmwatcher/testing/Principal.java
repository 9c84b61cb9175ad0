package org.odmwatcher.testing;

/**
 * Who makes a call in the tests. Each principal has its own S3 keys (S3Proxy accepts all of them,
 * see {@link RealServers}) and its own Kubernetes bearer token, so the calls recorded across the
 * suite can be checked against the policy or Role of the identity that makes them in production:
 *
 * <ul>
 *   <li>{@link #PILOT}: the user and the test harness (uploads, looks at Workflows): not checked;
 *   <li>{@link #WATCHER}: the watcher Deployment (service account {@code odm-watcher}, IAM policy
 *       {@code event-sources/aws/iam-watcher-policy.json});
 *   <li>{@link #WORKFLOW}: the Workflow pods (service account {@code odm-workflow}, IAM policy
 *       {@code event-sources/aws/iam-workflow-pods-policy.json}): the template's steps, its
 *       resource templates and the exit handler's {@code job-finished};
 *   <li>{@link #CONTROLLER}: Argo's workflow-controller, played by the test Argo: not checked (its
 *       RBAC ships with Argo, not with us).
 * </ul>
 */
public enum Principal {
  PILOT("test-access", "test-secret", null),
  WATCHER("watcher-access", "watcher-secret", "odm-watcher"),
  WORKFLOW("workflow-access", "workflow-secret", "odm-workflow"),
  CONTROLLER("controller-access", "controller-secret", null);

  private final String accessKey;
  private final String secretKey;
  private final String serviceAccount;

  Principal(String accessKey, String secretKey, String serviceAccount) {
    this.accessKey = accessKey;
    this.secretKey = secretKey;
    this.serviceAccount = serviceAccount;
  }

  public String accessKey() {
    return accessKey;
  }

  public String secretKey() {
    return secretKey;
  }

  /** The service account this principal runs as in the cluster, or null when not ours to check. */
  public String serviceAccount() {
    return serviceAccount;
  }

  /** The bearer token this principal's Kubernetes client sends (the mock accepts any token). */
  public String kubernetesToken() {
    return "principal-" + name().toLowerCase(java.util.Locale.ROOT);
  }

  /** The principal whose S3 access key this is, if any. */
  public static java.util.Optional<Principal> byAccessKey(String accessKey) {
    for (Principal p : values()) {
      if (p.accessKey.equals(accessKey)) {
        return java.util.Optional.of(p);
      }
    }
    return java.util.Optional.empty();
  }

  /** The principal whose Kubernetes token this is, if any. */
  public static java.util.Optional<Principal> byKubernetesToken(String token) {
    for (Principal p : values()) {
      if (p.kubernetesToken().equals(token)) {
        return java.util.Optional.of(p);
      }
    }
    return java.util.Optional.empty();
  }
}
