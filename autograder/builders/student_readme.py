"""The students' README of a release, written from the catalogue and the generated stubs.

What to implement (each function's first docstring paragraph), the points tables, how to
check and how to submit, the release's own two-command quickstart, and a plain statement
that the public points are an indication and the hidden tests decide the grade.
"""

from __future__ import annotations

import ast
import re

from autograder.builders import actions_workflow
from deepgrade.catalog import (
    ALL_TOPICS,
    CAPSTONE_TOPICS,
    in_module,
)
from deepgrade.cli import points_markdown

INSTALL = "python3 -m venv .venv && .venv/bin/pip install -q -c constraints.txt -e ."
QUICKSTART = (
    f"{INSTALL} && .venv/bin/deepgrade check",
    f"{INSTALL} && .venv/bin/python -m pytest",
)


def summaries(stub_files: dict[str, str]) -> dict[str, str]:
    """Each exercise's first docstring paragraph, as one Markdown line."""
    found = {}
    for name, text in stub_files.items():
        for node in ast.walk(ast.parse(text, name)):
            if isinstance(node, ast.FunctionDef):
                doc = ast.get_docstring(node) or ""
                first = " ".join(doc.split("\n\n")[0].split()).removesuffix(":")
                first = re.sub(r":\w+:`", "`", first).replace("``", "`").replace("|", "\\|")
                found[node.name] = first
    return found


def _topic_tables(stub_files: dict[str, str]) -> str:
    about = summaries(stub_files)
    parts = []
    for module, title in ALL_TOPICS.items():
        rows = [
            f"### {title} (`exercises/{module}.py`)",
            "",
            "| exercise | function | what it computes |",
            "| --- | --- | --- |",
        ]
        rows += [
            f"| {e.number} | `{e.name}` | {about.get(e.name, '')} |" for e in in_module(module)
        ]
        parts.append("\n".join(rows))
    return "\n\n".join(parts)


