"""nbgrader preprocessors of the generated course.

:class:`IsolatedGrading` takes the place of nbgrader's ``Execute`` in
``Autograde.autograde_preprocessors``. nbgrader has already restored the read-only and
test cells from its gradebook (``OverwriteCells``); this step turns the notebook into its
topic module (:func:`deepgrade.notebooks.module_source`), puts it in a fresh folder with
the student's other notebooks of the assignment as modules (a later topic imports an
earlier one), and grades that folder with :func:`autograder.grading.engine.grade` (or the
capstone grader): the student's code runs only in deepgrade's worker. The scores and
feedback are then written into the test cells' outputs, where nbgrader's
``SaveAutoGrades``, gradebook, formgrader, feedback and export read them unchanged.
Nothing of the notebook is executed in nbgrader's process or in a kernel. The numpy
topics' report is also saved as ``autograded/<student>/<assignment>/report.json``, in
``grade-batch``'s format, for ``deepgrade report COURSE``.

:class:`NamedStubs` is nbgrader's ``ClearSolutions`` with the stub of
:func:`autograder.builders.stubs.stub_code`: the ``NotImplementedError`` names the
exercise, as in ``exercises/``.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path

from nbconvert.exporters.exporter import ResourcesDict
from nbformat import NotebookNode, from_dict
from nbgrader.api import MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import (
    ClearHiddenTests,
    ClearSolutions,
    NbGraderPreprocessor,
    OverwriteCells,
)
from traitlets import Float, Integer, Unicode

from autograder.builders.stubs import stub_code
from autograder.grading.engine import Limits, SubmissionReport
from autograder.grading.jobs import failed_report
from autograder.grading.submission import prepare_submission
from autograder.notebooks.results import cell_outputs, graded_by
from autograder.paths import HIDDEN_SUITES, PUBLIC_TESTS
from deepgrade.catalog import ALL_TOPICS, CAPSTONE_TOPICS, TOPICS, in_module
from deepgrade.notebooks import TESTS_PREFIX, exercise_of, grade_id, module_source, topic_of
from deepgrade.safe_read import kind

_LIMITS = Limits()


class NamedStubs(ClearSolutions):
    """ClearSolutions whose stub names the exercise of the answer cell."""

    def _replace_solution_region(self, cell: NotebookNode, language: str) -> bool:
        entry = exercise_of(cell)
        if entry is None or cell.cell_type != "code":
            return super()._replace_solution_region(cell, language)
        generic = self.code_stub
        self.code_stub = {**generic, language: stub_code(entry)}
        try:
            return super()._replace_solution_region(cell, language)
        finally:
            self.code_stub = generic


class OverwriteUntouchedCells(OverwriteCells):
    """nbgrader's ``OverwriteCells``, silent about the test cells a student left as released.

    A test cell of the course holds hidden tests that ``generate_assignment`` cut out of
    the student's copy (``ClearHiddenTests``), so the copy's checksum never matches the
    gradebook's: stock nbgrader warns "Attribute 'checksum' for cell ... has changed" for
    each of them (26 per student) and restores the source. Here a locked cell whose source
    is exactly the released one gets its source back first, silently; a locked cell the
    student did edit is still reported and restored by nbgrader as before.
    """

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, cell_index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        gid = grade_id(cell)
        if gid:
            try:
                source = self.gradebook.find_source_cell(gid, self.notebook_id, self.assignment_id)
            except MissingEntry:
                source = None  # nbgrader's own step says so
            if source is not None and source.locked and cell.source == self._released(source):
                cell.source = source.source
        return super().preprocess_cell(cell, resources, cell_index)

    def _released(self, source) -> str:
        """The cell's source as the student got it: the hidden tests cut out."""
        released = from_dict({"cell_type": source.cell_type, "source": source.source})
        ClearHiddenTests(config=self.config)._remove_hidden_test_region(released)
        return released.source


