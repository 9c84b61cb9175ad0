package org.odmwatcher.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * One S3 or SQS call the test suite made (recorded by the watcher module's {@code AwsCallRecorder})
 * and the IAM actions on resources it needs.
 *
 * <p>{@link #accesses()} follows AWS's own tables: for S3, "Required permissions for Amazon S3 API
 * operations" (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html
 * and each operation's "Permissions" section, summarised in the Service Authorization Reference,
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html): GetObject
 * and HeadObject need {@code s3:GetObject} on the object ({@code s3:GetObjectVersion} with a
 * versionId); PutObject and the multipart calls CreateMultipartUpload, UploadPart and
 * CompleteMultipartUpload {@code s3:PutObject}; AbortMultipartUpload {@code s3:AbortMultipartUpload};
 * ListParts {@code s3:ListMultipartUploadParts}; DeleteObject {@code s3:DeleteObject}
 * ({@code s3:DeleteObjectVersion} with a versionId); DeleteObjects {@code s3:DeleteObject} on every
 * key it names; CopyObject {@code s3:PutObject} on the target and {@code s3:GetObject} on the
 * source; ListObjects(V2) and HeadBucket {@code s3:ListBucket} on the bucket; ListObjectVersions
 * {@code s3:ListBucketVersions}; ListMultipartUploads {@code s3:ListBucketMultipartUploads}. For SQS
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsqs.html): each
 * action is its own permission on the queue, except the batch calls, which "cannot be set
 * explicitly" and are authorised by SendMessage, DeleteMessage, ChangeMessageVisibility
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-batch-api.html).
 * An operation not in these lists maps to {@code s3:<Operation>} / {@code sqs:<Operation>}, which
 * no policy of ours grants, so a new kind of call fails loudly until it is mapped here.
 *
 * <p>An object written with an ACL (a canned {@code x-amz-acl} header on PutObject,
 * CreateMultipartUpload or CopyObject, recorded as {@code acl}) also needs {@code s3:PutObjectAcl}
 * on it: the AWS CLI's documentation of {@code s3 cp --acl} says so since aws/aws-cli#1582 (after
 * #813: {@code --acl public-read} refused with only {@code s3:PutObject} allowed), and S3's own
 * re-implementations check it the same way (scality/cloudserver#745). Our policies grant no
 * {@code s3:PutObjectAcl}, so a client that starts sending an ACL fails the contract, as it would
 * fail on a bucket whose ACLs are disabled (S3 Object Ownership "bucket owner enforced", the
 * default since April 2023: AccessControlListNotSupported for any ACL but the owner's full control).
 */
record AwsCall(JsonNode raw) {
  /** An IAM action on a resource ARN. */
  record Access(String action, String resource) {
    @Override
    public String toString() {
      return action + " on " + resource;
    }
  }

  String principal() {
    return raw.path("principal").isNull() ? null : raw.path("principal").asText(null);
  }

  String service() {
    return raw.path("service").asText();
  }

  String operation() {
    return raw.path("operation").asText();
  }

  private String text(String field) {
    JsonNode v = raw.path(field);
    return v.isMissingNode() || v.isNull() ? null : v.asText();
  }

  List<Access> accesses() {
    List<Access> out = new ArrayList<>();
    if (service().equals("S3")) {
      String bucket = text("bucket");
      String key = text("key");
      boolean version = text("versionId") != null;
      String object = "arn:aws:s3:::" + bucket + "/" + key;
      String bucketArn = "arn:aws:s3:::" + bucket;
      switch (operation()) {
        case "GetObject", "HeadObject" -> out.add(new Access(version ? "s3:GetObjectVersion" : "s3:GetObject", object));
        case "PutObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload" -> {
          out.add(new Access("s3:PutObject", object));
          if (text("acl") != null) {
            out.add(new Access("s3:PutObjectAcl", object));
          }
        }
        case "AbortMultipartUpload" -> out.add(new Access("s3:AbortMultipartUpload", object));
        case "ListParts" -> out.add(new Access("s3:ListMultipartUploadParts", object));
        case "DeleteObject" -> out.add(new Access(version ? "s3:DeleteObjectVersion" : "s3:DeleteObject", object));
        case "DeleteObjects" -> raw.path("keys").forEach(k -> out.add(new Access("s3:DeleteObject", bucketArn + "/" + k.asText())));
        case "CopyObject" -> {
          out.add(new Access("s3:PutObject", "arn:aws:s3:::" + text("destinationBucket") + "/" + text("destinationKey")));
          if (text("acl") != null) {
            out.add(new Access("s3:PutObjectAcl", "arn:aws:s3:::" + text("destinationBucket") + "/" + text("destinationKey")));
          }
          out.add(new Access("s3:GetObject", "arn:aws:s3:::" + text("sourceBucket") + "/" + text("sourceKey")));
        }
        case "ListObjects", "ListObjectsV2", "HeadBucket" -> out.add(new Access("s3:ListBucket", bucketArn));
        case "ListObjectVersions" -> out.add(new Access("s3:ListBucketVersions", bucketArn));
        case "ListMultipartUploads" -> out.add(new Access("s3:ListBucketMultipartUploads", bucketArn));
        default -> out.add(new Access("s3:" + operation(), key == null ? bucketArn : object));
      }
    } else {
      String queue = queueArn(text("queueUrl"));
      String action = switch (operation()) {
        case "SendMessageBatch" -> "SendMessage";
        case "DeleteMessageBatch" -> "DeleteMessage";
        case "ChangeMessageVisibilityBatch" -> "ChangeMessageVisibility";
        default -> operation();
      };
      out.add(new Access("sqs:" + action, queue));
    }
    return out;
  }

  /**
   * The queue's ARN. A test's queue stands for the queue our CloudFormation template creates:
   * {@code odm-watcher}, its dead-letter queue (a name ending in {@code -dlq}) for
   * {@code odm-watcher-dlq}; region and account are the test's (ElasticMQ's {@code 000000000000}).
   */
  static String queueArn(String queueUrl) {
    if (queueUrl == null) {
      return "arn:aws:sqs:" + IamPolicy.TEST_REGION + ":" + IamPolicy.TEST_ACCOUNT + ":*";
    }
    String[] parts = URI.create(queueUrl).getPath().replaceAll("^/+", "").split("/");
    String name = parts[parts.length - 1];
    String account = parts.length >= 2 ? parts[parts.length - 2] : IamPolicy.TEST_ACCOUNT;
    return "arn:aws:sqs:" + IamPolicy.TEST_REGION + ":" + account + ":" + (name.endsWith("-dlq") ? "odm-watcher-dlq" : "odm-watcher");
  }

  String bucket() {
    return text("bucket") != null ? text("bucket") : text("destinationBucket");
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder(service() + " " + operation());
    if (text("bucket") != null) {
      s.append(" s3://").append(text("bucket")).append('/').append(text("key") == null ? "" : text("key"));
    }
    if (text("versionId") != null) {
      s.append(" versionId=").append(text("versionId"));
    }
    if (raw.has("keys")) {
      s.append(" (").append(raw.path("keys").size()).append(" keys)");
    }
    if (text("queueUrl") != null) {
      s.append(" queue ").append(text("queueUrl"));
    }
    return s.append(" by ").append(principal() == null ? "access key " + text("accessKey") : principal()).toString();
  }
}
