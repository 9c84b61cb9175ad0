# A stand-in for ODM 3.6.0's run.py (OpenDroneMap/ODM @32cfaac, VERSION 3.6.0), used by the test Argo
# (org.odmwatcher.testing.argo) and the step test (WorkflowStepsIT): the template's real `process`
# program runs this instead of /code/run.py. It processes nothing, but its command line, console,
# progress datagrams, files and exit codes are ODM's, each rule citing the ODM source it follows:
# - options: argparse built from ODM 3.6.0's option catalogue (watcher/src/main/resources/odm/
#   odm-3.6.0-options.json, NodeODM's view of opendm/config.py) plus the options NodeODM hides
#   (listed below); unknown options end as ODM's config() ends them: parser.error, exit 2;
# - console: ODM's logger (opendm/log.py ODMLogger.log): "[LEVEL]".ljust(9) + " " + message, in ANSI
#   colours unless the environment has `no_ansiesc`; the stages announce themselves as ODM_Stage.run
#   does (opendm/types.py): "Running <stage> stage" ... "Finished <stage> stage";
# - progress: ODM's Broadcaster (opendm/progress.py): UDP datagrams "PGUP/<pid>/<project>/<float>"
#   to 127.0.0.1:6367, with the values ODM's stages send (stages/odm_app.py, ODM_Stage.update_progress);
# - dataset: the images are chosen as stages/dataset.py chooses them (context.py supported_extensions,
#   valid_filename's _mask rule), listed in img_list.txt; none ends the run as ODM ends it (ExitException);
# - files: placeholder files, each starting with the PLACEHOLDER line, where ODM writes its products
#   (opendm/types.py ODM_Tree), for the products the options ask for;
# - exit codes: 0; 2 for a bad command line (argparse); 1 for a missing project folder (run.py) or an
#   ExitException; a failed subprocess's own code (odm_app.py ODMApp.execute returns e.errorCode).
# - resuming: a stage whose product is already in the project is skipped with ODM's "Found ..."
#   warning unless --rerun/--rerun-from/--rerun-all names it (opendm/types.py ODM_Stage.rerun and the
#   stages' checks, STAGE_PRODUCTS below), so a kept workspace resumes where it stopped;
# Knobs of the test world (never set in a pod): ODM_STANDIN_EXIT=N makes the opensfm stage (or the
# stage ODM_STANDIN_EXIT_STAGE names) fail as a subprocess exiting N would (137: the kernel's OOM kill);
# ODM_STANDIN_SECONDS makes a whole run take that long, each working stage its share (benchmarks); ODM_STANDIN_PAUSE_FILE holds it in its opensfm stage while that file
# exists; ODM_STANDIN_OPTIONS names the option catalogue (default: the watcher's, Maven layout);
# ODM_STANDIN_RASTERS=DIR makes the orthophoto and DEMs copies of DIR/odm_orthophoto.tif, DIR/dsm.tif
# and DIR/dtm.tif: real COGs that say TEST DATA, written once per test run by the Java side
# (org.odmwatcher.testing.argo.StandInRasters with the watcher's own CogWriter; Python's stdlib has
# no TIFF writer). ODM 3.6.0 with --cog converts these files in place (opendm/cogeo.py
# convert_to_cogeo), so the names are the same with or without it.
import argparse
import datetime
import json
import os
import random
import shutil
import socket
import sys
import time

VERSION = "3.6.0"
MARK = b"PLACEHOLDER - test stand-in for OpenDroneMap, not real processing\n"
HERE = os.path.dirname(os.path.abspath(__file__))

# opendm/log.py: colours unless on Windows or `no_ansiesc` is set.
if os.getenv("no_ansiesc"):
    DEFAULT = WARNING = FAIL = ENDC = ""
else:
    DEFAULT, WARNING, FAIL, ENDC = "\033[39m", "\033[93m", "\033[91m", "\033[0m"


