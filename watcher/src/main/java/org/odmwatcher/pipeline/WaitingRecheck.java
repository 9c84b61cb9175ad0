package org.odmwatcher.pipeline;

import io.micronaut.context.annotation.Requires;
import io.micronaut.scheduling.annotation.Scheduled;
import io.micronaut.context.annotation.Context;
import org.odmwatcher.retry.TransientFailureException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lists waiting folders again every {@code watcher.manifest.recheck-interval}, so that a folder
 * whose last image event was lost (or never sent: most notification setups only announce {@code
 * odm.json}) still starts once its images are all there.
 */
// Created with the context, not at its first tick: a tick during shutdown must not build beans.
@Context
@Requires(beans = ManifestHandler.class)
public class WaitingRecheck {
  private static final Logger LOG = LoggerFactory.getLogger(WaitingRecheck.class);
  private final WaitingFolders waiting;
  private final ManifestHandler handler;

  public WaitingRecheck(WaitingFolders waiting, ManifestHandler handler) {
    this.waiting = waiting;
    this.handler = handler;
  }

  @Scheduled(fixedDelay = "${watcher.manifest.recheck-interval:60s}", initialDelay = "${watcher.manifest.recheck-interval:60s}")
  void recheck() {
    for (WaitingFolders.Folder folder : waiting.snapshot()) {
      try {
        handler.handleFolder(folder.bucket(), folder.folder());
      } catch (TransientFailureException e) {
        LOG.info("re-check of s3://{}/{} failed ({}); next round tries again", folder.bucket(), folder.folder(), e.getMessage());
      }
    }
  }
}
