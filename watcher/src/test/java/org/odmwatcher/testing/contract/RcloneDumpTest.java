package org.odmwatcher.testing.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.odmwatcher.testing.Principal;

/**
 * The rclone log reader holds to what rclone 1.60.1 (Debian's, which the step test runs) writes
 * with {@code --dump headers,auth}: the blocks below are its format, copied from a run against
 * S3Proxy with the addresses, dates and signatures shortened.
 */
class RcloneDumpTest {
  private static final String KEY = Principal.WORKFLOW.accessKey();

  private static String request(String id, String line, String... headers) {
    return "2026/11/27 19:41:56 DEBUG : >>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>\n"
        + "2026/11/27 19:41:56 DEBUG : HTTP REQUEST (req " + id + ")\n"
        + "2026/11/27 19:41:56 DEBUG : " + line + " HTTP/1.1\n"
        + "Host: 127.0.0.1:46865\nUser-Agent: rclone/\n"
        + "Authorization: AWS4-HMAC-SHA256 Credential=" + KEY + "/20261127/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=1eeb\n"
        + String.join("", List.of(headers).stream().map(h -> h + "\n").toList())
        + "X-Amz-Date: 20261127T194157Z\nAccept-Encoding: gzip\n\n"
        + "2026/11/27 19:41:56 DEBUG : >>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>\n";
  }

  private static String response(String id, String status) {
    return "2026/11/27 19:41:56 DEBUG : <<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<\n"
        + "2026/11/27 19:41:56 DEBUG : HTTP RESPONSE (req " + id + ")\n"
        + "2026/11/27 19:41:56 DEBUG : " + status + "\n"
        + (status.startsWith("HTTP/") ? "Content-Length: 0\nDate: Fri, 27 Nov 2026 19:41:56 GMT\n\n" : "")
        + "2026/11/27 19:41:56 DEBUG : <<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<\n";
  }

  private static final String LOG =
      request("0xc0001", "GET /b?delimiter=%2F&encoding-type=url&list-type=2&max-keys=1000&prefix=f%C3%BCr+a%2B%20b%2F")
          + request("0xc0002", "GET /b/f%C3%BCr+a%2B%20b/DJI_0001.JPG")
          + "2026/11/27 19:41:56 DEBUG : geo.txt: md5 = 296efdc0ec4dabd30a6a642583f3a0f8 OK\n"
          + response("0xc0002", "HTTP/1.1 200 OK")
          + response("0xc0001", "HTTP/1.1 200 OK")
          + request("0xc0003", "PUT /b/x/results/odm.log", "Content-Length: 66", "X-Amz-Acl: private")
          + response("0xc0003", "HTTP/1.1 403 Forbidden")
          + request("0xc0004", "POST /b/x/results/big.laz?uploads=")
          + response("0xc0004", "Error: dial tcp 127.0.0.1:46865: connect: connection refused")
          + request("0xc0005", "PUT /b/x/results/copy.tif", "X-Amz-Copy-Source: b/x/results/odm%20a.tif")
          + response("0xc0005", "HTTP/1.1 200 OK")
          + request("0xc0006", "HEAD /b/x/results/odm.log")
          + response("0xc0006", "HTTP/1.1 404 Not Found")
          + request("0xc0007", "DELETE /b/x/results/big.laz?uploadId=u1")
          + response("0xc0007", "HTTP/1.1 204 No Content");

  @Test
  void eachRequestBecomesTheS3OperationItIsWithItsBucketKeyAndCaller() {
    List<String> calls = RcloneDump.exchanges(LOG).stream()
        .map(e -> e.call().get("operation") + " " + e.call().get("bucket") + "/" + e.call().get("key") + " " + e.status())
        .toList();
    assertThat(calls).containsExactly(
        "ListObjectsV2 b/für+a+ b/ 200",
        "GetObject b/für+a+ b/DJI_0001.JPG 200",
        "PutObject b/x/results/odm.log 403",
        "CreateMultipartUpload b/x/results/big.laz 0",
        "CopyObject b/x/results/copy.tif 200",
        "HeadObject b/x/results/odm.log 404",
        "AbortMultipartUpload b/x/results/big.laz 204");
    Map<String, Object> copy = RcloneDump.exchanges(LOG).get(4).call();
    assertThat(copy).containsEntry("sourceBucket", "b").containsEntry("sourceKey", "x/results/odm a.tif")
        .containsEntry("principal", "WORKFLOW").containsEntry("accessKey", KEY).containsEntry("client", "rclone");
  }

  @Test
  void onlyAnsweredRequestsAreRecordedAndAnAclHeaderIsKeptUnlessThePinnedRcloneWouldNotSendIt() {
    List<Map<String, Object>> recorded = RcloneDump.calls(LOG, false);
    assertThat(recorded).extracting(c -> c.get("operation"))
        .as("the multipart start no server answered authorises nothing")
        .containsExactly("ListObjectsV2", "GetObject", "PutObject", "CopyObject", "HeadObject", "AbortMultipartUpload");
    assertThat(recorded.get(2)).containsEntry("acl", "private");
    assertThat(RcloneDump.calls(LOG, true).get(2)).containsEntry("acl", null);
  }

  @Test
  void aRequestOfAKindNotMappedIsRecordedAsUnknownSoNoPolicyAllowsIt() {
    String log = request("0xc0009", "PUT /b/x?tagging=") + response("0xc0009", "HTTP/1.1 200 OK");
    assertThat(RcloneDump.calls(log, false)).extracting(c -> c.get("operation")).containsExactly("Unknown PUT ?tagging");
  }
}