def log(colour, level, message):
    """opendm/log.py ODMLogger.log."""
    print("%s%s %s%s" % (colour, ("[" + level + "]").ljust(9), message, ENDC), flush=True)


def info(message):
    log(DEFAULT, "INFO", message)


def warning(message):
    log(WARNING, "WARNING", message)


def error(message):
    log(FAIL, "ERROR", message)


# ---- the command line: opendm/config.py config() ------------------------------------------------

# config.py processopts: the stages, in ODM's pipeline order (stages/odm_app.py ODMApp.__init__).
PROCESSOPTS = ["dataset", "split", "merge", "opensfm", "openmvs", "odm_filterpoints", "odm_meshing",
               "mvs_texturing", "odm_georeferencing", "odm_dem", "odm_orthophoto", "odm_report",
               "odm_postprocess"]
# config.py: flags ODM no longer knows but only warns about.
DEPRECATED = ["--verbose", "--debug", "--time", "--resize-to", "--depthmap-resolution", "--pc-geometric",
              "--texturing-data-term", "--texturing-outlier-removal-type", "--texturing-tone-mapping",
              "--texturing-skip-local-seam-leveling"]


class StoreValue(argparse.Action):
    """config.py StoreValue (and StoreTrue with nargs=0: the value is True)."""

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, True if self.nargs == 0 else values)


class RerunFrom(argparse.Action):
    """config.py RerunFrom: the stages from the given one on."""

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, PROCESSOPTS[PROCESSOPTS.index(values):])


def path_or_json_string(string):
    """config.py path_or_json_string (opendm/io.py path_or_json_string_to_dict)."""
    if string == "":
        return {}
    if string.startswith("[") or string.startswith("{"):
        try:
            return json.loads(string)
        except ValueError:
            raise argparse.ArgumentTypeError("{0}".format("Invalid JSON string: %s" % string))
    if os.path.exists(string):
        return string
    raise argparse.ArgumentTypeError("{0}".format("%s is not a valid path nor JSON string" % string))


def url_string(string):
    """config.py url_string (the type of --sm-cluster): Django's URL validation regex."""
    import re
    regex = re.compile(
        r'^(?:http|ftp)s?://'
        r'(?:(?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.?)+(?:[A-Z]{2,6}\.?|[A-Z0-9-]{2,}\.?)|'
        r'localhost|'
        r'\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})'
        r'(?::\d+)?'
        r'(?:/?|[/?]\S+)$', re.IGNORECASE)
    if re.match(regex, string) is None:
        raise argparse.ArgumentTypeError("%s is not a valid URL. The URL must be in the format: http(s)://host[:port]/[?token=]" % string)
    return string


def catalogue():
    candidates = [os.environ.get("ODM_STANDIN_OPTIONS"),
                  # Maven's layout: target/test-classes/argo/odm -> target/classes/odm
                  os.path.join(HERE, "..", "..", "..", "classes", "odm", "odm-3.6.0-options.json"),
                  # the sources: src/test/resources/argo/odm -> src/main/resources/odm
                  os.path.join(HERE, "..", "..", "..", "..", "main", "resources", "odm", "odm-3.6.0-options.json")]
    path = next((c for c in candidates if c and os.path.exists(c)), None)
    if path is None:
        sys.exit("stand-in ODM: no option catalogue in %s (set ODM_STANDIN_OPTIONS)" % candidates)
    with open(path) as f:
        return json.load(f)


