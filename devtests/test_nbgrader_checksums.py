"""``nbgrader autograde`` stays quiet about the test cells a student never touched.

The course's test cells hold hidden tests that the student's copy lacks, so stock
nbgrader's ``OverwriteCells`` warns "checksum has changed" for each (26 per student).
The course's step restores such a cell silently; an edited locked cell is still reported.
Checked on the course's own generated cells, against a gradebook entry as nbgrader
stores it (``compute_checksum`` of the source cell).
"""

from __future__ import annotations

import functools
import json
import logging
from types import SimpleNamespace

import pytest
from nbformat import from_dict
from nbgrader.preprocessors import ClearHiddenTests
from nbgrader.utils import compute_checksum, is_locked

from autograder.builders import nbgrader
from autograder.notebooks.preprocessors import OverwriteUntouchedCells

WARNING = "Attribute 'checksum' for cell"


@functools.cache
def _hidden_test_cells() -> tuple[str, ...]:
    """The generated source notebooks' test cells that hold hidden tests (JSON, built once)."""
    cells = []
    for path, text in sorted(nbgrader.course_files().items()):
        if path.endswith(".ipynb"):
            for cell in json.loads(text)["cells"]:
                cell["source"] = "".join(cell["source"])
                if nbgrader.BEGIN_HIDDEN in cell["source"]:
                    cells.append(json.dumps(cell))
    return tuple(cells)


def hidden_test_cells() -> list:
    return [from_dict(json.loads(cell)) for cell in _hidden_test_cells()]


class Gradebook:
    """The gradebook's view of one source cell, as nbgrader's OverwriteCells reads it."""

    def __init__(self, source):
        self.source = source

    def find_source_cell(self, grade_id, notebook, assignment):
        cell = self.source
        return SimpleNamespace(name=grade_id, cell_type=cell.cell_type, source=cell.source,
                               locked=is_locked(cell), checksum=compute_checksum(cell))  # fmt: skip

    def find_graded_cell(self, grade_id, notebook, assignment):
        return SimpleNamespace(max_score=self.source.metadata.nbgrader["points"])


def overwrite(source, submitted, caplog) -> list[str]:
    step = OverwriteUntouchedCells()
    step.gradebook, step.notebook_id, step.assignment_id = Gradebook(source), "nb", "a"
    step.log = logging.getLogger("nbgrader-test")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="nbgrader-test"):
        step.preprocess_cell(submitted, {}, 0)
    assert submitted.source == source.source  # restored either way
    return [r.getMessage() for r in caplog.records]


def released(cell):
    copy = from_dict(json.loads(json.dumps(cell)))
    ClearHiddenTests()._remove_hidden_test_region(copy)
    return copy


def test_the_course_has_one_hidden_test_cell_per_exercise():
    from deepgrade.catalog import EXERCISES

    assert len(hidden_test_cells()) >= len(EXERCISES)


@pytest.mark.parametrize("cell", hidden_test_cells()[:3] + hidden_test_cells()[-3:])
def test_an_untouched_test_cell_is_restored_without_a_warning(cell, caplog):
    assert overwrite(cell, released(cell), caplog) == []


def test_an_edited_locked_cell_is_still_reported(caplog):
    cell = hidden_test_cells()[0]
    tampered = released(cell)
    tampered.source += "\nassert True  # the student's line\n"
    messages = overwrite(cell, tampered, caplog)
    assert any(WARNING in m for m in messages), messages


def test_stock_nbgrader_warns_for_the_same_untouched_cell(caplog):
    """The warning this step removes is real: nbgrader's own step gives it."""
    from nbgrader.preprocessors import OverwriteCells

    cell = hidden_test_cells()[0]
    step = OverwriteCells()
    step.gradebook, step.notebook_id, step.assignment_id = Gradebook(cell), "nb", "a"
    step.log = logging.getLogger("nbgrader-test")
    with caplog.at_level(logging.WARNING, logger="nbgrader-test"):
        step.preprocess_cell(released(cell), {}, 0)
    assert any(WARNING in r.getMessage() for r in caplog.records)
