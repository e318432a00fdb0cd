"""The release's mistake fingerprints: every catalogued mistake, run on the public inputs.

The public tests run once against the reference in a child process, with two recorders:
the implementation notes each exercise call's arguments and result, and ``check_array`` /
``check_scalar`` (swapped in before the test modules import them) note, for each check,
which call produced the value checked (by identity: the result itself, an item of a
returned tuple, a value of a returned dict). The exercise's mistake catalogue
(``autograder/suites/mistakes_*.py``) is then run on that call's arguments, and the
check's key gets the digest of each mistake's output (:mod:`deepgrade.fingerprints`).

What ships is digests, the mistakes' names and the words the grader shows with them, and
which of those mistakes one check is enough to name (:func:`deepgrade.fingerprints.decisive`):
nothing of the reference's code, no value of any input the public tests do not hold.
The leak check (:mod:`autograder.builders.leaks`) accepts the table only when it is
exactly what this module derives.
"""

from __future__ import annotations

import functools
import inspect
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from autograder.paths import PROJECT_ROOT, PUBLIC_TESTS
from deepgrade import feedback
from deepgrade.catalog import BY_NAME
from deepgrade.fingerprints import VERSION, check_key, decisive, digest
from deepgrade.implementation import Implementation

Path_ = tuple  # where a checked value sits in a call's result: () whole, (1, "W1")...


def _by_position(function: Callable, count: int | None = None) -> Callable:
    """Mistakes of the whole result, from the call's arguments in order."""
    return lambda args, part: function(*args[:count]) if part == () else None


def _keyed(function: Callable, keys: tuple[str, ...]) -> Callable:
    """Mistakes of the items of a returned tuple, from a catalogue keyed by item name."""

    def of(args: list, part: Path_) -> list | None:
        if len(part) != 1 or not isinstance(part[0], int) or part[0] >= len(keys):
            return None
        return function(*args).get(keys[part[0]])

    return of


def _digit_network(args: list, part: Path_) -> list | None:
    from autograder.suites import mistakes_backprop as mk

    key = "loss" if part == (0,) else (part[1] if len(part) == 2 and part[0] == 1 else None)
    return mk.digit_network_mistakes(*args).get(key) if key else None


def _lstm_cell(args: list, part: Path_) -> list | None:
    from autograder.suites import mistakes_recurrent as mk

    if len(part) == 1 and part[0] in (0, 1):
        return mk.lstm_cell_mistakes(*args, part=part[0])
    return None


def _sgd_step(args: list, part: Path_) -> list | None:
    from autograder.suites import mistakes_gradient_descent as mk

    return mk.sgd_step_mistakes(*args[:3], part[0]) if len(part) == 1 else None


def _training(args: list, part: Path_) -> list | None:
    from autograder.suites import mistakes_gradient_descent as mk

    if part == (1,):
        name = "losses"
    elif len(part) == 2 and part[0] == 0:
        name = part[1]
    else:
        return None
    return mk.training_mistakes(tuple(args[:7]), dict(num_classes=args[7]), name)


def adapters() -> dict[str, Callable[[list, Path_], list | None]]:
    """For each exercise: (its call's arguments, in order, defaults filled in; where the
    checked value sits in its result) -> the catalogue's mistakes of that value."""
    from autograder.suites import mistakes_activations as act
    from autograder.suites import mistakes_backprop as bp
    from autograder.suites import mistakes_convolution as conv
    from autograder.suites import mistakes_gradient_descent as gd
    from autograder.suites import mistakes_pooling as pool
    from autograder.suites import mistakes_recurrent as rec

    return {
        "conv_output_size": _by_position(conv.conv_output_size_mistakes),
        "same_padding": _by_position(conv.same_padding_mistakes),
        "zero_pad": _by_position(conv.zero_pad_mistakes),
        "conv2d": _by_position(conv.conv2d_mistakes),
        "conv_layer": _by_position(conv.conv_layer_mistakes),
        "max_pool2d": _by_position(pool.max_pool2d_mistakes),
        "receptive_field": _by_position(pool.receptive_field_mistakes),
        "relu": _by_position(act.relu_mistakes),
        "sigmoid": _by_position(act.sigmoid_mistakes),
        "softmax": _by_position(act.softmax_mistakes),
        "numerical_gradient": _by_position(bp.numerical_gradient_mistakes),
        "dense_forward": _by_position(bp.dense_forward_mistakes),
        "dense_backward": _keyed(bp.dense_backward_mistakes, ("dx", "dW", "db")),
        "relu_backward": _by_position(bp.relu_backward_mistakes),
        "softmax_cross_entropy": _keyed(bp.softmax_cross_entropy_mistakes, ("loss", "dlogits")),
        "conv_layer_backward": _keyed(bp.conv_backward_mistakes, ("dx", "dkernels", "dbias")),
        "max_pool2d_backward": _by_position(bp.max_pool_backward_mistakes),
        "digit_network": _digit_network,
        "simple_rnn_cell": _by_position(rec.rnn_cell_mistakes),
        "simple_rnn": _by_position(rec.simple_rnn_mistakes),
        "lstm_cell": _lstm_cell,
        "lstm": _by_position(rec.lstm_mistakes, 6),
        "gradient_descent": _by_position(gd.gradient_descent_mistakes),
        "sgd_step": _sgd_step,
        "train_digit_network": _training,
        # minibatches: its catalogue takes a seed, the exercise a generator; not fingerprinted
    }