def render(stub_files: dict[str, str], python: str) -> str:
    """The README, given the release's exercises/ files (name -> text) and the oldest Python."""
    first_capstone = next(iter(CAPSTONE_TOPICS)).removeprefix("capstone_")
    return f"""\
# Deep learning for images and time series: exercises

You implement, in numpy, the building blocks of the course's deep learning module:
convolution with padding, max pooling, activations, backpropagation, recurrent cells
(SimpleRNN, LSTM) and gradient descent; then {len(CAPSTONE_TOPICS)} Keras capstones. Public tests
check your functions against the lecture's worked examples, with feedback that says what
is wrong.

## Quickstart

On a machine with Python {python} or newer (on Windows, `.venv\\Scripts\\` instead of
`.venv/bin/`):

```bash
# 1. install, then the public tests as a points table (a fresh copy: all "not implemented yet")
{QUICKSTART[0]}
# 2. the same public tests, with pytest's own output
{QUICKSTART[1]}
```

Both end with a non-zero exit code until every public test passes. After the first
install, `.venv/bin/deepgrade check` (or `deepgrade check` in the activated venv) is
enough.

## Your grade: hidden tests decide it

The points of the public tests are an indication, not your grade. After the deadline the
course staff grade the same functions with hidden tests: more inputs and shapes (batches,
several channels, strides, padding, ties, long sequences), properties (gradients against
numerical ones, inputs left unchanged) and known mistakes. Passing every public test does
not guarantee full points; a function that passes them only for the examples shown will
lose points. The capstones are graded by retraining your model on data you never see.

## What to implement

Your work is in `exercises/`, one module per topic. Every function has its math, shapes
and a worked example from the slides in its docstring, and a body that raises
`NotImplementedError` naming the exercise: replace that line with your code. Keep the
function names and signatures. Inputs are never modified in place; results are float64
numpy arrays; images are channels-last, `(H, W)`, `(H, W, d)` or batched `(N, H, W, d)`,
and conv kernels are `(kh, kw, d, k)`. `backprop.numerical_gradient` (exercise 4.1) is
there for you to check your own backward passes.

{_topic_tables(stub_files)}

## Points

{points_markdown()}

## Checking your work

```bash
deepgrade check                          # the public tests against exercises/, as a points table
deepgrade check -v                       # ... each failing exercise's likely mistake and messages
deepgrade check conv2d relu 1.4          # only these exercises (by name or number), in a second
deepgrade check path/to/folder           # a folder holding your copies of the exercise modules
python -m pytest                         # the public tests with pytest's own output
python -m pytest --exercise conv2d       # only one exercise's tests (as the autograding runs them)
python -m pytest tests/test_pooling.py   # only one topic
```

A failure names the exercise and says, in order, a wrong type, a wrong shape (expected vs
got) or where the values first differ, with the size of the error and a slice of both
arrays, and names a likely mistake when it recognises one. `deepgrade check` shares an
exercise's points among its tests; `deepgrade points` prints the points tables.

## Working in Jupyter

`notebooks/` holds every topic (and capstone) as a notebook: each exercise's docstring
(math, shapes, the slide example), a cell with the function to complete, and a read-only
cell that runs its public checks on your function and prints its points ("Run all" goes
to the end: an exercise not written yet says so and the next one runs). The notebook is
your work: the `.py` file beside each one is a copy of the notebook as handed out, not
kept in step with it, so edit the notebook, in JupyterLab, VS Code or a text editor. A
later topic that uses an earlier one's functions (backprop's `relu`) reads them from
that topic's saved notebook, so keep the notebooks together with `_validate.py`.

```bash
.venv/bin/pip install -q -c constraints.txt -e '.[jupyter]'
.venv/bin/jupyter lab notebooks/
.venv/bin/deepgrade check notebooks/convolution.ipynb   # that notebook's points table
.venv/bin/deepgrade check notebooks/                    # every notebook's
```

If your course grades notebooks, hand in the notebooks; otherwise hand in `exercises/`.
Work in one of the two, not both: they are separate copies.

## Handing in on Gradescope

If your course grades on Gradescope, upload your whole repository (through GitHub, or as
a zip of its folder), or only `exercises/`, or only your notebooks: the grader finds them
at the top or in a folder. For each topic it grades the file you edited: a notebook
counts when its answer cells differ from the notebook you were given, otherwise
`exercises/<topic>.py`. If you edited both a topic's notebook and its module, the one
with more exercises changed from the given stub is graded (the notebook on a tie);
Gradescope's results name, for every topic, the file graded and why. Links (symbolic
links) are not followed: upload the files themselves.

## Capstones (Keras)

The capstone modules (`exercises/capstone_*.py`) return Keras models as data and a
training recipe. Install the extra packages (TensorFlow, scikit-learn, statsmodels,
matplotlib, mnist1d) and train on your machine, with plots of what your model learned:

```bash
.venv/bin/pip install -q -c constraints.txt -e '.[capstones]'
.venv/bin/deepgrade train {first_capstone}        # plots in ./deepgrade-plots/{first_capstone}/
.venv/bin/deepgrade train --help
```

Data sets load offline from `datasets/` (each data set has a datasheet in
`datasets/datasheets/`); nothing is downloaded.

## Submitting

Commit your changes to `exercises/` and push. Every push runs the workflow
`{actions_workflow.PATH}` (GitHub Actions): one step per numpy exercise runs its public
tests, the run's summary page shows `deepgrade check`'s points table, and the run is green
only when every public test passes. The result is in the repository's Actions tab. Your
grade comes from the hidden tests, run by the course staff on the `exercises/` of your
last push before the deadline.

Change only `exercises/`: grading takes your `exercises/` alone and runs the staff's own
tests on it, so editing the tests, the workflow or the kit changes nothing but what your
own checks show.
"""
