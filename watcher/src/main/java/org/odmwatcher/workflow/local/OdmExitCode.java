package org.odmwatcher.workflow.local;

/**
 * What an ODM exit code means, in the words NodeODM uses, plus the container runtimes' own codes.
 */
public final class OdmExitCode {
  private OdmExitCode() {}

  public static String describe(int code, String engine) {
    return switch (code) {
      case 0 -> "processing finished";
      case 137 -> "ODM ran out of memory (exit 137): give it more memory (Docker Desktop: Settings → Resources),"
          + " or use fewer or smaller images (e.g. option resize-to, pc-quality: low)";
      case 132 -> "ODM uses CPU instructions this processor does not support (exit 132): run it on a newer CPU"
          + " or build ODM for this machine (native engine)";
      case 1, 134, 139 -> "ODM could not process this dataset (exit " + code + "): the images may not overlap"
          + " enough or lack GPS; see logTail and results/odm.log, or try other options";
      case 125 -> engine + " could not start the ODM container (exit 125): is the " + engine
          + " daemon running and may this user use it? see logTail; --engine test tries the pipeline without ODM";
      case 126, 127 -> "the ODM command could not be executed (exit " + code + "): check watcher.local.command"
          + " / watcher.local.run-py";
      default -> "ODM exited with code " + code + "; see logTail and results/odm.log";
    };
  }
}
