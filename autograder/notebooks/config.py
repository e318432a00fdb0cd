"""The generated course's nbgrader configuration: which steps its commands run.

``configure(c)`` is called from the course's ``nbgrader_config.py``. It keeps nbgrader's
own pipelines and swaps single steps:

- ``generate_assignment``: ``ClearSolutions`` becomes :class:`NamedStubs` (stubs name
  their exercise);
- ``autograde``: in the default ``"isolated"`` mode, ``Execute`` becomes
  :class:`IsolatedGrading` (grading through deepgrade's worker); ``"in-kernel"`` keeps
  stock ``Execute`` (student code and hidden tests in one kernel: weaker);
- ``autograde``: ``OverwriteCells`` becomes :class:`OverwriteUntouchedCells` (no
  "checksum has changed" warning for a test cell the student left as released);
- ``generate_feedback``: hidden test regions are cleared from the feedback;
- the student's jupytext-paired ``.py`` files are not overwritten by the source's stubs.
"""

from __future__ import annotations

import os
from typing import Any

from autograder.builders.nbgrader import ASSIGNMENTS

MODES: dict[str, str] = {
    "isolated": "each notebook graded as a module by deepgrade's worker (isolation levels)",
    "in-kernel": "stock nbgrader: student code and hidden tests in one kernel (weaker)",
}
ENVIRONMENT = "DEEPGRADE_AUTOGRADE"


def _default(cls: type, trait: str) -> list:
    return list(cls.class_traits()[trait].default())


def autograde_mode(configured: str) -> str:
    """The mode in force: ``$DEEPGRADE_AUTOGRADE`` if set, else the configured one."""
    mode = os.environ.get(ENVIRONMENT, configured)
    if mode not in MODES:
        raise ValueError(f"autograde mode must be one of {', '.join(MODES)}, got {mode!r}")
    return mode


def configure(c: Any, autograde: str = "isolated", isolation: str = "auto") -> None:
    """Set the course's steps on the nbgrader config object ``c``."""
    from nbgrader.converters import Autograde, GenerateAssignment, GenerateFeedback
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions, Execute, OverwriteCells

    from autograder.notebooks.preprocessors import (
        IsolatedGrading,
        NamedStubs,
        OverwriteUntouchedCells,
    )

    c.GenerateAssignment.preprocessors = [
        NamedStubs if step is ClearSolutions else step
        for step in _default(GenerateAssignment, "preprocessors")
    ]
    feedback = _default(GenerateFeedback, "preprocessors")
    c.GenerateFeedback.preprocessors = [feedback[0], ClearHiddenTests, *feedback[1:]]
    c.Autograde.sanitize_preprocessors = [
        OverwriteUntouchedCells if step is OverwriteCells else step
        for step in _default(Autograde, "sanitize_preprocessors")
    ]
    c.Autograde.exclude_overwriting = {
        assignment: [f"{module}.py" for module in modules]
        for assignment, modules in ASSIGNMENTS.items()
    }
    if autograde_mode(autograde) == "isolated":
        c.Autograde.autograde_preprocessors = [
            IsolatedGrading if step is Execute else step
            for step in _default(Autograde, "autograde_preprocessors")
        ]
        c.IsolatedGrading.isolation = isolation
    else:
        c.Execute.timeout = 120  # one test cell grades one exercise in the kernel
