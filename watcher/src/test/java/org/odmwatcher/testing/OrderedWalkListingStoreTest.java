package org.odmwatcher.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The scale bench's S3Proxy store: pages walked in key order, each listing as S3Proxy's own store lists it. */
class OrderedWalkListingStoreTest {
  private static final String BUCKET = "walk";

  @TempDir Path dir;
  private OrderedWalkListingStore store;
  private S3Proxy s3proxy;
  private S3Client s3;

  @BeforeEach
  void start() throws Exception {
    Properties props = new Properties();
    props.setProperty("jclouds.filesystem.basedir", dir.toString());
    store = new OrderedWalkListingStore(BlobStores.create("filesystem", props), dir);
    s3proxy = S3Proxy.builder().blobStore(store)
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, Principal.PILOT.accessKey(), Principal.PILOT.secretKey())
        .endpoint(URI.create("http://127.0.0.1:0")).build();
    s3proxy.start();
    Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> "STARTED".equals(s3proxy.getState()));
    s3 = S3Client.builder().endpointOverride(URI.create("http://127.0.0.1:" + s3proxy.getPort())).region(Region.US_EAST_1)
        .forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(
            AwsBasicCredentials.create(Principal.PILOT.accessKey(), Principal.PILOT.secretKey())))
        .httpClient(ApacheHttpClient.create()).build();
    Files.createDirectories(dir.resolve(BUCKET));
    // folders and names that sort around '/' ("a-b" < "a/..." < "a0"), as S3 orders keys
    for (int i = 0; i < 60; i++) {
      String folder = String.format("site-%02d/", i);
      s3.putObject(b -> b.bucket(BUCKET).key(folder + "odm.json"), RequestBody.fromString("{}"));
      s3.putObject(b -> b.bucket(BUCKET).key(folder + "results/odm.log"), RequestBody.fromString("log " + folder));
      s3.putObject(b -> b.bucket(BUCKET).key(folder.substring(0, folder.length() - 1) + "-notes.txt"), RequestBody.fromString(folder));
    }
  }

  @AfterEach
  void stop() throws Exception {
    s3.close();
    s3proxy.stop();
  }

  @Test
  void aPagedListingIsTheStoresOwnListingReadOnce() {
    List<S3Object> whole = store.delegate().list(software.amazon.awssdk.services.s3.model.ListObjectsV2Request.builder()
        .bucket(BUCKET).prefix("").build()).contents();
    long before = store.keysRead();

    List<S3Object> paged = new ArrayList<>();
    int pages = 0;
    for (ListObjectsV2Response page : s3.listObjectsV2Paginator(b -> b.bucket(BUCKET).maxKeys(50))) {
      paged.addAll(page.contents());
      pages++;
    }

    assertThat(pages).isEqualTo(4);
    assertThat(paged).extracting(S3Object::key).containsExactlyElementsOf(whole.stream().map(S3Object::key).toList());
    assertThat(paged).extracting(S3Object::key).isSorted().contains("site-07-notes.txt", "site-07/odm.json");
    // the store's ETags are quoted or not as S3Proxy keeps them; over HTTP the SDK shows them quoted
    assertThat(paged).extracting(o -> unquote(o.eTag())).containsExactlyElementsOf(whole.stream().map(o -> unquote(o.eTag())).toList());
    assertThat(paged).extracting(S3Object::size).containsExactlyElementsOf(whole.stream().map(S3Object::size).toList());
    // the listing's XML carries whole seconds
    assertThat(paged).extracting(o -> o.lastModified().getEpochSecond())
        .containsExactlyElementsOf(whole.stream().map(o -> o.lastModified().getEpochSecond()).toList());
    assertThat(paged.get(0).eTag()).isEqualTo(s3.headObject(b -> b.bucket(BUCKET).key(paged.get(0).key())).eTag());
    assertThat(store.keysRead() - before).isEqualTo(180); // each key once, not once per page
  }

  private static String unquote(String eTag) {
    return eTag.replace("\"", "");
  }

  @Test
  void aPageAfterAWriteSeesIt() {
    ListObjectsV2Response first = s3.listObjectsV2(b -> b.bucket(BUCKET).maxKeys(50));
    s3.putObject(b -> b.bucket(BUCKET).key("site-59/DJI_0001.JPG"), RequestBody.fromBytes(new byte[] {1}));
    List<String> rest = new ArrayList<>();
    String token = first.nextContinuationToken();
    while (token != null) {
      String from = token;
      ListObjectsV2Response page = s3.listObjectsV2(b -> b.bucket(BUCKET).maxKeys(50).continuationToken(from));
      page.contents().forEach(o -> rest.add(o.key()));
      token = page.nextContinuationToken();
    }

    assertThat(rest).contains("site-59/DJI_0001.JPG").doesNotContainAnyElementsOf(first.contents().stream().map(S3Object::key).toList());
    assertThat(first.contents().size() + rest.size()).isEqualTo(181);
  }

  @Test
  void aFolderListingWithTheDelimiterIsTheStoresOwn() {
    long before = store.keysRead();
    ListObjectsV2Response folder = s3.listObjectsV2(b -> b.bucket(BUCKET).prefix("site-03/").delimiter("/"));

    assertThat(folder.contents()).extracting(S3Object::key).containsExactly("site-03/odm.json");
    assertThat(folder.commonPrefixes()).extracting(p -> p.prefix()).containsExactly("site-03/results/");
    assertThat(store.keysRead()).isEqualTo(before);
  }
}
