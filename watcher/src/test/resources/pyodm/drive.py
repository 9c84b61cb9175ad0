"""Drives the API with the real pyODM client and prints what it saw, one JSON object a line.

    python drive.py process HOST PORT UUID OUT_DIR IMAGE...
    python drive.py restart HOST PORT UUID OUT_DIR IMAGE...

The token, if any, comes in the PYODM_TOKEN environment variable (not on the command line).

process: Node.create_task(images, options) -> Task.wait_for_completion() -> Task.download_assets().
restart: the same, but the first run is expected to fail; then Task.restart(options={'rerun-from':
'odm_orthophoto'}) and on as in process.

Only pyODM's public calls are used (pyodm/api.py: Node, Task; pyodm/types.py: TaskStatus), as a
WebODM-less user script would. Nothing here starts a shell: paths and values only reach pyODM.
"""
import importlib.metadata
import json
import os
import sys

from pyodm import Node
from pyodm.exceptions import TaskFailedError
from pyodm.types import TaskStatus

OPTIONS = {"dsm": True}


def say(event, **fields):
    print(json.dumps(dict(event=event, **fields)), flush=True)


def describe(info):
    return dict(status=info.status.name, lastError=info.last_error, imagesCount=info.images_count,
                options=info.options, progress=info.progress)


def finish(task):
    """Waits as pyODM users do; TaskFailedError means FAILED or CANCELED."""
    try:
        task.wait_for_completion(interval=1)
    except TaskFailedError:
        pass
    info = task.info()
    say("finished", **describe(info))
    return info


def download(task, out_dir):
    task.download_assets(out_dir)
    files = sorted(os.path.relpath(os.path.join(root, name), out_dir)
                   for root, _, names in os.walk(out_dir) for name in names)
    say("downloaded", files=files)


def main(argv):
    mode, host, port, uuid, out_dir, images = argv[1], argv[2], int(argv[3]), argv[4], argv[5], argv[6:]
    node = Node(host, port, os.environ.get("PYODM_TOKEN", ""))
    say("client", pyodm=importlib.metadata.version("pyodm"), nodeVersion=node.info().version)

    task = node.create_task(images, OPTIONS, name="pyodm " + mode, task_uuid=uuid)
    say("created", uuid=task.uuid)
    info = finish(task)

    if mode == "restart":
        if info.status != TaskStatus.FAILED:
            say("unexpected", reason="the first run was to fail", status=info.status.name)
            return 1
        say("restarted", success=task.restart(options={"rerun-from": "odm_orthophoto"}))
        # What pyODM users call right after restart(): it must not see the old FAILED status.
        say("afterRestart", **describe(task.info()))
        info = finish(task)

    if info.status == TaskStatus.COMPLETED:
        download(task, out_dir)
        return 0
    return 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception as e:  # the Java side reads the type and message, not a traceback
        say("error", type=type(e).__name__, message=str(e))
        sys.exit(2)
