"""Grade the Keras capstones of one submission folder.

Three phases, each on its own side of the trust boundary:

1. **Worker** (untrusted; ``autograder.worker.Worker``): the student's build functions
   run there and send back ``model.to_json()`` (a str), their recipes (dicts), their
   findings (a dict) and ``augment``'s output on images the grader chose (an array).
   The worker is closed before any training starts (TensorFlow in two processes at
   once would not fit a 768 MB grading host).
2. **Trusted checks** (this process, no TensorFlow): the JSON and recipes are validated
   (``validate.py``: standard Keras layers only, sane values); ``augment``'s output is
   checked for shape, type, finiteness, that it changes the images, that it keeps their
   labels (a shift/rotation-tolerant nearest-neighbour classifier still recognises
   them) and that a classifier trained with it is not worse. The data-set side of
   those checks (scikit-learn) runs in a short-lived trusted helper process, so this
   process stays at about 45 MB while TensorFlow runs elsewhere.
3. **Training job** (trusted, clean): ``python -I`` running ``job.py`` with only the
   project on its path, no student code, one TensorFlow thread, fixed seeds; it
   rebuilds each model from JSON, trains it with ``training.train`` and writes test
   accuracies to a JSON file. This process enforces its wall time and memory (resident
   memory sampled while it runs; the peak is also read from ``wait4``), and scores:
   full points at the calibrated target, linear partial points from the floor, 0 below
   (``thresholds.json``).

TensorFlow's output (the job's stdout/stderr, the worker's) never reaches a report: the
job's goes to a log file, and only the metrics file and our own messages are read.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from autograder.capstones import thresholds as thresholds_data
from autograder.capstones.validate import (
    DEFAULT_RECIPE,
    ValidationError,
    validate_model_json,
    validate_recipe,
)
from autograder.catalog import CAPSTONE_TOPICS, Exercise, in_module

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = PROJECT_ROOT / "solutions"
PROBE = "_deepgrade_capstone_probe"
# Runs in the worker (the untrusted side), beside the student's modules: calls a build
# function and turns the model into plain data. It is the student's process: nothing it
# returns is trusted, everything is validated here.
PROBE_SOURCE = '''"""deepgrade: call a build function, return model.to_json() (worker side)."""
import importlib


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
BOOTSTRAP = (
    "import sys; sys.path.insert(0, {root!r}); "
    "from autograder.capstones.job import main; sys.exit(main())"
)
JOB_ENV_PASSTHROUGH = ("KERAS_HOME", "DEEPGRADE_CACHE")


@dataclass
class CapstoneLimits:
    """Limits for grading the capstones of one submission.

    The worker imports TensorFlow, which reserves far more *address space* than it
    uses (about 1.3 GB at import, more once it starts threads), so the numpy grader's
    ``memory_mb=1024`` (RLIMIT_AS) would make ``import tensorflow`` fail; the capstone
    worker gets 4096 MB of address space (its resident memory is about 650 MB; it is
    closed before the first training job starts).
    The training job is limited on *resident* memory (sampled, killed above
    ``job_memory_mb``) and on wall time (``job_seconds``, else the capstone's own value
    from thresholds.json).
    """

    call_seconds: float = 120.0
    total_seconds: float = 300.0
    worker_memory_mb: int = 4096
    job_memory_mb: int = 1536
    job_seconds: float | None = None
    isolation: str = "process"


@dataclass
class Check:
    """One graded check of one exercise: a fraction of its points, or a gate."""

    exercise: str
    name: str
    fraction: float
    message: str = ""
    gate: bool = False  # a failed gate zeroes the exercise
    skipped: bool = False
    seconds: float = 0.0


@dataclass
class JobOutcome:
    metrics: dict | None
    seconds: float
    peak_rss_mb: float
    peak_anon_mb: float
    returncode: int | None
    error: str | None = None
    log: str = ""


@dataclass
class CapstoneOutcome:
    """What grading produced: the report, plus the raw measurements (calibration)."""

    report: Any
    measurements: dict[str, dict[str, float]] = field(default_factory=dict)
    jobs: dict[str, JobOutcome] = field(default_factory=dict)


# ------------------------------------------------------------------------- phase 1: worker


def _stage(folder: Path, dest: Path) -> Path:
    """The student's top-level .py files plus the probe, in a fresh folder for the worker."""
    from autograder.worker.client import stage_submission

    stage_submission(folder, dest)
    (dest / f"{PROBE}.py").write_text(PROBE_SOURCE)
    return dest


