"""Phase 1 of capstone grading, the untrusted side: call the student's functions in a worker.

The student's build functions run in a :class:`~autograder.worker.Worker` beside a small
probe module that turns a model into ``model.to_json()`` (a str); recipes and findings
come back as dicts and ``augment``'s output as arrays. Nothing that comes back is trusted:
everything is validated on the grader's side. The worker is closed before any training
starts (TensorFlow in two processes at once would not fit a 768 MB grading host).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from autograder.capstones.graders.forecasting import window_cases
from autograder.capstones.helper import in_helper
from autograder.capstones.job import OPTIONAL_IMPORTS
from deepgrade.catalog import in_module

PROBE = "_deepgrade_capstone_probe"
# Runs in the worker (the untrusted side), beside the student's modules: calls a build
# function and turns the model into plain data. It is the student's process: nothing it
# returns is trusted, everything is validated by the grader.
PROBE_SOURCE = '''"""deepgrade: call a build function, return model.to_json() (worker side)."""
import importlib
import sys

OPTIONAL_IMPORTS = ()  # the grader's list, written in by stage()


def import_keras():
    """Import Keras before the student's modules do, without the packages it would import
    for features never used here (about 130 MB); they stay importable afterwards."""
    left_out = [name for name in OPTIONAL_IMPORTS if name not in sys.modules]
    for name in left_out:
        sys.modules[name] = None
    try:
        import keras  # noqa: F401
    finally:
        for name in left_out:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]


def build_json(module, function, *args):
    package = __name__.rpartition(".")[0]
    model = getattr(importlib.import_module(package + "." + module), function)(*args)
    to_json = getattr(model, "to_json", None)
    if not callable(to_json):
        raise TypeError(
            f"{function}() must return a keras Model, got {type(model).__name__}"
        )
    text = to_json()
    if type(text) is not str:
        raise TypeError(f"{function}()'s model.to_json() did not return a str")
    return text
'''


def stage(folder: Path, dest: Path) -> Path:
    """The student's top-level .py files plus the probe, in a fresh folder for the worker."""
    from autograder.worker.launch import stage_submission

    stage_submission(folder, dest)
    source = PROBE_SOURCE.replace(
        "OPTIONAL_IMPORTS = ()", f"OPTIONAL_IMPORTS = {OPTIONAL_IMPORTS!r}"
    )
    (dest / f"{PROBE}.py").write_text(source)
    return dest


def worker_error(err: Exception) -> str:
    """The message a student reads for a failed call (the worker's output left out)."""
    from autograder.worker import StudentException

    if isinstance(err, StudentException):
        where = f" ({err.where})" if err.where else ""
        return f"{err.function} raised {err.type}: {err.message}{where}"
    text = str(err).replace(f"{PROBE}.build_json()", "the build function")
    return text.split("\nLast output:")[0]  # the worker's output (TF's chatter) stays out


def collect(folder: Path, names: list[str], config: dict, limits) -> dict:
    """Call the student's functions of the capstones ``names`` in one worker.

    Returns ``{capstone: {function: {"ok": value} | {"error": message}, "seconds": s}}``.
    """
    from autograder.worker import RngRef, Worker, WorkerError

    found: dict[str, dict] = {name: {} for name in names}
    with tempfile.TemporaryDirectory(prefix="deepgrade-capstones-") as tmp:
        # the trusted inputs first: the helper that makes them (scikit-learn) and the
        # worker (TensorFlow) are never in memory together
        images = {
            name: in_helper("inputs", Path(tmp), seed=np.array(config[name]["augment"]["seed"]))
            for name in names
            if any(e.name == "augment" for e in in_module(name))
        }
        staged = stage(folder, Path(tmp) / "submission")
        worker = Worker(
            staged,
            call_timeout=limits.call_seconds,
            total_timeout=limits.total_seconds,
            memory_mb=limits.worker_memory_mb,
            isolation=limits.isolation,
            max_output_bytes=4000,
        )
        with worker:
            try:
                worker.call(PROBE, "import_keras")
            except WorkerError:
                pass  # no Keras here: each build function's call says so
            for name in names:
                entry = config[name]
                for exercise in in_module(name):
                    fn = exercise.name
                    started = time.monotonic()
                    try:
                        if fn.startswith("build_"):
                            args = tuple(
                                tuple(a) if type(a) is list else a for a in entry["build_args"]
                            )
                            value = worker.call(PROBE, "build_json", name, fn, *args)
                        elif fn == "make_windows":
                            value = [worker.call(name, fn, *args) for args in window_cases()]
                        elif fn == "augment":
                            value = [
                                worker.call(name, fn, images[name]["images"], RngRef(seed=s))
                                for s in entry["augment"]["rng_seeds"]
                            ]
                        else:
                            value = worker.call(name, fn)
                        found[name][fn] = {"ok": value}
                    except WorkerError as err:
                        found[name][fn] = {"error": worker_error(err)}
                    found[name][fn]["seconds"] = round(time.monotonic() - started, 3)
    return found