class IsolatedGrading(NbGraderPreprocessor):
    """Grade the notebook through deepgrade's worker; write scores into the test cells."""

    isolation = Unicode(
        "auto", help="worker isolation: process, bwrap or auto (the strongest available)"
    ).tag(config=True)
    call_timeout = Float(_LIMITS.call_seconds, help="seconds per call").tag(config=True)
    total_timeout = Float(_LIMITS.total_seconds, help="seconds per notebook").tag(config=True)
    memory_mb = Integer(_LIMITS.memory_mb, help="memory of the worker, MB").tag(config=True)
    epochs_cap = Integer(
        None, allow_none=True, help="capstones: cap every recipe's epochs (quick trial runs)"
    ).tag(config=True)

    def preprocess(
        self, nb: NotebookNode, resources: ResourcesDict
    ) -> tuple[NotebookNode, ResourcesDict]:
        info = resources["nbgrader"]
        topic = topic_of(nb, f"{info['notebook']}.ipynb")
        submitted = self._submitted(info)
        refused = _not_a_file(submitted, f"{info['notebook']}.ipynb")
        if refused:  # a link (to the source notebooks?) or a pipe: nothing of it is graded
            report = failed_report(info["student"], "could not import", refused, self.isolation)
        else:
            modules = self._siblings(submitted)
            modules[topic] = module_source(nb)
            report = self._report(modules, topic, info)
        if topic not in CAPSTONE_TOPICS:  # a capstone's report covers that capstone only
            self._save(report, info)
        self.log.info(
            "%s/%s: %s", info["student"], info["notebook"], graded_by(report),
        )  # fmt: skip
        graded = {e.name for e in in_module(topic)}
        for cell in nb.cells:
            if cell.cell_type != "code" or not cell.get("metadata", {}).get("nbgrader", {}).get(
                "grade"
            ):
                continue
            name = grade_id(cell).removeprefix(TESTS_PREFIX)
            cell.execution_count = None
            if grade_id(cell).startswith(TESTS_PREFIX) and name in graded:
                cell.outputs = [from_dict(o) for o in cell_outputs(report, name)]
            else:  # a grade cell this course never made: it earns nothing
                cell.outputs = [from_dict(_not_ours(grade_id(cell)))]
        return nb, resources

    def _save(self, report: SubmissionReport, info: dict) -> Path:
        """The report beside the student's autograded notebooks, as grade-batch writes it."""
        coursedir = CourseDirectory(config=self.config)
        folder = Path(
            coursedir.format_path(
                coursedir.autograded_directory, info["student"], info["assignment"]
            )
        )
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "report.json"
        document = {"complete": True, "report": report.to_dict()}
        path.write_text(json.dumps(document, indent=1), encoding="utf-8")
        return path

    def _submitted(self, info: dict) -> Path:
        coursedir = CourseDirectory(config=self.config)
        return Path(
            coursedir.format_path(
                coursedir.submitted_directory, info["student"], info["assignment"]
            )
        )

    def _siblings(self, submitted: Path) -> dict[str, str]:
        """The student's other topics of this assignment as modules (best effort): a later
        topic imports an earlier one, as in a folder of modules. The submitted folder is
        read as any upload is (:func:`prepare_submission`: no link followed)."""
        with tempfile.TemporaryDirectory(prefix="deepgrade-nbgrader-") as tmp:
            prepared = prepare_submission(submitted, Path(tmp))
            for note in prepared.notes:
                self.log.warning("%s: %s", submitted, note)
            return {
                path.stem: path.read_text(encoding="utf-8")
                for path in sorted(prepared.folder.glob("*.py"))
                if path.stem in ALL_TOPICS
            }

    def _report(self, modules: dict[str, str], topic: str, info: dict) -> SubmissionReport:
        """Grade the numpy topics once per submission (the report is reused for its other
        notebooks while their modules are unchanged); a capstone alone."""
        key = (
            info["student"], info["assignment"], topic in CAPSTONE_TOPICS and topic,
            self.isolation, self.call_timeout, self.total_timeout, self.memory_mb,
            self.epochs_cap, _suites_fingerprint(),
        )  # fmt: skip
        cached = _GRADED.get(key)
        if cached and cached[0] == modules:
            return cached[1]
        _GRADED.clear()  # nbgrader grades one student's notebooks one after another
        with tempfile.TemporaryDirectory(prefix="deepgrade-nbgrader-") as tmp:
            folder = Path(tmp) / info["student"]
            folder.mkdir()
            for module, text in modules.items():
                (folder / f"{module}.py").write_text(text, encoding="utf-8")
            report = self._grade(folder, topic, modules, info["student"])
        _GRADED[key] = (modules, report)
        return report

    def _grade(
        self, folder: Path, topic: str, modules: dict[str, str], student: str
    ) -> SubmissionReport:
        if topic in CAPSTONE_TOPICS:
            from autograder.capstones.grade import CapstoneLimits, grade_capstones

            limits = CapstoneLimits(isolation=self.isolation)
            outcome = grade_capstones(
                folder, capstones=[topic], epochs_cap=self.epochs_cap, limits=limits,
                student=student,
            )  # fmt: skip
            return outcome.report
        from autograder.grading.engine import grade

        limits = Limits(
            call_seconds=self.call_timeout,
            total_seconds=self.total_timeout,
            memory_mb=self.memory_mb,
        )
        suites = [
            suite
            for module in TOPICS
            if module in modules
            for suite in (
                PUBLIC_TESTS / f"test_{module}.py",
                HIDDEN_SUITES / f"test_{module}_hidden.py",
            )
        ]
        return grade(
            folder, suites=suites, mode="worker", isolation=self.isolation, limits=limits,
            student=student,
        )  # fmt: skip


# The last report of this process (nbgrader's, or formgrader's server), by student,
# assignment, capstone (or False), settings and suites, with the modules it graded.
_GRADED: dict[tuple, tuple[dict[str, str], SubmissionReport]] = {}


def _suites_fingerprint() -> tuple:
    """When the tests last changed: a report is never reused across an edit of them."""
    files = [*PUBLIC_TESTS.glob("test_*.py"), *HIDDEN_SUITES.glob("*.py")]
    return tuple(sorted((f.name, f.stat().st_mtime_ns) for f in files))


def _not_a_file(folder: Path, name: str) -> str:
    """Why the submitted notebook ``folder/name`` is not graded ('' when it is a regular
    file): nbgrader has read it already, and a link could name the source notebooks."""
    try:
        mode = os.stat(folder / name, follow_symlinks=False).st_mode
    except OSError:
        return ""  # not on disk where nbgrader keeps it (a test's own resources): as given
    if stat.S_ISREG(mode):
        return ""
    return (
        f"{name} is {kind(mode)}, not the notebook itself: links are not followed, so it scored 0"
    )


def _not_ours(gid: str) -> dict:
    return {
        "output_type": "error",
        "ename": "NotGraded",
        "evalue": f"{gid!r} is not a test cell of this course: it scores 0",
        "traceback": [],
    }