def parser():
    p = argparse.ArgumentParser(
        description="ODM is a command line toolkit to generate maps, point clouds, 3D models and DEMs from drone, balloon or kite images.",
        usage="run.sh [options] <dataset name>")
    p.add_argument("--project-path", metavar="<path>", action=StoreValue)
    p.add_argument("name", metavar="<dataset name>", action=StoreValue, type=str, default="code", nargs="?")
    # The options NodeODM's catalogue leaves out (NodeODM sets or forbids them), as config.py has them.
    rerun = p.add_mutually_exclusive_group()
    rerun.add_argument("--rerun", "-r", metavar="<string>", action=StoreValue, choices=PROCESSOPTS)
    rerun.add_argument("--rerun-all", action=StoreValue, nargs=0, default=False)
    rerun.add_argument("--rerun-from", action=RerunFrom, metavar="<string>", choices=PROCESSOPTS)
    for name in ("--gcp", "--geo", "--align", "--split-image-groups", "--copy-to"):
        p.add_argument(name, metavar="<path string>", action=StoreValue, default=None)
    p.add_argument("--version", action="version", version="ODM {0}".format(VERSION))
    for o in catalogue():
        flags = ["--" + o["name"]] + (["-e"] if o["name"] == "end-with" else [])
        if o["type"] == "bool":
            p.add_argument(*flags, action=StoreValue, nargs=0, default=False)
        elif o["type"] == "enum":
            p.add_argument(*flags, metavar="<string>", action=StoreValue, default=o["value"], choices=o["domain"])
        elif o["type"] == "int":
            p.add_argument(*flags, metavar="<integer>", action=StoreValue, default=o["value"], type=int)
        elif o["type"] == "float":
            p.add_argument(*flags, metavar="<float>", action=StoreValue, default=o["value"], type=float)
        elif o["domain"] == "json":  # boundary, cameras
            p.add_argument(*flags, metavar="<json>", action=StoreValue, default=o["value"], type=path_or_json_string)
        elif o["name"] == "sm-cluster":
            p.add_argument(*flags, metavar="<string>", action=StoreValue, default=None, type=url_string)
        else:
            p.add_argument(*flags, metavar="<string>", action=StoreValue, default=o["value"] or None, type=str)
    return p


def config():
    """config.py config(): parse_known_args, then parser.error (exit 2) for anything unknown."""
    p = parser()
    args, unknown = p.parse_known_args()
    unknown_e = [a for a in unknown if a not in DEPRECATED]
    if unknown_e:
        p.error("unrecognized arguments: %s" % " ".join(unknown_e))
    for a in unknown:
        warning("%s is no longer a valid argument and will be ignored!" % a)
    if not args.project_path:
        error("You need to set the project path in the settings.yaml file before you can run ODM, "
              "or use `--project-path <path>`. Run `python3 run.py --help` for more information. ")
        sys.exit(1)
    if args.fast_orthophoto:
        info("Fast orthophoto is turned on, automatically setting --skip-3dmodel")
        args.skip_3dmodel = True
    if getattr(args, "pc_rectify", False) and not args.pc_classify:  # ODX has no --pc-rectify
        args.pc_classify = True
    if args.dtm and not args.pc_classify:
        info("DTM is turned on, automatically turning on point cloud classification")
        args.pc_classify = True
    if args.skip_3dmodel and args.use_3dmesh:
        warning("--skip-3dmodel is set, but so is --use-3dmesh. --skip-3dmodel will be ignored.")
        args.skip_3dmodel = False
    if args.orthophoto_cutline and not args.crop:
        warning("--orthophoto-cutline is set, but --crop is not. --crop will be set to 0.01")
        args.crop = 0.01
    if args.sm_cluster:
        # pyodm Node.from_url(url).info(): GET /info on the URL's host and port (its path is ignored).
        import urllib.parse
        import urllib.request
        url = urllib.parse.urlparse(args.sm_cluster)
        query = urllib.parse.parse_qs(url.query)
        # ODM_STANDIN_SERVICES (the test Argo's cluster DNS): "<service host:port>=<where it is reached>,..."
        services = dict(s.split("=", 1) for s in os.environ.get("ODM_STANDIN_SERVICES", "").split(",") if "=" in s)
        netloc = services.get(url.netloc, url.netloc)
        info_url = "%s://%s/info" % (url.scheme, netloc) + ("?token=" + query["token"][0] if "token" in query else "")
        try:
            urllib.request.urlopen(info_url, timeout=30).read()
        except Exception as e:
            error("Cluster node seems to be offline: %s" % str(e))
            sys.exit(1)
    return args


