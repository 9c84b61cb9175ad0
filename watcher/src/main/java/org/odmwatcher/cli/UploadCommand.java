package org.odmwatcher.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.odmwatcher.manifest.ManifestParser;
import org.odmwatcher.manifest.ManifestValidator;
import org.odmwatcher.manifest.Engines;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.services.s3.S3Client;

/** {@code upload <folder> s3://bucket/prefix/}: the pilot's upload, odm.json last. */
@Command(name = "upload", mixinStandardHelpOptions = true,
    description = "Uploads a folder of images to s3://bucket/prefix/ (parallel, resumable), odm.json last.")
public final class UploadCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "Folder with the images (and optionally odm.json, gcp_list.txt, geo.txt)")
  Path folder;

  @Parameters(index = "1", description = "Where to: s3://bucket/prefix/")
  String target;

  @Option(names = {"-o", "--option"}, description = "ODM option name=value for a generated odm.json (repeatable)")
  Map<String, String> options = new LinkedHashMap<>();

  @Option(names = "--output", split = ",", paramLabel = "OUTPUT",
      description = "Output for a generated odm.json (repeatable or comma-separated): orthophoto, dsm, dtm, pointcloud,"
          + " report, textured-model, 3d-tiles. Default: orthophoto, pointcloud, report, plus what the options make")
  List<String> outputs = new ArrayList<>();

  @Option(names = "--parallel", defaultValue = "4", description = "Uploads at the same time. Default: ${DEFAULT-VALUE}")
  int parallel;

  @Mixin S3Options s3Options;

  @Override
  public Integer call() throws Exception {
    if (!Files.isDirectory(folder)) {
      System.err.println("upload: " + folder + " is not a folder");
      return 2;
    }
    S3Options.Location location;
    try {
      location = S3Options.Location.parse(target);
    } catch (IllegalArgumentException e) {
      System.err.println("upload: " + e.getMessage());
      return 2;
    }
    ObjectMapper json = new ObjectMapper();
    ManifestParser parser = new ManifestParser(json, new ManifestValidator(Engines.allBundled(json)));
    try (S3Client s3 = s3Options.client()) {
      new FolderUpload(s3, parser, json, Math.max(1, parallel), System.out).upload(folder, location, options, outputs);
    } catch (IllegalArgumentException e) {
      System.err.println("upload: " + e.getMessage());
      return 2;
    }
    System.out.println("follow it: " + Invocation.command() + " status " + location + " --follow"
        + (s3Options.endpoint != null ? " --endpoint " + s3Options.endpoint : "")
        + (s3Options.accessKey != null ? " --access-key " + s3Options.accessKey + " --secret-key <secret>" : ""));
    return 0;
  }
}
