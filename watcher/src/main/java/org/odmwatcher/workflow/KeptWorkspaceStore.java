package org.odmwatcher.workflow;

import java.util.List;
import org.odmwatcher.retry.TransientFailureException;

/**
 * Where kept workspaces are, as {@link WorkspaceSweep} sees them: the cluster's claims ({@link
 * KeptWorkspaces}) or local mode's work folders ({@code workflow.local.KeptFolders}).
 */
public interface KeptWorkspaceStore {

  /** Every workspace kept now, with its folder, job and keep time. */
  List<KeptWorkspaces.Kept> all() throws TransientFailureException;

  /** Removes a kept workspace (gone already is fine; one a run has taken over is left alone). */
  void release(String name) throws TransientFailureException;
}