# ---- progress: opendm/progress.py Broadcaster ---------------------------------------------------

SOCK = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)


def send_update(project_name, global_progress):
    if global_progress > 100:
        global_progress = 100
    try:
        SOCK.sendto("PGUP/{}/{}/{}".format(os.getpid(), project_name, float(global_progress)).encode("utf8"),
                    ("127.0.0.1", 6367))
    except Exception as e:
        warning("Failed to broadcast progress update on UDP port %s (%s)" % (6367, str(e)))


# ---- the dataset: opendm/context.py, stages/dataset.py ------------------------------------------

# opendm/context.py:43, verbatim. The watcher's FolderImages.IMAGE_EXTENSIONS and the template's
# download include hold the same list (ImageExtensionsAgreeTest reads this line).
supported_extensions = {'.jpg','.jpeg','.png', '.tif', '.tiff', '.bmp', '.raw', '.dng', '.nef', '.jxl'}


def valid_filename(filename, supported_extensions):
    """stages/dataset.py ODMLoadDatasetStage.process valid_filename, verbatim: an image has a supported
    extension in any case and a stem not ending with _mask (case-sensitive)."""
    (pathfn, ext) = os.path.splitext(filename)
    return ext.lower() in supported_extensions and pathfn[-5:] != "_mask"


def get_images(in_dir):
    """stages/dataset.py get_images: the images and the rest (sorted here; ODM keeps listdir's order)."""
    valid, rejects = [], []
    for f in sorted(os.listdir(in_dir)):
        if valid_filename(f, supported_extensions):
            valid.append(f)
        else:
            rejects.append(f)
    return valid, rejects


def load_dataset(project_root):
    """ODMLoadDatasetStage.process on a fresh project (no images.json yet; this stand-in has no images
    database, so it lists the folder every run): ExitException without images; img_list.txt
    (tree.dataset_list) gets the images' names; images.json is written. The masks among the rejects
    (a _mask stem, a supported extension) stay in images/ for ODM's mask lookup, which this stand-in
    does not emulate; video frames (supported_video_extensions) are not extracted."""
    images_dir = os.path.join(project_root, "images")
    if not os.path.exists(images_dir):
        raise ExitException("There are no images in %s! Make sure that your project path and dataset name is correct. The current is set to: %s"
                            % (images_dir, os.path.dirname(project_root)))
    files, rejects = get_images(images_dir)
    if not files:
        raise ExitException("Not enough supported images in %s" % images_dir)
    info("Loading %s images" % len(files))
    with open(os.path.join(project_root, "img_list.txt"), "w") as dataset_list:
        for f in files:
            dataset_list.write(f + "\n")
    write(project_root, "images.json")
    info("Found %s usable images" % len(files))
    return files


def dataset_images(project_root):
    """The images of img_list.txt (the dataset stage's choice), as later stages read them."""
    path = os.path.join(project_root, "img_list.txt")
    if not os.path.isfile(path):
        return []
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


# ---- the pipeline: stages/odm_app.py, opendm/types.py ODM_Stage ------------------------------------

class ExitException(Exception):
    """opendm/system.py ExitException: ODM gives up with a message (odm_app.py ODMApp.execute logs it
    as an error and exits 1)."""


class SubprocessException(Exception):
    """opendm/system.py SubprocessException: a tool ODM ran exited non-zero."""

    def __init__(self, msg, error_code):
        super().__init__(msg)
        self.errorCode = error_code


