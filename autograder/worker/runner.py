"""deepgrade's worker: the script that starts the untrusted side of the trust boundary.

The grader (``client.py``) starts it as::

    python -I -B runner.py '{"request_fd": 3, "response_fd": 4, "limits": {...}, ...}'

with the two protocol pipes passed as inherited file descriptors; stdout and stderr
(fds 1 and 2) are a pipe that the grader reads, caps and attributes to the current call.

It is standalone: it imports the modules it needs (stdlib and numpy only) from its own
folder, as a private package (``_deepgrade_worker``), so that they can be copied alone
into a sandbox (``launch.WORKER_MODULES``) where nothing else of the grader is visible.

On start it applies the resource limits and, when the config has ``"landlock": {"read":
[...], "write": [...]}``, confines itself with Landlock (``confine.py``; both before
numpy is imported; it refuses to run if Landlock was asked for and is missing). With
``"probe": [paths]`` it only reports, as one JSON line, whether numpy imports and which
of the paths it can read or open for writing (the grader's trial of an isolation level).
Otherwise it serves requests (``serve.py``), one frame each, until the request pipe
closes.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import types

PACKAGE = "_deepgrade_worker"


def load(name: str) -> types.ModuleType:
    """The module ``name`` from this script's own folder, whatever that folder is.

    The folder is imported as the private package :data:`PACKAGE`, so its modules import
    one another (relative imports) without anything of the grader's tree.
    """
    if PACKAGE not in sys.modules:
        package = types.ModuleType(PACKAGE)
        package.__path__ = [os.path.dirname(os.path.abspath(__file__))]
        sys.modules[PACKAGE] = package
    return importlib.import_module(f"{PACKAGE}.{name}")


# The grader's own packages. In the plain-process level they may be importable (an
# editable install puts them on sys.path): refuse them by name. This stops the easy
# route only; reading files by path is stopped by the bwrap level, not here.
GRADER_PACKAGES = ("solutions", "autograder", "deepgrade", "tests", "devtests", "datasets")


class _RefuseGraderPackages:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.split(".")[0] in GRADER_PACKAGES:
            raise ImportError(f"a submission may not import the grader's package {name!r}")
        return None


def probe(paths: list) -> int:
    """The grader's trial of an isolation level: numpy imports, and which of ``paths``
    (the grader's files) this process can read or open for writing, as one JSON line."""
    import numpy

    readable, writable = [], []
    for path in paths:
        try:
            if os.path.isdir(path):
                os.listdir(path)
            else:
                os.close(os.open(path, os.O_RDONLY))
            readable.append(path)
        except OSError:
            pass
        try:  # opened for appending and closed at once: nothing is written
            os.close(os.open(path, os.O_WRONLY | os.O_APPEND))
            writable.append(path)
        except OSError:
            pass
    found = {"numpy": numpy.__version__, "readable": readable, "writable": writable}
    print(json.dumps(found))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -I -B runner.py CONFIG_JSON (started by deepgrade)", file=sys.stderr)
        return 2
    config = json.loads(argv[0])
    confine = load("confine")  # stdlib only
    report = confine.apply_limits(config.get("limits") or {})  # before numpy is imported
    policy = config.get("landlock")
    if policy:  # before numpy and before any submission code
        try:
            report["landlock"] = confine.landlock(policy["read"], policy["write"])
        except OSError as err:
            print(f"deepgrade worker: cannot confine itself: {err}", file=sys.stderr)
            return 3
    if "probe" in config:
        return probe(config["probe"])
    sys.meta_path.insert(0, _RefuseGraderPackages())
    for name in list(sys.modules):
        if name.split(".")[0] in GRADER_PACKAGES:
            del sys.modules[name]
    worker = load("serve").Worker(config, report)
    return worker.serve()


if __name__ == "__main__":
    sys.exit(main())
