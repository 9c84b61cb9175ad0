package org.odmwatcher.dashboard;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;

/**
 * A real S3 client whose listing pages wait until the test opens the gate, so a test can look at
 * what the dashboard shows while a listing is under way. Reads pass straight through. Only the
 * calls the seed makes are passed on (the SDK's other defaults throw, so a new call shows up).
 */
final class GatedListingS3Client implements S3Client {
  private final S3Client s3;
  private final CountDownLatch gate = new CountDownLatch(1);
  private final AtomicInteger asked = new AtomicInteger();
  private final AtomicInteger answered = new AtomicInteger();

  GatedListingS3Client(S3Client s3) {
    this.s3 = s3;
  }

  /** Lets every listing page through, now and from now on. */
  void open() {
    gate.countDown();
  }

  /** Listing pages asked for so far (waiting or answered). */
  int asked() {
    return asked.get();
  }

  /** Listing pages answered so far. */
  int answered() {
    return answered.get();
  }

  @Override
  public ListObjectsV2Response listObjectsV2(ListObjectsV2Request request) {
    asked.incrementAndGet();
    try {
      if (!gate.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the test never opened the listing gate");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    ListObjectsV2Response page = s3.listObjectsV2(request);
    answered.incrementAndGet();
    return page;
  }

  @Override
  public <T> T getObject(GetObjectRequest request, ResponseTransformer<GetObjectResponse, T> transformer) {
    return s3.getObject(request, transformer);
  }

  @Override
  public ResponseInputStream<GetObjectResponse> getObject(GetObjectRequest request) {
    return s3.getObject(request);
  }

  @Override
  public String serviceName() {
    return s3.serviceName();
  }

  @Override
  public void close() {
    s3.close();
  }
}