class Stage:
    """opendm/types.py ODM_Stage: progress is the global percentage reached when the stage ends."""

    def __init__(self, name, progress, updates=()):
        self.name, self.progress, self.updates = name, progress, list(updates)
        self.prev_stage = None

    def previous_stages_progress(self):
        return max(0.0, self.prev_stage.progress) if self.prev_stage else 0.0

    def delta_progress(self):
        return max(0.0, self.progress - self.prev_stage.progress) if self.prev_stage else max(0.0, self.progress)

    def update_progress(self, project, progress):
        progress = max(0.0, min(100.0, progress))
        send_update(project, self.previous_stages_progress() + (self.delta_progress() / 100.0) * float(progress))


def pipeline(args):
    """ODMApp.__init__: the stages, their end progress and the update_progress calls each makes inside
    (stages/run_opensfm.py 20, 30, 70, 75, 80, 95; openmvs.py 10, 85, 95; odm_meshing.py 50;
    mvstex.py one step per texturing run; odm_georeferencing.py 50; odm_dem.py 20, then +40 per DEM)."""
    texturing_runs = (0 if args.skip_3dmodel else 1) + (0 if args.use_3dmesh else 1)
    dems = (1 if (args.dsm or (args.dtm and args.dem_euclidean_map)) else 0) + (1 if args.dtm else 0)
    stages = [
        Stage("dataset", 5.0),
        Stage("split", 75.0),
        Stage("merge", 100.0),
        Stage("opensfm", 25.0, [20, 30, 70, 75, 80, 95]),
        Stage("openmvs", 50.0, [10, 85, 95]),
        Stage("odm_filterpoints", 52.0),
        Stage("odm_meshing", 60.0, [50]),
        Stage("mvs_texturing", 70.0, [100.0 / texturing_runs * (i + 1) for i in range(texturing_runs)]),
        Stage("odm_georeferencing", 80.0, [50]),
        Stage("odm_dem", 90.0, [20] + [20 + 40 * (i + 1) for i in range(dems)] if (args.dsm or args.dtm) else [20]),
        Stage("odm_orthophoto", 98.0),
        Stage("odm_report", 99.0),
        Stage("odm_postprocess", 100.0),
    ]
    if args.fast_orthophoto:  # opensfm.connect(filterpoints)
        stages = [s for s in stages if s.name != "openmvs"]
    for prev, stage in zip(stages, stages[1:]):
        stage.prev_stage = prev
    return stages


# Split-merge submodel tasks (ODM 3.6.0 opendm/remote.py): seed.zip brings touch files that ODM
# reads as "this is a submodel" (opendm/osfm.py is_submodel) and, for the reconstruction task, "stop
# after OpenSfM" (stages/run_opensfm.py: split_merge_stop_at_reconstruction.txt).
def stops_at_reconstruction(project_root):
    return os.path.isfile(os.path.join(project_root, "opensfm", "split_merge_stop_at_reconstruction.txt"))


def is_submodel(project_root):
    return stops_at_reconstruction(project_root) or os.path.isfile(os.path.join(project_root, "opensfm", "features", "empty"))