def _worker_error(err: Exception) -> str:
    from autograder.worker import StudentException

    if isinstance(err, StudentException):
        where = f" ({err.where})" if err.where else ""
        return f"{err.function} raised {err.type}: {err.message}{where}"
    text = str(err).replace(f"{PROBE}.build_json()", "the build function")
    return text.split("\nLast output:")[0]  # the worker's output (TF's chatter) stays out


HELPER = (
    "import sys; sys.path.insert(0, {root!r}); "
    "from autograder.capstones.grade import _helper_main; sys.exit(_helper_main())"
)


def in_helper(task: str, workdir: Path, **arrays: np.ndarray) -> dict[str, np.ndarray]:
    """Run ``task`` (``"inputs"`` or ``"augment_scores"``) in a short-lived trusted process.

    The data-set work of the augment checks imports scikit-learn and SciPy (about 130 MB);
    done here, the grading process stays small while the TensorFlow processes run.
    Arrays travel as ``.npy`` files (no pickle).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"helper-{task}-", dir=workdir))
    for key, value in arrays.items():
        np.save(folder / f"{key}.npy", value, allow_pickle=False)
    argv = [sys.executable, "-I", "-c", HELPER.format(root=str(PROJECT_ROOT)), task, str(folder)]
    done = subprocess.run(
        argv, cwd=folder, env=job_env(folder), stdin=subprocess.DEVNULL,
        capture_output=True, timeout=300,
    )  # fmt: skip
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:]
        raise RuntimeError(f"the grader's helper ({task}) failed: {' '.join(tail)}")
    result = {p.stem: np.load(p, allow_pickle=False) for p in folder.glob("out_*.npy")}
    shutil.rmtree(folder, ignore_errors=True)
    return {key.removeprefix("out_"): value for key, value in result.items()}


def _helper_main() -> int:
    task, folder = sys.argv[1], Path(sys.argv[2])
    given = {p.stem: np.load(p, allow_pickle=False) for p in folder.glob("*.npy")}
    if task == "inputs":
        _, images, labels = augment_inputs(int(given["seed"]))
        out = {"images": images, "labels": labels}
    elif task == "augment_scores":
        data, images, labels = augment_inputs(int(given["seed"]))
        outputs = [given[k] for k in sorted(given) if k.startswith("output")]
        out = {"scores": np.array(_augment_scores(data, images, labels, outputs))}
    else:
        return 2
    for key, value in out.items():
        np.save(folder / f"out_{key}.npy", value, allow_pickle=False)
    return 0


def augment_inputs(seed: int = 0, shots: int = 20):
    """The trusted images ``augment`` is called on: ``shots`` train images per digit."""
    from autograder.capstones.training import few_shot_split

    data = project_datasets().load("digits")
    return data, *few_shot_split(data.x_train, data.y_train, shots, seed)


def collect(folder: Path, names: list[str], config: dict, limits: CapstoneLimits) -> dict:
    """Phase 1: call the student's functions in a worker; plain data or error messages."""
    from autograder.worker import RngRef, Worker, WorkerError

    found: dict[str, dict] = {name: {} for name in names}
    with tempfile.TemporaryDirectory(prefix="deepgrade-capstones-") as tmp:
        staged = _stage(folder, Path(tmp) / "submission")
        worker = Worker(
            staged,
            call_timeout=limits.call_seconds,
            total_timeout=limits.total_seconds,
            memory_mb=limits.worker_memory_mb,
            isolation=limits.isolation,
            max_output_bytes=4000,
        )
        with worker:
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
                        elif fn == "augment":
                            seed = np.array(entry["augment"]["seed"])
                            images = in_helper("inputs", Path(tmp), seed=seed)["images"]
                            value = [
                                worker.call(name, fn, images, RngRef(seed=s))
                                for s in entry["augment"]["rng_seeds"]
                            ]
                        else:
                            value = worker.call(name, fn)
                        found[name][fn] = {"ok": value}
                    except WorkerError as err:
                        found[name][fn] = {"error": _worker_error(err)}
                    found[name][fn]["seconds"] = round(time.monotonic() - started, 3)
    return found


# ------------------------------------------------------------------------- phase 3: job


def job_env(workdir: Path) -> dict[str, str]:
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": os.path.expanduser("~"),  # where Keras's cached data sets are
        "TMPDIR": str(workdir),
        "PYTHONHASHSEED": "0",
        "MPLBACKEND": "Agg",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "TF_NUM_INTRAOP_THREADS": "1",
        "TF_NUM_INTEROP_THREADS": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "TF_ENABLE_ONEDNN_OPTS": "0",
        "KERAS_BACKEND": "tensorflow",
        "MALLOC_ARENA_MAX": "2",
    }
    for key in JOB_ENV_PASSTHROUGH:
        if os.environ.get(key):
            env[key] = os.environ[key]
    return env


