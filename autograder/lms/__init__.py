"""Grades into a learning-management system: ``deepgrade export OUTPUT_DIR --to LMS``.

A batch graded by ``deepgrade grade-batch`` (:mod:`autograder.lms.batch` reads its
``gradebook.csv``), the course's roster (:mod:`autograder.lms.roster`: who handed in
which submission folder), and one module per LMS in :data:`TARGETS`, each writing the
file that LMS imports. A new LMS is one module with a :class:`Target` and one line here.
"""

from __future__ import annotations

from autograder.lms import canvas, moodle
from autograder.lms.target import Target

TARGETS: dict[str, Target] = {target.name: target for target in (canvas.TARGET, moodle.TARGET)}
