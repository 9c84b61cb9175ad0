package org.odmwatcher.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.odmwatcher.manifest.ManifestParser;
import org.odmwatcher.manifest.ManifestValidator;
import org.odmwatcher.manifest.OptionCatalogue;
import org.odmwatcher.testing.PipelineFixture;
import org.odmwatcher.testing.Principal;
import picocli.CommandLine;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/** The pilot's upload against a real S3 (S3Proxy), with every PUT recorded in order. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FolderUploadTest {
  private final PipelineFixture fixture = new PipelineFixture("upload");
  private final ObjectMapper json = new ObjectMapper();
  private final RecordingS3 s3 = new RecordingS3(fixture.s3);

  @AfterAll
  void close() {
    fixture.close();
  }

  private FolderUpload upload() {
    return new FolderUpload(s3, new ManifestParser(json, new ManifestValidator(OptionCatalogue.load(json))), json, 4,
        new PrintStream(OutputStream.nullOutputStream()));
  }

  private static Path folder(int images) throws Exception {
    Path dir = Files.createTempDirectory("flight");
    for (int i = 1; i <= images; i++) {
      Files.write(dir.resolve(String.format("IMG_%04d.JPG", i)), new byte[1000 + i]);
    }
    Files.writeString(dir.resolve("gcp_list.txt"), "EPSG:4326\n");
    Files.writeString(dir.resolve("notes.docx"), "not part of the dataset");
    return dir;
  }

  @Test
  void odmJsonIsUploadedAfterEveryImage() throws Exception {
    Path dir = folder(12);
    s3.puts.clear(); // the PUTs of this upload only, whichever test ran before
    upload().upload(dir, new S3Options.Location(fixture.bucket, "order/"), Map.of("dsm", "true", "orthophoto-resolution", "2.5"));

    assertThat(s3.puts).hasSize(14).last().isEqualTo("order/odm.json");
    assertThat(s3.puts).doesNotContain("order/notes.docx").contains("order/gcp_list.txt");
    JsonNode manifest = json.readTree(fixture.s3.getObjectAsBytes(b -> b.bucket(fixture.bucket).key("order/odm.json")).asByteArray());
    assertThat(manifest.path("options").path("dsm").isBoolean()).isTrue();
    assertThat(manifest.path("options").path("orthophoto-resolution").asDouble()).isEqualTo(2.5);
  }

  @Test
  void aResumedUploadSkipsFilesAlreadyThereWithTheSameSize() throws Exception {
    Path dir = folder(6);
    // the first attempt got three images across before it was interrupted; one of them only partly
    for (String name : List.of("IMG_0001.JPG", "IMG_0002.JPG")) {
      fixture.s3.putObject(b -> b.bucket(fixture.bucket).key("resume/" + name), dir.resolve(name));
    }
    fixture.s3.putObject(b -> b.bucket(fixture.bucket).key("resume/IMG_0003.JPG"), RequestBody.fromBytes(new byte[10]));
    s3.puts.clear();

    FolderUpload.Result result = upload().upload(dir, new S3Options.Location(fixture.bucket, "resume/"), Map.of());

    assertThat(result.skipped()).isEqualTo(2);
    assertThat(s3.puts).containsExactlyInAnyOrder("resume/IMG_0003.JPG", "resume/IMG_0004.JPG", "resume/IMG_0005.JPG",
        "resume/IMG_0006.JPG", "resume/gcp_list.txt", "resume/odm.json");
    assertThat(s3.puts.get(s3.puts.size() - 1)).isEqualTo("resume/odm.json");
  }

  @Test
  void everyImageOdmTakesAndTheMasksAreUploaded() throws Exception {
    Path dir = Files.createTempDirectory("flight");
    for (String name : List.of("IMG_0001.JXL", "IMG_0002.nef", "IMG_0001_mask.png", "clip.mp4")) {
      Files.write(dir.resolve(name), new byte[] {1, 2, 3});
    }
    s3.puts.clear();

    upload().upload(dir, new S3Options.Location(fixture.bucket, "kinds/"), Map.of());

    assertThat(s3.puts).containsExactlyInAnyOrder("kinds/IMG_0001.JXL", "kinds/IMG_0002.nef", "kinds/IMG_0001_mask.png",
        "kinds/odm.json");
  }

  @Test
  void aFolderOfMasksAloneHasNoImagesAndTheErrorListsWhatCounts() throws Exception {
    Path dir = Files.createTempDirectory("flight");
    Files.write(dir.resolve("IMG_0001_mask.png"), new byte[] {1});
    s3.puts.clear();

    assertThatThrownBy(() -> upload().upload(dir, new S3Options.Location(fixture.bucket, "masks/"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no images (bmp, dng, jpeg, jpg, jxl, nef, png, raw, tif, tiff in any case");
    assertThat(s3.puts).isEmpty();
  }

  /**
   * Issue 21 row 7: an SD card keeps its images under DCIM/100MEDIA/; upload found none ("no
   * images … in <folder>"). ODM takes its images from one flat folder, so they go up flat.
   */
  @Test
  void imagesInSubfoldersOfAnSdCardAreUploadedFlat() throws Exception {
    Path card = Files.createTempDirectory("sdcard");
    Path media = Files.createDirectories(card.resolve("DCIM/100MEDIA"));
    for (String name : List.of("DJI_0001.JPG", "DJI_0002.JPG", "DJI_0002_mask.png")) {
      Files.write(media.resolve(name), new byte[] {1, 2, 3});
    }
    Files.write(Files.createDirectories(card.resolve(".Trashes/501")).resolve("DJI_0009.JPG"), new byte[] {1});
    Files.writeString(card.resolve("gcp_list.txt"), "EPSG:4326\n");
    s3.puts.clear();

    upload().upload(card, new S3Options.Location(fixture.bucket, "sd/"), Map.of());

    assertThat(s3.puts).containsExactlyInAnyOrder("sd/DJI_0001.JPG", "sd/DJI_0002.JPG", "sd/DJI_0002_mask.png",
        "sd/gcp_list.txt", "sd/odm.json");
  }

  /**
   * Two subfolders with the same file names (a second card, a camera that restarted its count):
   * every file under a subfolder is named after its folder, so none overwrites another and each
   * mask still pairs with its image; the rule depends only on the folder, so a resumed upload maps
   * every file to the same key and skips what is there.
   */
  @Test
  void sameNamesInTwoSubfoldersArePrefixedWithTheirFolderTheSameWayOnResume() throws Exception {
    Path card = Files.createTempDirectory("sdcard");
    for (String dir : List.of("DCIM/100MEDIA", "DCIM/101MEDIA")) {
      Path media = Files.createDirectories(card.resolve(dir));
      Files.write(media.resolve("DJI_0001.JPG"), new byte[] {1, 2, 3});
      Files.write(media.resolve("DJI_0001_mask.png"), new byte[] {1});
    }
    Files.write(card.resolve("DCIM/101MEDIA/DJI_0002.JPG"), new byte[] {4});
    s3.puts.clear();

    upload().upload(card, new S3Options.Location(fixture.bucket, "two-cards/"), Map.of());
    assertThat(s3.puts).containsExactlyInAnyOrder("two-cards/DCIM_100MEDIA_DJI_0001.JPG",
        "two-cards/DCIM_100MEDIA_DJI_0001_mask.png", "two-cards/DCIM_101MEDIA_DJI_0001.JPG",
        "two-cards/DCIM_101MEDIA_DJI_0001_mask.png", "two-cards/DCIM_101MEDIA_DJI_0002.JPG", "two-cards/odm.json");

    s3.puts.clear();
    FolderUpload.Result again = upload().upload(card, new S3Options.Location(fixture.bucket, "two-cards/"), Map.of());
    assertThat(again.skipped()).isEqualTo(5);
    assertThat(s3.puts).containsExactly("two-cards/odm.json");
  }

  @Test
  void aFolderWithoutImagesAnywhereSaysSubfoldersWereSearchedToo() throws Exception {
    Path dir = Files.createTempDirectory("flight");
    Files.writeString(Files.createDirectories(dir.resolve("docs")).resolve("notes.txt"), "x");
    assertThatThrownBy(() -> upload().upload(dir, new S3Options.Location(fixture.bucket, "none/"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("no images (bmp, dng").hasMessageEndingWith(" in " + dir + " or its subfolders");
  }

  @Test
  void anInvalidManifestUploadsNothing() throws Exception {
    Path dir = folder(2);
    s3.puts.clear();
    assertThatThrownBy(() -> upload().upload(dir, new S3Options.Location(fixture.bucket, "bad/"), Map.of("no-such-option", "1")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no-such-option");
    assertThat(s3.puts).isEmpty();
  }

  @Test
  void s3UrlsSplitIntoBucketAndFolder() {
    assertThat(S3Options.Location.parse("s3://odm/flights/a")).isEqualTo(new S3Options.Location("odm", "flights/a/"));
    assertThat(S3Options.Location.parse("s3://odm")).isEqualTo(new S3Options.Location("odm", ""));
    assertThatThrownBy(() -> S3Options.Location.parse("odm/x")).isInstanceOf(IllegalArgumentException.class);
  }

  private record Printed(int code, String out, String err) {}

  /** {@code upload ARGS} as the jar runs it, against this fixture's S3 with the pilot's keys. */
  private Printed command(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      List<String> all = new ArrayList<>(List.of(args));
      all.addAll(List.of("--endpoint", fixture.servers.s3Endpoint(),
          "--access-key", Principal.PILOT.accessKey(), "--secret-key", Principal.PILOT.secretKey()));
      int code = new CommandLine(new UploadCommand()).execute(all.toArray(String[]::new));
      return new Printed(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
    }
  }

  /** Issue 21 row 3: {@code upload} had no way to set outputs. */
  @Test
  void theOutputOptionSetsTheOutputsOfTheGeneratedManifest() throws Exception {
    Path dir = folder(2);
    Printed printed = command(dir.toString(), "s3://" + fixture.bucket + "/outputs/", "--output", "dsm",
        "--output", "orthophoto,report", "-o", "orthophoto-resolution=4");
    assertThat(printed.code()).as(printed.err()).isZero();
    JsonNode manifest = json.readTree(fixture.s3.getObjectAsBytes(b -> b.bucket(fixture.bucket).key("outputs/odm.json")).asByteArray());
    assertThat(manifest.path("outputs").toString()).isEqualTo("[\"dsm\",\"orthophoto\",\"report\"]");

    Printed unknown = command(dir.toString(), "s3://" + fixture.bucket + "/outputs-bad/", "--output", "hologram");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("unknown output \"hologram\"").contains("dsm");
  }

  /** Issue 21 row 8: {@code upload … s3://odm} with no folder started a job at the bucket's root. */
  @Test
  void aBucketWithoutAFolderIsRefusedWithOneLineSayingWhatToAdd() throws Exception {
    Path dir = folder(2);
    s3.puts.clear();
    Printed printed = command(dir.toString(), "s3://" + fixture.bucket);
    assertThat(printed.code()).isEqualTo(2);
    assertThat(printed.err().strip()).doesNotContain("\n").contains("s3://" + fixture.bucket + "/my-flight/");
    assertThat(fixture.s3.listObjectsV2(b -> b.bucket(fixture.bucket).delimiter("/")).contents())
        .extracting(o -> o.key()).doesNotContain("odm.json");
    assertThatThrownBy(() -> upload().upload(dir, new S3Options.Location(fixture.bucket, ""), Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("my-flight/");
    assertThat(s3.puts).isEmpty();
  }

  /** A real client that remembers the key of every PUT, in order. */
  static final class RecordingS3 implements S3Client {
    final List<String> puts = Collections.synchronizedList(new ArrayList<>());
    private final S3Client delegate;

    RecordingS3(S3Client delegate) {
      this.delegate = delegate;
    }

    @Override
    public PutObjectResponse putObject(PutObjectRequest request, RequestBody body) {
      PutObjectResponse response = delegate.putObject(request, body);
      puts.add(request.key());
      return response;
    }

    @Override
    public ListObjectsV2Response listObjectsV2(ListObjectsV2Request request) {
      return delegate.listObjectsV2(request);
    }

    @Override
    public String serviceName() {
      return delegate.serviceName();
    }

    @Override
    public void close() {}
  }
}