def _parts(result: Any, path: Path_ = ()) -> list[tuple[Path_, Any]]:
    """Every value a check may take from ``result``, with where it sits."""
    found = [(path, result)]
    if isinstance(result, tuple | list) and len(path) < 2:
        for i, item in enumerate(result):
            found += _parts(item, (*path, i))
    elif isinstance(result, dict) and len(path) < 2:
        for key, item in result.items():
            found += _parts(item, (*path, key))
    return found


class _Recorder:
    """The pytest plugin of the child process: records the calls, fingerprints the checks."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list, Any]] = []  # exercise, arguments, result
        self.checks: dict[str, dict] = {}
        self.adapters = adapters()

    def pytest_deepgrade_implementation(self, config):
        return _RecordingImplementation(Implementation("solutions"), self.calls)

    def note(self, what: str, got: Any, expected: Any) -> None:
        """Fingerprint the mistakes of the call that produced ``got`` for this check."""
        for name, args, result in reversed(self.calls):
            part = next((p for p, value in _parts(result) if value is got), None)
            if part is None:
                continue
            adapter = self.adapters.get(name)
            mistakes = adapter(args, part) if adapter else None
            key = check_key(what, expected)
            if mistakes and key:
                self._record(key, mistakes, expected)
            return

    def _record(self, key: str, mistakes: list, expected: Any) -> None:
        entry = self.checks.setdefault(key, {"tried": [], "outputs": {}, "decisive": []})
        for mistake in mistakes:
            output = mistake.produce()
            output_digest = digest(output) if output is not None else None
            if output_digest is None:
                continue
            if mistake.name not in entry["tried"]:
                entry["tried"].append(mistake.name)
            pairs = entry["outputs"].setdefault(output_digest, [])
            if mistake.name not in [name for name, _ in pairs]:
                pairs.append([mistake.name, mistake.explanation])
            if decisive(output, expected) and mistake.name not in entry["decisive"]:
                entry["decisive"].append(mistake.name)


class _RecordingImplementation:
    """The reference, noting each exercise call (arguments in signature order)."""

    def __init__(self, inner: Implementation, calls: list) -> None:
        self._inner = inner
        self._calls = calls

    def __getattr__(self, name: str):
        found = getattr(self._inner, name)
        if name not in BY_NAME or not callable(found):
            return found
        return self._recording(name, found)

    def with_inputs(self, name: str):
        inner = self._inner.with_inputs(name)

        def call(*args, **kwargs):
            outcome = inner(*args, **kwargs)
            self._note(name, args, kwargs, outcome[0])
            return outcome

        return call

    def _recording(self, name: str, function: Callable) -> Callable:
        def call(*args, **kwargs):
            result = function(*args, **kwargs)
            self._note(name, args, kwargs, result)
            return result

        return call

    def _note(self, name: str, args: tuple, kwargs: dict, result: Any) -> None:
        signature = inspect.signature(getattr(self._inner.module(BY_NAME[name].module), name))
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError:
            return
        bound.apply_defaults()
        self._calls.append((name, list(bound.arguments.values()), result))

    def __repr__(self) -> str:
        return f"recording {self._inner!r}"


def _recording_checks(recorder: _Recorder) -> None:
    """Swap check_array and check_scalar for versions that tell ``recorder`` first."""
    for name in ("check_array", "check_scalar", "check_pair"):
        original = getattr(feedback, name)

        def checked(got, expected, *args, _original=original, **kwargs):
            recorder.note(kwargs.get("what", "your output"), got, expected)
            return _original(got, expected, *args, **kwargs)

        setattr(feedback, name, checked)


def collect(tests: Path = PUBLIC_TESTS) -> dict:
    """The table, computed in this process (call it in a fresh one: see :func:`build`)."""
    recorder = _Recorder()
    _recording_checks(recorder)
    args = [str(tests), "-q", "-p", "no:cacheprovider", "-o", "addopts=", "--impl=solutions",
            f"--rootdir={PROJECT_ROOT}", "-p", "no:randomly"]  # fmt: skip
    code = pytest.main(args, plugins=[recorder])
    if code != 0:
        raise RuntimeError(f"the public tests fail on the reference (pytest exit {code})")
    checks = {key: recorder.checks[key] for key in sorted(recorder.checks)}
    return {"version": VERSION, "checks": checks}


def render(table: dict) -> str:
    """The table as the release stores it: one check per line, so a diff reads well."""
    lines = [
        f"  {json.dumps(key)}: {json.dumps(entry, sort_keys=True)}"
        for key, entry in table["checks"].items()
    ]
    body = ",\n".join(lines)
    return f'{{"version": {table["version"]}, "checks": {{\n{body}\n}}}}\n'


@functools.cache
def build(source: Path = PROJECT_ROOT, tests: Path | None = None) -> str:
    """The table's text for the public tests (or the test file ``tests``), computed in a
    fresh Python: the test modules must import the recording checks, and must not share
    the caller's imports."""
    with tempfile.TemporaryDirectory(prefix="deepgrade-fingerprints-") as tmp:
        out = Path(tmp) / "table.json"
        proc = subprocess.run(
            [sys.executable, "-m", "autograder.builders.mistake_fingerprints", str(out),
             str(tests or source / "tests")],
            cwd=source, capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip
        if proc.returncode != 0 or not out.is_file():
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
            raise RuntimeError(f"the mistake fingerprints could not be computed:\n{tail}")
        return out.read_text(encoding="utf-8")


if __name__ == "__main__":
    Path(sys.argv[1]).write_text(render(collect(Path(sys.argv[2]))), encoding="utf-8")
