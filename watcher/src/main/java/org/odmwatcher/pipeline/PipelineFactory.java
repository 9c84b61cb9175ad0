package org.odmwatcher.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.context.annotation.Factory;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.List;
import org.odmwatcher.config.ApiConfig;
import org.odmwatcher.config.EnginesConfig;
import org.odmwatcher.config.ManifestConfig;
import org.odmwatcher.config.PlacementConfig;
import org.odmwatcher.config.S3Config;
import org.odmwatcher.event.filter.ManifestKeyFilter;
import org.odmwatcher.event.filter.OwnWritesFilter;
import org.odmwatcher.manifest.ManifestDefaults;
import org.odmwatcher.manifest.ManifestParser;
import org.odmwatcher.manifest.ManifestValidator;
import org.odmwatcher.manifest.Engine;
import org.odmwatcher.manifest.Engines;
import org.odmwatcher.manifest.OptionCatalogue;
import org.odmwatcher.status.StatusCodec;
import org.odmwatcher.status.StatusWriter;
import org.odmwatcher.storage.BucketStore;
import org.odmwatcher.workflow.ChildWorkflows;
import org.odmwatcher.workflow.JobSubmitter;
import org.odmwatcher.workflow.OdmArguments;
import org.odmwatcher.workflow.PhaseRecorder;

/**
 * Wires the pipeline's plain classes (they know nothing of Micronaut, so tests build them by hand).
 */
@Factory
public class PipelineFactory {

  @Singleton
  Clock clock() {
    return Clock.systemUTC();
  }

  @Singleton
  OptionCatalogue optionCatalogue(ObjectMapper json) {
    return OptionCatalogue.load(json);
  }

  @Singleton
  Engines engines(ObjectMapper json, EnginesConfig config, PlacementConfig placement) {
    return Engines.bundled(json, config.enabled(), java.util.Map.of(
        Engine.ODM, new Engine.Images(placement.odmImage(), placement.odmGpuImage()),
        Engine.ODX, new Engine.Images(config.odxImage(), config.odxGpuImage())));
  }

  @Singleton
  ManifestParser manifestParser(ObjectMapper json, Engines engines) {
    return new ManifestParser(json, new ManifestValidator(engines));
  }

  @Singleton
  ManifestDefaults manifestDefaults(BucketStore store, ManifestParser parser, ObjectMapper json,
      ManifestConfig manifest, Clock clock, @Nullable ApiConfig api) {
    // The NodeODM API's tasks keep the options their client sent (see ManifestDefaults).
    return new ManifestDefaults(store, parser, json, manifest.defaultsName(), manifest.maxSize(),
        manifest.defaultsClockMargin(), clock, api == null ? List.of() : List.of(api.bucket() + "/" + api.prefix()));
  }

  @Singleton
  OdmArguments odmArguments(Engines engines) {
    return new OdmArguments(engines);
  }

  @Singleton
  StatusWriter statusWriter(BucketStore store, ManifestConfig manifest, S3Config s3, Clock clock) {
    return new StatusWriter(store, new StatusCodec(), manifest.statusName(), s3.conditionalWrites(), clock);
  }

  @Singleton
  PhaseRecorder phaseRecorder(StatusWriter statusWriter, BucketStore store, ManifestConfig manifest, Clock clock) {
    return new PhaseRecorder(statusWriter, store, manifest.resultsFolder(), clock);
  }

  @Singleton
  WaitingFolders waitingFolders() {
    return new WaitingFolders();
  }

  @Singleton
  @Requires(beans = JobSubmitter.class)
  ManifestHandler manifestHandler(
      ManifestConfig manifest,
      BucketStore store,
      ManifestParser parser,
      ManifestDefaults defaults,
      JobSubmitter submitter,
      StatusWriter statusWriter,
      WaitingFolders waiting,
      Clock clock,
      @Nullable ChildWorkflows children,
      @Nullable SubmodelOrigins submodels) {
    return new ManifestHandler(
        new OwnWritesFilter(manifest.statusName(), manifest.resultsFolder()),
        new ManifestKeyFilter(manifest.name()),
        manifest.name(),
        manifest.maxSize(),
        manifest.resultsFolder(),
        store,
        parser,
        submitter,
        statusWriter,
        waiting,
        clock,
        manifest.maxImages(),
        manifest.maxTotalBytes(),
        children,
        new ManifestHandler.ImageWait(manifest.waitForImages(), manifest.waitForFirstImage()),
        submodels == null ? SubmodelOrigins.NONE : submodels,
        defaults);
  }
}