def run_stage(stage, args, project_root):
    if stage.name in ("split", "merge"):
        # splitmerge.py: a normal dataset (no --split over the photo count, no image_groups.txt)
        # sets self.progress = 0.0 in process(): split then reports 5.0 and merge 0.0.
        info("Normal dataset, will process all at once." if stage.name == "split" else "Normal dataset, nothing to merge.")
        stage.progress = 0.0
        return
    if stage.name == "opensfm":
        write(project_root, "opensfm/reconstruction.json")  # an intermediate file: never uploaded
        write(project_root, "cameras.json")
        if stops_at_reconstruction(project_root):
            # OpenSfM's products a reconstruction task returns (remote.py ReconstructionTask outputs).
            for image in dataset_images(project_root):
                write(project_root, "opensfm/features/%s.features.npz" % image, 64)
                write(project_root, "opensfm/matches/%s_matches.pkl.gz" % image, 64)
            write(project_root, "opensfm/tracks.csv")
            info("Stopping OpenSfM early because we found: %s"
                 % os.path.join(project_root, "opensfm", "split_merge_stop_at_reconstruction.txt"))
    elif stage.name == "odm_georeferencing":
        write(project_root, "odm_georeferencing/odm_georeferenced_model.laz", 4096)
        # opendm/point_cloud.py post_point_cloud_steps: the extra formats each option asks for.
        if args.pc_csv:
            write(project_root, "odm_georeferencing/odm_georeferenced_model.csv", 256)
        if args.pc_las:
            write(project_root, "odm_georeferencing/odm_georeferenced_model.las", 256)
        if args.pc_ept:
            write(project_root, "entwine_pointcloud/ept.json")
        if args.pc_copc:
            write(project_root, "odm_georeferencing/odm_georeferenced_model.copc.laz", 256)
    elif stage.name == "mvs_texturing":
        if not args.skip_3dmodel:
            write(project_root, "odm_texturing/odm_textured_model_geo.obj", 1024)
        if not args.use_3dmesh:
            write(project_root, "odm_texturing_25d/odm_textured_model_geo.obj", 1024)
    elif stage.name == "odm_dem":
        for product in ("dsm", "dtm"):
            if getattr(args, product):
                raster(project_root, "odm_dem/%s.tif" % product, "%s.tif" % product, 8192)
    elif stage.name == "odm_orthophoto" and not args.skip_orthophoto:
        raster(project_root, "odm_orthophoto/odm_orthophoto.tif", "odm_orthophoto.tif", 200_000)
        if args.orthophoto_cutline:
            write(project_root, "odm_orthophoto/cutline.gpkg", 512)
            if is_submodel(project_root):  # stages/odm_orthophoto.py: cut and feathered rasters in a submodel run
                write(project_root, "odm_orthophoto/odm_orthophoto_cut.tif", 4096)
                write(project_root, "odm_orthophoto/odm_orthophoto_feathered.tif", 4096)
    elif stage.name == "odm_report" and not args.skip_report:
        write(project_root, "odm_report/report.pdf", 2048)
    elif stage.name == "odm_postprocess" and getattr(args, "3d_tiles"):
        write(project_root, "3d_tiles/tileset.json")
    elif stage.name == "dataset":
        load_dataset(project_root)