def _memory(pid: int) -> tuple[float, float]:
    """(resident, anonymous resident) MB of ``pid`` now, from /proc (0 if unknown)."""
    rss = anon = 0.0
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) / 1024
                elif line.startswith("RssAnon:"):
                    anon = int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return rss, anon


def run_job(spec: dict, *, seconds: float, memory_mb: float, workdir: Path) -> JobOutcome:
    """Run ``job.py`` on ``spec`` in a clean process; enforce wall time and memory."""
    workdir.mkdir(parents=True, exist_ok=True)
    spec = dict(spec, output=str(workdir / "metrics.json"))
    spec_path = workdir / "spec.json"
    spec_path.write_text(json.dumps(spec))
    argv = [sys.executable, "-I", "-c", BOOTSTRAP.format(root=str(PROJECT_ROOT)), str(spec_path)]
    log_path = workdir / "job.log"
    started = time.monotonic()
    peak_rss = peak_anon = 0.0
    reason = None
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=workdir,
            env=job_env(workdir),
            start_new_session=True,
        )
    try:
        pause = 0.02
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            rss, anon = _memory(proc.pid)
            peak_rss, peak_anon = max(peak_rss, rss), max(peak_anon, anon)
            if rss > memory_mb:
                reason = f"the training job used more than {memory_mb:g} MB of memory"
            elif time.monotonic() - started > seconds:
                reason = f"the training job took longer than {seconds:g} s"
            if reason:
                _killpg(proc.pid)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(pause)
            pause = min(0.2, pause * 1.5)
    except BaseException:
        _killpg(proc.pid)
        proc.wait()
        raise
    proc.returncode = os.waitstatus_to_exitcode(status)
    _killpg(proc.pid)  # anything it left behind in its group
    elapsed = time.monotonic() - started
    peak_rss = max(peak_rss, usage.ru_maxrss / 1024)  # Linux: kilobytes
    log_text = log_path.read_text(errors="replace")[-20000:]
    metrics = None
    output = Path(spec["output"])
    if reason is None and output.is_file():
        try:
            metrics = json.loads(output.read_text())
        except ValueError:
            reason = "the training job wrote an unreadable metrics file"
    if reason is None and metrics is None:
        reason = f"the training job ended without results (exit code {proc.returncode})"
    if reason is None and not metrics.get("ok"):
        reason = f"the training job failed: {metrics.get('error')}"
    return JobOutcome(
        metrics=metrics,
        seconds=round(elapsed, 3),
        peak_rss_mb=round(peak_rss, 1),
        peak_anon_mb=round(peak_anon, 1),
        returncode=proc.returncode,
        error=reason,
        log=log_text,
    )


