"""Generated classes for the class report's tests and benchmark.

:func:`make_batch` writes a grade-batch output folder of seeded reports with grade-batch's
own writers (every status, stubs, partial credit, catalogued mistakes with their evidence,
one unreadable report). :func:`pooling_class` is a class of pooling modules for the
similarity tests: honest students and planted copies.

Every student starts from the stub ``exercises/pooling.py`` and writes the two exercises
(max pooling, the receptive field) in their own way: the honest students each use a
different algorithm (loops over output pixels, a sliding-window view, while loops, loops
over window offsets, index arrays), as students who did not work together do. The planted
copies: ``bob`` hands in ``ana``'s module with every name changed, other comments and
blank lines; ``carl`` wrote his own receptive field but copied ``honest3``'s max pooling
under other names. ``blank`` hands in the stub; ``tiny`` wrote only the receptive field,
the four lines its docstring spells out, as ``honest1`` did: the same code, honestly.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from autograder.grading.batch import record, write_gradebook
from autograder.grading.engine import SubmissionReport
from autograder.paths import EXERCISES_DIR
from deepgrade.catalog import EXERCISES, TOTAL_POINTS

MISTAKES = {  # exercise: [(catalogued name, the words students read)]
    e.name: [
        (f"{e.name} mistake {k}", f"Likely mistake ({e.name} mistake {k}): check the shapes")
        for k in "ab"
    ]
    for e in EXERCISES
}
CAUSE = "Likely cause: "  # the headline of an exercise that calls a failing one
FAILED = {"timed out": "the submission's time budget ran out", "crashed": "the worker died",
          "could not import": "SyntaxError: invalid syntax (recurrent.py, line 3)"}  # fmt: skip


def student_report(name: str, rng: random.Random) -> SubmissionReport:
    """A report as the engine writes one: rows, failed checks with evidence, notes."""
    status = rng.choice(["graded"] * 8 + list(FAILED))
    rows, tests = [], []
    for e in EXERCISES:
        kind = rng.choice(["full", "full", "partial", "wrong", "stub"])
        score = {"full": e.points, "partial": e.points / 2, "wrong": 0.0, "stub": 0.0}[kind]
        failures, hint = [], ""
        if kind == "stub":
            failures = [f"tests/test_x.py::test_{e.name}: NotImplementedError: {e.not_implemented}"]
        elif kind in ("partial", "wrong"):
            mistake, hint = rng.choice([*MISTAKES[e.name], (CAUSE, CAUSE + e.name)])
            failures = [f"autograder/suites/x.py::test_{e.name}_values: wrong values"]
            evidence = [{"kind": "compared", "input": "x1", "matched": [[mistake, hint]],
                         "ruled_out": []}]  # fmt: skip
            tests.append({"nodeid": failures[0].split(": ")[0], "exercise": e.name,
                          "outcome": "failed", "message": "wrong values", "seconds": 0.01,
                          "evidence": evidence})  # fmt: skip
        rows.append({"number": e.number, "name": e.name, "label": e.label, "score": score,
                     "max_score": e.points, "passed": 1, "total": 2, "failures": failures,
                     "likely_mistake": hint})  # fmt: skip
    return SubmissionReport(
        student=name, status=status, isolation="bwrap", mode="worker", execution_time=1.0,
        score=round(sum(r["score"] for r in rows), 4), max_score=TOTAL_POINTS, exercises=rows,
        tests=tests, notes=[FAILED[status]] if status in FAILED else [], numpy="2.4.6",
    )  # fmt: skip


def make_batch(root: Path, size: int = 40, seed: int = 3, names: list[str] | None = None) -> Path:
    """A grade-batch output folder of ``size`` students, one of them with a broken report."""
    rng = random.Random(seed)
    names = names or [f"s{i:02d}" for i in range(size)]
    reports = [student_report(name, rng) for name in names]
    for report in reports:
        log = "Traceback: the worker died" if report.status == "crashed" else ""
        record(root / report.student, "stamp", {"report": report.to_dict(), "complete": True,
                                                "log": log})  # fmt: skip
    write_gradebook(root / "gradebook.csv", reports)
    (root / reports[-1].student / "report.json").write_text("{not json", encoding="utf-8")
    return root


POOL_STUB = re.compile(
    r'    raise NotImplementedError\(\n\s+"Exercise 2\.1 \(max_pool2d\)[^\n]*\n    \)'
)
FIELD_STUB = re.compile(
    r'    raise NotImplementedError\(\n\s+"Exercise 2\.2 \(receptive_field\)[^\n]*\n    \)'
)

POOLS = {
    "loops": """
    out_h = (h - ph) // sh + 1
    out_w = (w - pw) // sw + 1
    # make every input a batch of images with channels, pool, then undo it
    xb = x if x.ndim == 4 else x[None] if x.ndim == 3 else x[None, :, :, None]
    result = np.empty((xb.shape[0], out_h, out_w, xb.shape[3]))
    for i in range(out_h):
        for j in range(out_w):
            window = xb[:, i * sh : i * sh + ph, j * sw : j * sw + pw, :]
            result[:, i, j, :] = window.max(axis=(1, 2))
    if x.ndim == 4:
        return result
    if x.ndim == 3:
        return result[0]
    return result[0, :, :, 0]""",
    "view": """
    from numpy.lib.stride_tricks import sliding_window_view

    windows = sliding_window_view(x, (ph, pw), axis=(spatial, spatial + 1))
    picked = windows[(slice(None),) * spatial + (slice(None, None, sh), slice(None, None, sw))]
    return picked.max(axis=(-2, -1)).astype(np.float64)""",
    "while": """
    rows = []
    top = 0
    while top + ph <= h:
        cols = []
        left = 0
        while left + pw <= w:
            if spatial:
                patch = x[:, top : top + ph, left : left + pw]
            else:
                patch = x[top : top + ph, left : left + pw]
            cols.append(np.max(np.max(patch, axis=spatial), axis=spatial))
            left += sw
        rows.append(np.stack(cols, axis=spatial))
        top += sh
    return np.stack(rows, axis=spatial).astype(float)""",
    "offsets": """
    moved = np.moveaxis(x, (spatial, spatial + 1), (0, 1))
    n_rows = (h - ph) // sh + 1
    n_cols = (w - pw) // sw + 1
    best = np.full((n_rows, n_cols) + moved.shape[2:], -np.inf)
    for r in range(n_rows):
        for c in range(n_cols):
            for a in range(ph):
                for b in range(pw):
                    best[r, c] = np.maximum(best[r, c], moved[r * sh + a, c * sw + b])
    return np.moveaxis(best, (0, 1), (spatial, spatial + 1))""",
    "take": """
    starts_r = np.arange(0, h - ph + 1, sh)
    starts_c = np.arange(0, w - pw + 1, sw)
    idx_r = starts_r[:, None] + np.arange(ph)[None, :]
    idx_c = starts_c[:, None] + np.arange(pw)[None, :]
    g = np.take(x, idx_r, axis=spatial)
    g = np.take(g, idx_c, axis=spatial + 2)
    return g.max(axis=(spatial + 1, spatial + 3))""",
}
FIELDS = {
    "loop": """
    r, jump = 1, 1
    for _, k, s in layers:
        r += (k - 1) * jump
        jump *= s
    return r""",
    "named": """
    size = 1
    step = 1
    for layer in layers:
        kernel, stride = layer[1], layer[2]
        size = size + (kernel - 1) * step
        step = step * stride
    return int(size)""",
    "backwards": """
    result = 1
    for _, k, s in reversed(layers):
        result = (result - 1) * s + k
    return result""",
    "reduce": """
    from functools import reduce

    r, _ = reduce(
        lambda acc, layer: (acc[0] + (layer[1] - 1) * acc[1], acc[1] * layer[2]), layers, (1, 1)
    )
    return r""",
    "cumprod": """
    ks = np.array([k for _, k, _ in layers], dtype=int)
    ss = np.array([s for _, _, s in layers], dtype=int)
    jumps = np.concatenate([[1], np.cumprod(ss)[:-1]])
    return int(1 + np.sum((ks - 1) * jumps))""",
    "index": """
    total, scale = 1, 1
    i = 0
    while i < len(layers):
        total += (layers[i][1] - 1) * scale
        scale *= layers[i][2]
        i += 1
    return total""",
}
HONEST = {  # student: (max pooling, receptive field), no two alike
    "honest1": ("view", "loop"),
    "honest2": ("while", "backwards"),
    "honest3": ("offsets", "reduce"),
    "honest4": ("take", "cumprod"),
}
RENAMES = {  # bob's names for ana's
    "out_h": "rows_out", "out_w": "cols_out", "xb": "batch", "result": "pooled",
    "window": "patch", "i": "row", "j": "col", "size": "extent", "step": "hop",
    "layer": "entry", "kernel": "k_size", "stride": "s_size",
}  # fmt: skip
CARL_RENAMES = {"moved": "t", "n_rows": "R", "n_cols": "C", "best": "acc", "r": "y", "c": "z"}
PLANTED = ({"ana", "bob"}, {"carl", "honest3"})


def rename(code: str, names: dict[str, str]) -> str:
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
    return pattern.sub(lambda m: names[m.group(1)], code)


def module(pool: str | None, field: str | None) -> str:
    """``exercises/pooling.py`` with these bodies in place of the stubs' raises."""
    text = (EXERCISES_DIR / "pooling.py").read_text(encoding="utf-8")
    if pool is not None:
        text = POOL_STUB.sub(lambda _: pool.strip("\n"), text, count=1)
    if field is not None:
        text = FIELD_STUB.sub(lambda _: field.strip("\n"), text, count=1)
    return text


def pooling_class() -> dict[str, str]:
    """``{student: pooling.py}`` of the class."""
    students = {s: module(POOLS[p], FIELDS[f]) for s, (p, f) in HONEST.items()}
    students["ana"] = module(POOLS["loops"], FIELDS["named"])
    bob = rename(POOLS["loops"], RENAMES).replace(
        "# make every input a batch of images with channels, pool, then undo it",
        "# reshape to 4-D first",
    )
    students["bob"] = module("\n" + bob.replace("\n    for", "\n\n    for", 1),
                             rename(FIELDS["named"], RENAMES))  # fmt: skip
    students["carl"] = module(rename(POOLS["offsets"], CARL_RENAMES), FIELDS["index"])
    students["blank"] = module(None, None)
    students["tiny"] = module(None, FIELDS["loop"])
    return students