def raster(project_root, relative, name, size):
    """A raster product: the test run's COG when ODM_STANDIN_RASTERS names them, else a placeholder."""
    rasters = os.environ.get("ODM_STANDIN_RASTERS")
    if not rasters:
        write(project_root, relative, size)
        return
    path = os.path.join(project_root, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    shutil.copyfile(os.path.join(rasters, name), path)


# ---- resuming: opendm/types.py ODM_Stage.rerun, the stages' "outputs exist?" checks --------------

# Each stage's product that ODM checks before working (opendm/types.py ODM_Tree; stages/*.py
# `if not io.file_exists(<product>) or self.rerun(): ... else: log.ODM_WARNING(<found>)`), with the
# warning it logs when the product is there. split, merge and odm_postprocess have no such check
# (they always run).
STAGE_PRODUCTS = {
    "dataset": ("images.json", None),  # stages/dataset.py: images_database_file; loads it instead
    "opensfm": ("opensfm/reconstruction.json", "Found a valid OpenSfM reconstruction file in: %s"),  # opendm/osfm.py reconstruct
    "openmvs": ("opensfm/undistorted/openmvs/scene_dense_dense_filtered.ply",
                "Found a valid OpenMVS reconstruction file in: %s"),  # stages/openmvs.py
    "odm_filterpoints": ("odm_filterpoints/point_cloud.ply", "Found a valid point cloud file in: %s"),
    "odm_meshing": ("odm_meshing/odm_mesh.ply", "Found a valid ODM Mesh file in: %s"),
    # stages/mvstex.py: per texturing run (3D unless --skip-3dmodel, 2.5D unless --use-3dmesh)
    "mvs_texturing": ("odm_texturing", "Found a valid ODM Texture file in: %s"),
    "odm_georeferencing": ("odm_georeferencing/odm_georeferenced_model.laz", "Found a valid georeferenced model in: %s"),
    "odm_dem": ("odm_dem", "Found existing outputs in: %s"),  # stages/odm_dem.py: the DEMs asked for
    "odm_orthophoto": ("odm_orthophoto/odm_orthophoto.tif", "Found a valid orthophoto in: %s"),
}
# odm_report checks several files (shots.geojson, report.pdf...) and redoes the rest: left out here,
# it always runs (its upload-visible files must not change with a marker).


def rerun(args, stage_name):
    """opendm/types.py ODM_Stage.rerun: --rerun names this stage, --rerun-all, or --rerun-from's list holds it."""
    return (args.rerun is not None and args.rerun == stage_name) or args.rerun_all or \
        (args.rerun_from is not None and stage_name in args.rerun_from)


def done_before(stage_name, args, project_root):
    """The product of this stage is already in the project (a resumed run's kept workspace): ODM logs
    that it found it and skips the work, unless the stage is to be rerun."""
    if stage_name not in STAGE_PRODUCTS or rerun(args, stage_name):
        return False
    relative, found = STAGE_PRODUCTS[stage_name]
    path = os.path.join(project_root, relative)
    if stage_name == "odm_dem":  # stages/odm_dem.py: every DEM asked for exists
        wanted = [p for p in ("dsm", "dtm") if getattr(args, p)]
        exists = bool(wanted) and all(os.path.isfile(os.path.join(path, "%s.tif" % p)) for p in wanted)
    elif stage_name == "mvs_texturing":
        runs = ([] if args.skip_3dmodel else ["odm_texturing"]) + ([] if args.use_3dmesh else ["odm_texturing_25d"])
        path = os.path.join(project_root, runs[0] if runs else "odm_texturing", "odm_textured_model_geo.obj")
        exists = bool(runs) and all(os.path.isfile(os.path.join(project_root, r, "odm_textured_model_geo.obj")) for r in runs)
    else:
        exists = os.path.exists(path)
    if exists:
        if stage_name == "dataset":
            info("Loading images database: %s" % path)  # stages/dataset.py load_images_database
        else:
            warning(found % path)
    return exists


def mark_done(stage_name, project_root):
    """The product ODM's skip check looks for, for the stages whose products the stand-in does not
    write otherwise (run_stage writes the others, as the options ask)."""
    if stage_name in ("openmvs", "odm_filterpoints", "odm_meshing"):
        relative = STAGE_PRODUCTS[stage_name][0]
        if not os.path.exists(os.path.join(project_root, relative)):
            write(project_root, relative)


def rerun_all_removes(project_root):
    """run.py __main__: --rerun-all removes the earlier results before the stages run."""
    import shutil
    info("Rerun all -- Removing old data")
    for d in ("odm_orthophoto", "odm_dem", "odm_georeferencing", "odm_report", "odm_texturing", "entwine_pointcloud",
              "3d_tiles", "odm_meshing", "opensfm", "odm_texturing_25d", "odm_filterpoints", "submodels"):
        shutil.rmtree(os.path.join(project_root, d), ignore_errors=True)


def write(project_root, relative, size=0):
    path = os.path.join(project_root, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(MARK)
        if size:
            f.write(random.Random(relative).randbytes(size))


def execute(args, project_root):
    """ODMApp.execute and ODM_Stage.run: each stage logs, works, reports its end progress."""
    stages = pipeline(args)
    try:
        fail_in = os.environ.get("ODM_STANDIN_EXIT_STAGE", "opensfm")
        for stage in stages:
            info("Running %s stage" % stage.name)
            if done_before(stage.name, args, project_root):
                info("Finished %s stage" % stage.name)
                stage.update_progress(args.name, 100.0)
                if args.end_with == stage.name or args.rerun == stage.name:
                    info("No more stages to run")
                    break
                continue
            if stage.name == fail_in:
                # ODM_STANDIN_PAUSE_FILE: stay in this stage while that file exists (a long ODM run).
                while os.environ.get("ODM_STANDIN_PAUSE_FILE") and os.path.exists(os.environ["ODM_STANDIN_PAUSE_FILE"]):
                    time.sleep(0.05)
                # ODM_STANDIN_EXIT: a tool of this stage fails (opendm/system.py run raises
                # SubprocessException with the tool's exit code).
                code = int(os.environ.get("ODM_STANDIN_EXIT", "0"))
                if code:
                    raise SubprocessException("Child returned %d" % code, code)
            for update in stage.updates:
                stage.update_progress(args.name, update)
            run_stage(stage, args, project_root)
            mark_done(stage.name, project_root)
            # ODM_STANDIN_SECONDS: a run that takes this long, each stage its share of ODM's
            # progress scale (the benchmark's resumed vs full run; never set in the tests).
            if os.environ.get("ODM_STANDIN_SECONDS"):
                time.sleep(float(os.environ["ODM_STANDIN_SECONDS"]) * stage.delta_progress() / 100.0)
            info("Finished %s stage" % stage.name)
            stage.update_progress(args.name, 100.0)  # update_progress_end
            if stage.name == "opensfm" and stops_at_reconstruction(project_root):
                break  # stages/run_opensfm.py: self.next_stage = None
            if args.end_with == stage.name or args.rerun == stage.name:
                info("No more stages to run")
                break
        with open(os.path.join(project_root, "log.json"), "wb") as f:
            f.write(MARK)
        return 0
    except SubprocessException as e:
        print("")
        print("===== Dumping Info for Geeks (developers need this to fix bugs) =====")
        print(str(e))
        print("===== Done, human-readable information to follow... =====")
        print("")
        code = e.errorCode
        if code in (139, 134, 1):
            error("Uh oh! Processing stopped because of strange values in the reconstruction. This is often a sign that the input data has some issues or the software cannot deal with it. Have you followed best practices for data acquisition? See https://docs.opendronemap.org/flying/")
        elif code == 137:
            error("Whoops! You ran out of memory! Add more RAM to your computer, if you're using docker configure it to use more memory, for WSL2 make use of .wslconfig (https://docs.microsoft.com/en-us/windows/wsl/wsl-config#configure-global-options-with-wslconfig), resize your images, lower the quality settings or process the images using a cloud provider.")
        elif code == 132:
            error("Oh no! It looks like your CPU is not supported (is it fairly old?). You can still use ODM, but you will need to build your own docker image. See https://github.com/OpenDroneMap/ODM#build-from-source")
        elif code == 3:
            error("ODM can't find a program that is required for processing to run! Did you do a custom build of ODM? (cool!) Make sure that all programs required by ODM are in the right place and are built correctly.")
        else:
            error("The program exited with a strange error code. Please report it at https://community.opendronemap.org")
        return code
    except ExitException as e:
        error(str(e))
        sys.exit(1)


def now():
    return datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")


if __name__ == "__main__":
    # run.py __main__.
    args = config()
    info("Initializing ODM (stand-in) %s - %s" % (VERSION, now()))
    project_root = os.path.join(args.project_path, args.name)
    if not os.path.isdir(project_root):
        error("Directory %s does not exist." % args.name)
        sys.exit(1)
    info("==============")
    for k, v in sorted(vars(args).items()):
        info("%s: %s" % (k, v))
    info("==============")
    if args.rerun_all:
        rerun_all_removes(project_root)
    retcode = execute(args, project_root)
    if retcode == 0:
        info("ODM app finished - stand-in")
    else:
        sys.exit(retcode)
