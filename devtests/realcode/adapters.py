"""Thin, exact adapters from a course's API to this project's, for real students' code.

A submission folder for a course's student is this project's stubs (their argument
checks included) where each adapted exercise's ``raise NotImplementedError`` becomes a
call into ``_course_adapter.py``: that module converts the arguments to the course's
layout (channels-first, the course's gate order, its parameter dicts), calls the
student's function from the student's own file (copied next to it, unchanged) and
converts the result back. What the course's API cannot express (``"same"`` padding of an
even kernel, unequal strides, a non-zero initial cell state) raises ``NotImplementedError``
naming it: those checks are outside the course's contract, and the course's own correct
implementation (:data:`Course.reference`, written here) loses them too, so the measurement
subtracts them as the baseline.
"""

from __future__ import annotations

import ast
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from deepgrade.catalog import TOPICS

PROJECT = Path(__file__).resolve().parents[2]
EXERCISES = PROJECT / "exercises"


@dataclass(frozen=True)
class Course:
    name: str
    # the student's files: {name in the folder: candidate paths in a course repository}
    files: dict[str, tuple[str, ...]]
    adapter: str  # the source of _course_adapter.py, one function per exercise
    # exercise -> (the student's file, the course function the adapted exercise calls)
    needs: dict[str, tuple[str, str]]
    reference: dict[str, str] = field(default_factory=dict)  # a correct student, per file
    # optional: the student's files found in a repository (a bare git directory) by the
    # course itself, e.g. from notebooks; its second argument is the paths a repos line
    # pins (empty: search the newest commit). Without it, ``files`` is read as it is.
    locate: Callable[[Path, tuple[str, ...]], dict[str, str]] | None = None

    @property
    def calls(self) -> dict[str, str]:
        """Exercise -> the statement replacing its stub's raise (see :data:`CALLS`)."""
        return {name: CALLS[name] for name in self.needs}


OUTSIDE = "outside the course's API: "

# What replaces each exercise's ``raise NotImplementedError``: a call of the adapter's
# function of that name, with the stub's own variables at that point (after its checks).
CALLS: dict[str, str] = {
    name: f"return _course_adapter.{name}({arguments})"
    for name, arguments in {
        "zero_pad": "x, top, bottom, left, right",
        "conv_layer": "x, kernels, bias, padding, stride",
        "max_pool2d": "x, ph, pw, sh, sw",
        "relu": "x",
        "sigmoid": "x",
        "softmax": "logits, axis",
        "dense_forward": "x, W, b",
        "dense_backward": "dout, x, W",
        "softmax_cross_entropy": "logits, labels",
        "conv_layer_backward": "dout, x, kernels, top, bottom, left, right, stride",
        "max_pool2d_backward": "dout, x, ph, pw, sh, sw",
        "simple_rnn_cell": "x_t, h_prev, kernel, recurrent_kernel, bias",
        "simple_rnn": "x, kernel, recurrent_kernel, bias, return_sequences, initial_state",
        "lstm_cell": "x_t, h_prev, c_prev, kernel, recurrent_kernel, bias",
        "lstm": "x, kernel, recurrent_kernel, bias, return_sequences, initial_state",
    }.items()
}


def _adapted_module(source: str, calls: dict[str, str]) -> str:
    """The stub module with each adapted exercise's raise replaced by its call."""
    tree = ast.parse(source)
    lines = source.splitlines()
    edits = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in calls:
            raises = [
                n
                for n in ast.walk(node)
                if isinstance(n, ast.Raise)
                and isinstance(n.exc, ast.Call)
                and getattr(n.exc.func, "id", "") == "NotImplementedError"
            ]
            (stub,) = raises
            indent = " " * stub.col_offset
            edits.append((stub.lineno, stub.end_lineno, indent + calls[node.name]))
    for start, end, text in sorted(edits, reverse=True):
        lines[start - 1 : end] = [text]
    return "\n".join([*lines, "", "from . import _course_adapter  # noqa: E402"]) + "\n"


def build(course: Course, student_files: dict[str, str], folder: Path) -> Path:
    """A submission folder: the stubs, adapted where the student's files define the
    course's functions, the adapter, and the student's files as they are."""
    shutil.copytree(EXERCISES, folder, ignore=shutil.ignore_patterns("__pycache__"))
    for name, text in student_files.items():
        (folder / name).write_text(text)
    (folder / "_course_adapter.py").write_text(course.adapter)
    for topic in TOPICS:
        path = folder / f"{topic}.py"
        source = path.read_text()
        here = {
            name: call
            for name, call in course.calls.items()
            if f"\ndef {name}(" in source and _provided(course, name, student_files)
        }
        if here:
            path.write_text(_adapted_module(source, here))
    return folder


def _provided(course: Course, exercise: str, student_files: dict[str, str]) -> bool:
    """Whether the student's files define the course function (or class) the exercise is
    adapted to."""
    file, function = course.needs[exercise]
    text = "\n" + student_files.get(file, "")
    return any(f"\n{kind} {function}{end}" in text for kind, end in DEFINITIONS)


# a course function is ``def name(``; a course class ``class name(`` or ``class name:``
DEFINITIONS = (("def", "("), ("class", "("), ("class", ":"))


def adapted(course: Course, student_files: dict[str, str]) -> list[str]:
    return [name for name in course.calls if _provided(course, name, student_files)]