def _killpg(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


# ------------------------------------------------------------------------- phase 2 + scoring


def _model(found: dict, fn: str, checks: list[Check], what: str) -> str | None:
    """The validated model JSON of ``fn``, or None with a failed gate check."""
    got = found.get(fn, {"error": f"{fn} was not called"})
    if "error" in got:
        checks.append(Check(fn, "builds", 0.0, got["error"], gate=True))
        return None
    try:
        validate_model_json(got["ok"], what=what)
    except ValidationError as err:
        checks.append(Check(fn, "standard layers only", 0.0, str(err), gate=True))
        return None
    checks.append(Check(fn, "standard layers only", 1.0, gate=True))
    return got["ok"]


def _recipe(found: dict, fn: str, checks: list[Check], **rules) -> dict | None:
    got = found.get(fn, {"error": f"{fn} was not called"})
    if "error" in got:
        checks.append(Check(fn, "recipe", 0.0, got["error"], gate=True))
        return None
    try:
        recipe = validate_recipe(got["ok"], what=f"{fn}()", **rules)
    except ValidationError as err:
        checks.append(Check(fn, "valid recipe", 0.0, str(err), gate=True))
        return None
    checks.append(Check(fn, "valid recipe", 1.0, gate=True))
    return recipe


def _accuracy_check(fn, name, value, bounds: dict, what: str) -> Check:
    target, floor = bounds["target"], bounds["floor"]
    share = thresholds_data.fraction(value, target, floor)
    verdict = (
        "full points"
        if share == 1
        else "no points (below the floor)"
        if share == 0
        else f"{share:.0%} of the points"
    )
    message = f"{what} {value:.3f} (target {target:.2f}, floor {floor:.2f}): {verdict}"
    return Check(fn, name, share, "" if share == 1 else message)


def _run_result(job: JobOutcome, run: str) -> tuple[dict | None, str | None]:
    if job.error:
        return None, job.error
    result = job.metrics["runs"].get(run)
    if result is None:
        return None, "the training job did not report this model"
    if "error" in result:
        return None, f"training failed: {result['error']}"
    return result, None


def _spec(name: str, entry: dict, seed: int, epochs_cap: int | None, runs: list[dict]) -> dict:
    cap = entry.get("epochs_cap")
    if epochs_cap is not None:
        cap = epochs_cap if cap is None else min(cap, epochs_cap)
    return {
        "capstone": name,
        "dataset": entry["dataset"],
        "dataset_options": entry.get("dataset_options", {}),
        "cache_dir": None,
        "seed": seed,
        "epochs_cap": cap,
        "max_params": entry.get("max_params"),
        "threads": 1,
        "runs": runs,
    }


class _Grading:
    def __init__(self, config, limits, seed, epochs_cap, workdir: Path):
        self.config, self.limits, self.seed, self.epochs_cap = config, limits, seed, epochs_cap
        self.workdir = workdir
        self.measurements: dict[str, dict[str, float]] = {}
        self.jobs: dict[str, JobOutcome] = {}
        self.notes: list[str] = []

    def job(self, name: str, runs: list[dict]) -> JobOutcome:
        entry = self.config[name]
        spec = _spec(name, entry, self.seed, self.epochs_cap, runs)
        seconds = self.limits.job_seconds or entry.get("job_seconds", 300)
        outcome = run_job(
            spec,
            seconds=seconds,
            memory_mb=self.limits.job_memory_mb,
            workdir=self.workdir / name,
        )
        self.jobs[name] = outcome
        return outcome

    # -- capstone 1
    def capstone_digits(self, found: dict) -> list[Check]:
        name, entry, checks = "capstone_digits", self.config["capstone_digits"], []
        model = _model(found, "build_digit_cnn", checks, "build_digit_cnn()'s model")
        recipe = _recipe(found, "digit_recipe", checks)
        if model is None:
            checks.append(Check("digit_recipe", "test accuracy", 0.0, "no model to train"))
            return checks
        job = self.job(
            name, [{"name": "model", "model": model, "recipe": recipe or DEFAULT_RECIPE}]
        )
        result, error = _run_result(job, "model")
        if error:
            for fn in ("build_digit_cnn", "digit_recipe"):
                checks.append(Check(fn, "test accuracy", 0.0, error))
            return checks
        acc = result["test_accuracy"]
        self.measurements[name] = {"test_accuracy": acc}
        bounds = entry["scored"]["test_accuracy"]
        checks.append(
            _accuracy_check("build_digit_cnn", "test accuracy", acc, bounds, "test accuracy")
        )
        if recipe is not None:
            checks.append(
                _accuracy_check("digit_recipe", "test accuracy", acc, bounds, "test accuracy")
            )
        else:
            self.notes.append(
                "capstone_digits: the recipe was refused; the model was trained with "
                f"the default recipe {DEFAULT_RECIPE}"
            )
        self.notes.append(
            f"capstone_digits: test accuracy {acc:.3f} ({result['params']} parameters, "
            f"{result['epochs']} epochs)"
        )
        return checks

    # -- capstone 2
    def capstone_sequences(self, found: dict) -> list[Check]:
        name, entry, checks = "capstone_sequences", self.config["capstone_sequences"], []
        models = {
            "cnn": _model(found, "build_sequence_cnn", checks, "build_sequence_cnn()'s model"),
            "lstm": _model(found, "build_sequence_lstm", checks, "build_sequence_lstm()'s model"),
        }
        findings = found.get("sequence_findings", {"error": "sequence_findings was not called"})
        runs = [
            {"name": key, "model": text, "recipe": entry["recipe"]}
            for key, text in models.items()
            if text is not None
        ]
        job = self.job(name, runs) if runs else None
        accuracy: dict[str, float] = {}
        for key, fn in (("cnn", "build_sequence_cnn"), ("lstm", "build_sequence_lstm")):
            if models[key] is None:
                continue
            result, error = _run_result(job, key)
            if error:
                checks.append(Check(fn, "test accuracy", 0.0, error))
                continue
            accuracy[key] = result["test_accuracy"]
            checks.append(
                _accuracy_check(
                    fn, "test accuracy", accuracy[key], entry["scored"][key], f"{key} test accuracy"
                )
            )
        self.measurements[name] = dict(accuracy)
        if accuracy:
            self.notes.append(
                "capstone_sequences: test accuracy "
                + ", ".join(f"{k} {v:.3f}" for k, v in accuracy.items())
            )
        checks.extend(self._findings(findings, accuracy, entry.get("tie_margin", 0.02)))
        return checks

    @staticmethod
    def _findings(findings: dict, accuracy: dict, margin: float) -> list[Check]:
        fn = "sequence_findings"
        if "error" in findings:
            return [Check(fn, "findings", 0.0, findings["error"], gate=True)]
        value = findings["ok"]
        if type(value) is not dict or set(value) != {"winner", "reason"}:
            return [
                Check(
                    fn,
                    "findings",
                    0.0,
                    'return {"winner": "cnn" or "lstm", "reason": "..."}',
                    gate=True,
                )
            ]
        checks = []
        reason = value["reason"]
        ok = type(reason) is str and 20 <= len(reason.strip()) <= 1500
        checks.append(
            Check(
                fn,
                "reason",
                1.0 if ok else 0.0,
                "" if ok else "give a reason of one or two sentences",
                gate=True,
            )
        )
        winner = value["winner"]
        if winner not in ("cnn", "lstm"):
            checks.append(
                Check(fn, "winner", 0.0, f"winner must be 'cnn' or 'lstm', not {winner!r}")
            )
        elif len(accuracy) < 2:
            checks.append(Check(fn, "winner", 0.0, "both models must train to compare them"))
        else:
            measured = max(accuracy, key=accuracy.get)
            tie = abs(accuracy["cnn"] - accuracy["lstm"]) <= margin
            right = tie or winner == measured
            text = ", ".join(f"{k} {v:.3f}" for k, v in accuracy.items())
            checks.append(
                Check(
                    fn,
                    "winner",
                    1.0 if right else 0.0,
                    "" if right else f"you say {winner!r} wins, the grader measured {text}",
                )
            )
        return checks

    # -- capstone 3
    def capstone_small_data(self, found: dict) -> list[Check]:
        name, entry, checks = "capstone_small_data", self.config["capstone_small_data"], []
        checks.extend(
            self._augment(
                found.get("augment", {"error": "augment was not called"}), entry["augment"]
            )
        )
        model = _model(found, "build_small_data_model", checks, "build_small_data_model()'s model")
        recipe = None
        if model is not None:
            from autograder.capstones.validate import layer_names

            recipe = _recipe(
                found,
                "small_data_recipe",
                checks,
                require_fine_tune=True,
                layers=layer_names(json.loads(model)),
            )
        else:
            checks.append(Check("small_data_recipe", "fine-tuning beats scratch", 0.0, "no model"))
        if model is None or recipe is None:
            if model is not None:
                checks.append(
                    Check(
                        "build_small_data_model",
                        "fine-tuned accuracy",
                        0.0,
                        "no valid recipe to fine-tune with",
                    )
                )
            return checks
        run = {
            "name": "small_data",
            "kind": "fine_tune",
            "model": model,
            "recipe": recipe,
            "pretrain_classes": entry["pretrain_classes"],
            "shots": entry["shots"],
            "draws": entry.get("draws", 1),
        }
        job = self.job(name, [run])
        result, error = _run_result(job, "small_data")
        if error:
            checks.append(Check("build_small_data_model", "fine-tuned accuracy", 0.0, error))
            checks.append(Check("small_data_recipe", "fine-tuning beats scratch", 0.0, error))
            return checks
        tuned, scratch = result["fine_tuned_accuracy"], result["scratch_accuracy"]
        self.measurements[name] = {"fine_tuned_accuracy": tuned, "scratch_accuracy": scratch}
        checks.append(
            _accuracy_check(
                "build_small_data_model",
                "fine-tuned accuracy",
                tuned,
                entry["scored"]["fine_tuned_accuracy"],
                "accuracy after fine-tuning",
            )
        )
        # "beats": on MNIST-1D, fine-tuning from the classes 0-4 wins over scratch on the
        # classes 5-9 by 0.025-0.068 (see thresholds.json, "fine_tune_check"); the mean over
        # the draws must beat scratch by more than the margin, which a head-only recipe
        # (frozen convolutions) misses by far
        margin = entry["beat_margin"]
        beats = tuned > scratch + margin
        draws = entry.get("draws", 1)
        text = (
            f"fine-tuned {tuned:.3f} vs from scratch {scratch:.3f} on the same "
            f"{entry['shots']} examples per class"
            + (f" (mean over {draws} draws of the examples)" if draws > 1 else "")
        )
        checks.append(
            Check(
                "small_data_recipe",
                "fine-tuning beats scratch",
                1.0 if beats else 0.0,
                ""
                if beats
                else f"fine-tuning does not beat training from scratch by more than "
                f"{margin:.2f}: {text}",
            )
        )
        self.notes.append(f"capstone_small_data: {text}")
        return checks

    def _augment(self, got: dict, rules: dict) -> list[Check]:
        fn = "augment"
        if "error" in got:
            return [Check(fn, "runs", 0.0, got["error"], gate=True)]
        seed = np.array(rules["seed"])
        images = in_helper("inputs", self.workdir, seed=seed)["images"]
        outputs = got["ok"]
        for out in outputs:
            if type(out) is not np.ndarray or out.shape != images.shape:
                shape = getattr(out, "shape", type(out).__name__)
                return [
                    Check(
                        fn,
                        "shape and type",
                        0.0,
                        f"augment must return an array of the input's shape {images.shape}, "
                        f"got {shape}",
                        gate=True,
                    )
                ]
            if out.dtype.kind != "f" or not np.isfinite(out).all():
                return [
                    Check(
                        fn,
                        "shape and type",
                        0.0,
                        f"augment must return finite floats, got dtype {out.dtype}"
                        + ("" if np.isfinite(out).all() else " with nan/inf"),
                        gate=True,
                    )
                ]
        checks = [Check(fn, "shape and type", 1.0)]
        changed = np.mean(
            [np.abs(out - images).reshape(len(images), -1).max(axis=1) > 1e-3 for out in outputs]
        )
        ok = changed >= rules["min_changed"]
        checks.append(
            Check(
                fn,
                "changes the images",
                1.0 if ok else 0.0,
                "" if ok else f"augment changed only {changed:.0%} of the images",
            )
        )
        named = {f"output{i}": out for i, out in enumerate(outputs)}
        scores = in_helper("augment_scores", self.workdir, seed=seed, **named)["scores"]
        kept, plain, augmented = (float(v) for v in scores)
        ok = kept >= rules["min_label_kept"]
        checks.append(
            Check(
                fn,
                "keeps the labels",
                1.0 if ok else 0.0,
                ""
                if ok
                else f"only {kept:.0%} of the augmented digits are still recognised as their "
                "digit (mirroring, large shifts or heavy noise change what a digit is)",
            )
        )
        ok = augmented >= plain - rules["not_worse_tolerance"]
        checks.append(
            Check(
                fn,
                "training with it is not worse",
                1.0 if ok else 0.0,
                ""
                if ok
                else f"a classifier trained with the augmented copies scores {augmented:.3f}, "
                f"without them {plain:.3f}",
            )
        )
        return checks

    # -- capstone 4
    def capstone_sentiment(self, found: dict) -> list[Check]:
        name, entry, checks = "capstone_sentiment", self.config["capstone_sentiment"], []
        why = imdb_missing()
        if why:
            reason = f"skipped: IMDB not cached ({why}); this optional capstone is not counted"
            self.notes.append(f"capstone_sentiment: {reason}")
            return [Check(e.name, "skipped", 0.0, reason, skipped=True) for e in in_module(name)]
        model = _model(found, "build_sentiment_model", checks, "build_sentiment_model()'s model")
        recipe = _recipe(found, "sentiment_recipe", checks, allow_augmentation=False)
        if model is None:
            checks.append(Check("sentiment_recipe", "test accuracy", 0.0, "no model to train"))
            return checks
        job = self.job(
            name, [{"name": "model", "model": model, "recipe": recipe or DEFAULT_RECIPE}]
        )
        result, error = _run_result(job, "model")
        if error:
            for fn in ("build_sentiment_model", "sentiment_recipe"):
                checks.append(Check(fn, "test accuracy", 0.0, error))
            return checks
        acc = result["test_accuracy"]
        self.measurements[name] = {"test_accuracy": acc}
        bounds = entry["scored"]["test_accuracy"]
        checks.append(
            _accuracy_check("build_sentiment_model", "test accuracy", acc, bounds, "test accuracy")
        )
        if recipe is not None:
            checks.append(
                _accuracy_check("sentiment_recipe", "test accuracy", acc, bounds, "test accuracy")
            )
        return checks


def _augment_scores(data, images, labels, outputs) -> tuple[float, float, float]:
    """(share of augmented images still recognised, 1-NN accuracy without and with them).

    "Recognised": a 1-nearest-neighbour classifier over the training images and shifted
    (up to 2 pixels) and rotated (up to 20 degrees) copies of them, so that the usual
    augmentations keep their label and mirroring or big changes do not.
    """
    from sklearn.neighbors import KNeighborsClassifier

    from autograder.capstones.training import augment_images

    def flat(a):
        return np.asarray(a, dtype=np.float64).reshape(len(a), -1)

    rng = np.random.default_rng(12345)
    reference = [data.x_train] + [
        augment_images(data.x_train, rng, shift=2, rotate=20) for _ in range(4)
    ]
    judge = KNeighborsClassifier(1).fit(
        flat(np.concatenate(reference)), np.tile(data.y_train, len(reference))
    )
    base = judge.score(flat(images), labels)
    kept = float(np.mean([judge.score(flat(out), labels) for out in outputs]) / max(base, 1e-9))
    plain = KNeighborsClassifier(1).fit(flat(images), labels).score(flat(data.x_test), data.y_test)
    x_aug = np.concatenate([images, *outputs])
    y_aug = np.tile(labels, 1 + len(outputs))
    augmented = (
        KNeighborsClassifier(1).fit(flat(x_aug), y_aug).score(flat(data.x_test), data.y_test)
    )
    return min(kept, 1.0), float(plain), float(augmented)


def project_datasets():
    """This project's ``datasets`` package (put the project on sys.path if needed)."""
    import importlib

    try:
        module = importlib.import_module("datasets")
    except ImportError:
        sys.path.insert(0, str(PROJECT_ROOT))
        module = importlib.import_module("datasets")
    where = Path(module.__file__).resolve().parent
    if where != PROJECT_ROOT / "datasets":
        raise ImportError(f"'datasets' is {where}, not deepgrade's {PROJECT_ROOT / 'datasets'}")
    return module


def imdb_missing() -> str:
    """Why IMDB cannot be loaded offline ("" when its file is cached)."""
    try:
        project_datasets()
        from datasets._keras import cached_file
        from datasets.imdb import FILENAME, SOURCE_SHA256
    except ImportError as err:  # pragma: no cover - datasets/ incomplete
        return f"the IMDB loader is not available: {err}"
    path, why = cached_file(FILENAME, SOURCE_SHA256)
    return "" if path is not None else why


# ------------------------------------------------------------------------- the report


def _exercise_rows(checks: list[Check], names: list[str]):
    rows, records = [], []
    for module in names:
        for exercise in in_module(module):
            mine = [c for c in checks if c.exercise == exercise.name]
            skipped = bool(mine) and all(c.skipped for c in mine)
            score = _score(exercise, mine)
            failures = []
            for check in mine:
                nodeid = f"{module}::{exercise.name}::{check.name}"
                outcome = (
                    "skipped" if check.skipped else "passed" if check.fraction == 1 else "failed"
                )
                records.append(
                    {
                        "nodeid": nodeid,
                        "exercise": exercise.name,
                        "weight": 1.0,
                        "outcome": outcome,
                        "seconds": check.seconds,
                        "message": check.message if outcome != "passed" else "",
                    }
                )
                if outcome != "passed":
                    failures.append(f"{nodeid}: {check.message}")
            if not mine:
                failures.append(f"{module}::{exercise.name}::graded: not graded")
            if skipped:  # not counted: no row (a 0-point row is not valid for Gradescope)
                continue
            rows.append(
                {
                    "number": exercise.number,
                    "name": exercise.name,
                    "label": exercise.label,
                    "score": score,
                    "max_score": exercise.points,
                    "passed": sum(c.fraction == 1 for c in mine),
                    "total": len(mine),
                    "failures": failures,
                }
            )
    return rows, records


def _score(exercise: Exercise, checks: list[Check]) -> float:
    if not checks or any(c.gate and c.fraction < 1 for c in checks):
        return 0.0
    graded = [c for c in checks if not c.gate] or checks
    return round(exercise.points * float(np.mean([c.fraction for c in graded])), 2)


def resolve_names(capstones: list[str] | None) -> list[str]:
    """Full module names from "digits" or "capstone_digits" (all capstones for None)."""
    if not capstones:
        return list(CAPSTONE_TOPICS)
    names = []
    for name in capstones:
        full = name if name.startswith("capstone_") else f"capstone_{name}"
        if full not in CAPSTONE_TOPICS:
            known = ", ".join(n.removeprefix("capstone_") for n in CAPSTONE_TOPICS)
            raise ValueError(f"unknown capstone {name!r}; known: {known}")
        names.append(full)
    return names


def grade_capstones(
    submission: str | Path,
    *,
    capstones: list[str] | None = None,
    seed: int = 0,
    epochs_cap: int | None = None,
    limits: CapstoneLimits | None = None,
    student: str | None = None,
    keep_workdir: Path | None = None,
) -> CapstoneOutcome:
    """Grade the capstones of the folder ``submission``; the report and the measurements.

    ``epochs_cap`` reduces every recipe's epochs (tests; a reduced budget scores lower).
    ``keep_workdir``: keep each job's spec, metrics and log there (for instructors).
    """
    from autograder.grading.engine import SubmissionReport
    from autograder.implementation import SubmissionError

    folder = Path(submission).expanduser().resolve()
    if not folder.is_dir():
        raise SubmissionError(f"{submission} is not a folder")
    names = resolve_names(capstones)
    limits = limits or CapstoneLimits()
    config = thresholds_data.load()
    started = time.monotonic()
    notes: list[str] = []
    present = [n for n in names if (folder / f"{n}.py").is_file()]
    # the optional capstone's functions are not even called when its data is missing
    wanted = [n for n in present if n != "capstone_sentiment" or not imdb_missing()]
    found = collect(folder, wanted, config, limits) if wanted else {}
    found |= {n: {} for n in present if n not in wanted}
    for name in names:
        if name not in present:
            found[name] = {
                e.name: {"error": f"the submission has no {name}.py"} for e in in_module(name)
            }
    tmp = Path(tempfile.mkdtemp(prefix="deepgrade-jobs-"))
    try:
        grading = _Grading(config, limits, seed, epochs_cap, keep_workdir or tmp)
        checks: list[Check] = []
        for name in names:
            checks.extend(getattr(grading, name)(found[name]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rows, records = _exercise_rows(checks, names)
    notes.extend(grading.notes)
    for name, job in grading.jobs.items():
        notes.append(
            f"{name}: training job {job.seconds:.1f} s, peak memory {job.peak_rss_mb:.0f} MB"
        )
    status = "graded"
    if not present:
        status = "could not import"
    elif any(j.error and "longer than" in j.error for j in grading.jobs.values()):
        status = "timed out"
    report = SubmissionReport(
        student=student or folder.name,
        status=status,
        isolation=limits.isolation,
        mode="capstones",
        execution_time=round(time.monotonic() - started, 3),
        score=round(sum(r["score"] for r in rows), 2),
        max_score=sum(r["max_score"] for r in rows),
        exercises=rows,
        tests=records,
        notes=notes,
    )
    return CapstoneOutcome(report, grading.measurements, grading.jobs)


# ------------------------------------------------------------------------- CLI


def add_grade_capstones_arguments(parser) -> None:
    """``deepgrade grade-capstones PATH [--capstone NAME] [--format ...] [--output F]``."""
    parser.add_argument("path", help="a folder holding the student's capstone_*.py modules")
    parser.add_argument(
        "--capstone",
        action="append",
        help="grade only this capstone (digits, sequences, small_data, sentiment); repeatable",
    )
    parser.add_argument(
        "--format",
        choices=("table", "gradescope", "junit", "json"),
        help="default: table on a terminal, gradescope otherwise",
    )
    parser.add_argument("--output", help="write the report here instead of standard output")
    parser.add_argument("--student", help="the name in reports (default: the folder's name)")
    parser.add_argument("--seed", type=int, default=0, help="training seed (default 0)")
    parser.add_argument("--epochs-cap", type=int, help="cap every recipe's epochs (quick runs)")
    parser.add_argument("--job-seconds", type=float, help="wall time per training job")
    parser.add_argument(
        "--job-memory-mb",
        type=int,
        default=CapstoneLimits.job_memory_mb,
        help="resident memory per training job",
    )


def main_grade_capstones(args) -> int:
    """Run ``deepgrade grade-capstones``; 0 when a report was written, 2 on usage errors."""
    from rich.console import Console

    from autograder.grading import reports
    from autograder.implementation import SubmissionError
    from autograder.worker.sandbox import IsolationUnavailable

    console = Console()
    fmt = args.format or ("table" if sys.stdout.isatty() and not args.output else "gradescope")
    if fmt == "table" and args.output:
        console.print(
            "deepgrade: --format table prints to the terminal; pick another with --output"
        )
        return 2
    limits = CapstoneLimits(job_seconds=args.job_seconds, job_memory_mb=args.job_memory_mb)
    try:
        outcome = grade_capstones(
            args.path,
            capstones=args.capstone,
            seed=args.seed,
            epochs_cap=args.epochs_cap,
            limits=limits,
            student=args.student,
        )
    except (SubmissionError, IsolationUnavailable, ValueError) as err:
        console.print(f"deepgrade: {err}", style="red", markup=False)
        return 2
    if fmt == "table":
        reports.table(outcome.report, console)
        return 0
    text = reports.render(outcome.report, fmt)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


__all__ = [
    "CapstoneLimits",
    "add_grade_capstones_arguments",
    "collect",
    "grade_capstones",
    "main_grade_capstones",
    "run_job",
]
