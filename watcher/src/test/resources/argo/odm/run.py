# A stand-in for ODM's run.py, used by the test Argo (org.odmwatcher.testing.argo): the template's
# real `process` program runs this instead of /code/run.py. It does NOT process anything: it prints
# an ODM-like log and writes placeholder files, each starting with a PLACEHOLDER line, where ODM 3.x
# writes its products. ODM_STANDIN_EXIT chooses the exit code (failure tests); ODM_STANDIN_PAUSE_FILE
# holds it in its opensfm stage while that file exists.
import os
import random
import sys
import time

MARK = b"PLACEHOLDER - test stand-in for OpenDroneMap, not real processing\n"

args = sys.argv[1:]
if len(args) < 3 or args[0] != "--project-path":
    sys.exit("usage: run.py --project-path <root> <name> [odm options...]")
project = os.path.join(args[1], args[2])
options = args[3:]
images = sorted(os.listdir(os.path.join(project, "images"))) if os.path.isdir(os.path.join(project, "images")) else []


def write(relative, size=0):
    path = os.path.join(project, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(MARK)
        if size:
            f.write(random.Random(relative).randbytes(size))


# Split-merge submodel tasks (ODM 3.6.0 opendm/remote.py): seed.zip brings touch files that ODM
# reads as "this is a submodel" (opendm/osfm.py is_submodel) and, for the reconstruction task, "stop
# after OpenSfM" (stages/run_opensfm.py: split_merge_stop_at_reconstruction.txt).
opensfm = os.path.join(project, "opensfm")
stop_at_reconstruction = os.path.isfile(os.path.join(opensfm, "split_merge_stop_at_reconstruction.txt"))
submodel = stop_at_reconstruction or os.path.isfile(os.path.join(opensfm, "features", "empty"))

print("[INFO]    Initializing ODM (stand-in) - options: " + " ".join(options), flush=True)
print("[INFO]    %d images found in %s" % (len(images), os.path.join(project, "images")), flush=True)
for stage in ("dataset", "opensfm", "openmvs", "odm_filterpoints", "odm_meshing", "mvs_texturing",
              "odm_georeferencing", "odm_dem", "odm_orthophoto", "odm_report", "odm_postprocess"):
    print("[INFO]    Running %s stage" % stage, flush=True)
    if stage == "opensfm":
        # ODM_STANDIN_PAUSE_FILE: stay in this stage while that file exists (a long ODM run).
        while os.environ.get("ODM_STANDIN_PAUSE_FILE") and os.path.exists(os.environ["ODM_STANDIN_PAUSE_FILE"]):
            time.sleep(0.05)
        if stop_at_reconstruction:
            # OpenSfM's products a reconstruction task returns (remote.py ReconstructionTask outputs).
            for image in images:
                write("opensfm/features/%s.features.npz" % image, 64)
                write("opensfm/matches/%s_matches.pkl.gz" % image, 64)
            write("opensfm/tracks.csv")
            write("opensfm/reconstruction.json")
            write("cameras.json")
            print("[INFO]    Stopping OpenSfM early because we found: %s"
                  % os.path.join(opensfm, "split_merge_stop_at_reconstruction.txt"), flush=True)
            print("[INFO]    ODM app finished - stand-in", flush=True)
            sys.exit(int(os.environ.get("ODM_STANDIN_EXIT", "0")))

write("opensfm/reconstruction.json")  # an intermediate file: never uploaded
write("odm_georeferencing/odm_georeferenced_model.laz", 4096)
write("entwine_pointcloud/ept.json")
write("odm_texturing/odm_textured_model_geo.obj", 1024)
write("odm_orthophoto/odm_orthophoto.tif", 200_000)
if "--orthophoto-cutline" in options:
    write("odm_orthophoto/cutline.gpkg", 512)
    if submodel:  # stages/odm_orthophoto.py: the cut and feathered rasters only in a submodel run
        write("odm_orthophoto/odm_orthophoto_cut.tif", 4096)
        write("odm_orthophoto/odm_orthophoto_feathered.tif", 4096)
if "--dsm" in options:
    write("odm_dem/dsm.tif", 8192)
if "--dtm" in options:
    write("odm_dem/dtm.tif", 8192)
write("odm_report/report.pdf", 2048)
for name in ("log.json", "images.json", "cameras.json"):
    write(name)

code = int(os.environ.get("ODM_STANDIN_EXIT", "0"))
if code:
    print("[ERROR]   stand-in asked to fail with exit code %d" % code, flush=True)
else:
    print("[INFO]    ODM app finished - stand-in", flush=True)
sys.exit(code)
