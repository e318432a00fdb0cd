"""The class report's numbers, as typed dataclasses, computed from the per-student reports.

The page and ``report.json`` are both written from a :class:`ClassReport`, so they cannot
disagree. Shares are of the whole class (every student with a report), counts are of
students; statistics of the totals use numpy's default (linear) quantiles.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, fields, is_dataclass

import numpy as np

from autograder.classreport.similarity import SimilarityReport
from autograder.classreport.sources import ClassInput
from autograder.grading.engine import STATUSES, SubmissionReport
from deepgrade.catalog import BY_NAME

HISTOGRAM_BINS = 10
NAMED = re.compile(r"(?:Likely mistake|Mistake) \((.+?)\): ")
FIRST_LINES = 3  # of a note, in the list of failures that need a human


@dataclass
class Totals:
    """The distribution of the students' total scores."""

    max_score: float
    """The most a student can score."""
    mean: float
    median: float
    q1: float
    """First quartile (25th percentile, linear interpolation)."""
    q3: float
    """Third quartile (75th percentile)."""
    minimum: float
    maximum: float
    bin_edges: list[float]
    """The histogram's bin edges, from 0 to ``max_score``."""
    counts: list[int]
    """Students per bin (the last bin includes ``max_score``)."""


@dataclass
class StudentHint:
    """One student who made a mistake, and the words they read about it."""

    student: str
    hint: str


@dataclass
class MistakeSummary:
    """A named mistake of one exercise and who made it."""

    name: str
    """The catalogued mistake's name (or, when none is named, the headline itself)."""
    hint: str
    """What most of the students who made it read (the exercise's likely mistake)."""
    count: int
    """Students whose likely mistake this was."""
    share: float
    """``count`` over the class."""
    students: list[StudentHint]


@dataclass
class ExerciseSummary:
    """How the class did on one exercise."""

    number: str
    name: str
    label: str
    max_score: float
    mean: float
    """Mean points over the class."""
    full: int
    """Students with full marks."""
    partial: int
    """Students with some but not all points."""
    zero: int
    """Students with no points (not attempted included)."""
    not_attempted: int
    """Students whose stub still raises "not implemented yet"."""
    share_full: float
    share_not_attempted: float
    points_lost: float
    """Points the class lost on it: the sum of (max - score); the page's order."""
    mistakes: list[MistakeSummary]
    """Named mistakes, most common first."""
    score_counts: dict[str, int]
    """Students per score (as text, e.g. ``"2.5"``): the points distribution."""


@dataclass
class NeedsHuman:
    """A submission a person should look at: grading did not complete normally."""

    student: str
    status: str
    """``timed out``, ``crashed``, ``could not import`` or ``no report``."""
    reason: str
    """Its notes (first lines), or why its report could not be read."""
    log: str
    """The path of its ``log.txt``, when grading left one."""


@dataclass
class ClassReport:
    """Everything the page shows; ``to_dict()`` is ``report.json``."""

    source: str
    """``grade-batch`` or ``nbgrader``."""
    folder: str
    students: int
    """Students with a report or listed in the gradebook."""
    statuses: dict[str, int]
    """Students per status, every status listed (``no report``: unreadable)."""
    isolation: dict[str, int]
    """Students per isolation level that graded them."""
    numpy: dict[str, int]
    """Students per numpy version their code ran with."""
    totals: Totals
    exercises: list[ExerciseSummary]
    """Ordered by points lost, most first: what to re-teach."""
    needs_human: list[NeedsHuman]
    similarity: SimilarityReport
    gradebook_mismatches: list[str] = field(default_factory=list)
    """Students whose gradebook row disagrees with their report (should be none)."""

    def to_dict(self) -> dict:
        return plain(self)


def plain(value):
    """Dataclasses as JSON-ready dicts, less the fields marked ``metadata={"json": False}``
    (the page's highlighted code)."""
    if is_dataclass(value):
        return {
            f.name: plain(getattr(value, f.name))
            for f in fields(value)
            if f.metadata.get("json", True)
        }
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def totals(scores: list[float], max_score: float) -> Totals:
    values = np.asarray(scores or [0.0], dtype=np.float64)
    edges = np.linspace(0.0, max_score or 1.0, HISTOGRAM_BINS + 1)  # no report: 0 points
    counts, _ = np.histogram(values, bins=edges)
    q1, median, q3 = (float(v) for v in np.percentile(values, [25, 50, 75]))
    return Totals(
        max_score=float(max_score),
        mean=round(float(values.mean()), 4),
        median=round(median, 4),
        q1=round(q1, 4),
        q3=round(q3, 4),
        minimum=float(values.min()),
        maximum=float(values.max()),
        bin_edges=[round(float(e), 4) for e in edges],
        counts=[int(c) for c in counts],
    )


def not_attempted(row: dict) -> bool:
    """The exercise's stub still raises its own NotImplementedError in some check."""
    entry = BY_NAME.get(row["name"])
    if entry is None or row["score"] > 0:
        return False
    marker = f"NotImplementedError: {entry.not_implemented}"
    return any(marker in failure for failure in row["failures"])


def mistake_name(hint: str) -> str:
    """The name in a likely mistake's words (``Likely mistake (NAME): ...``, ``Mistake
    (NAME): ...``, see :func:`deepgrade.evidence.likely_mistake`); the dependency headline
    (``Likely cause: ...``) is one name, whichever exercise it blames."""
    named = NAMED.match(hint)
    if named:
        return named.group(1)
    if hint.startswith("Likely cause:"):
        return "calls a failing exercise"
    return hint.splitlines()[0]


def exercise_summaries(reports: dict[str, SubmissionReport], size: int) -> list[ExerciseSummary]:
    rows: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    for student, report in sorted(reports.items()):
        for row in report.exercises:
            rows[row["name"]].append((student, row))
    summaries = []
    for name, entries in rows.items():
        first = entries[0][1]
        max_score = float(first["max_score"])
        scores = [float(row["score"]) for _, row in entries]
        made: dict[str, list[StudentHint]] = defaultdict(list)
        for student, row in entries:
            hint = row.get("likely_mistake") or ""
            if hint and row["score"] < row["max_score"]:
                made[mistake_name(hint)].append(StudentHint(student, hint))
        mistakes = [
            MistakeSummary(
                name=named,
                hint=Counter(h.hint for h in who).most_common(1)[0][0],
                count=len(who),
                share=round(len(who) / size, 4),
                students=who,
            )
            for named, who in made.items()
        ]
        mistakes.sort(key=lambda m: (-m.count, m.name))
        full = sum(s >= max_score for s in scores)
        zero = sum(s == 0 for s in scores)
        skipped = sum(not_attempted(row) for _, row in entries)
        summaries.append(
            ExerciseSummary(
                number=first["number"],
                name=name,
                label=first["label"],
                max_score=max_score,
                mean=round(sum(scores) / size, 4),
                full=full,
                partial=len(scores) - full - zero,
                zero=zero,
                not_attempted=skipped,
                share_full=round(full / size, 4),
                share_not_attempted=round(skipped / size, 4),
                points_lost=round(sum(max_score - s for s in scores), 4),
                mistakes=mistakes,
                score_counts=dict(Counter(f"{round(s, 2):g}" for s in sorted(scores))),
            )
        )
    summaries.sort(key=lambda e: (-e.points_lost, e.number))
    return summaries


def needs_human(data: ClassInput) -> list[NeedsHuman]:
    found = []
    for student, report in sorted(data.reports.items()):
        if report.status == "graded":
            continue
        lines = [line for note in report.notes for line in note.splitlines()[:FIRST_LINES]]
        log = data.where / student / "log.txt"
        found.append(
            NeedsHuman(
                student=student,
                status=report.status,
                reason="\n".join(lines) or "no note",
                log=str(log) if log.is_file() else "",
            )
        )
    for student, why in sorted(data.unreadable.items()):
        found.append(NeedsHuman(student=student, status="no report", reason=why, log=""))
    return found


def gradebook_mismatches(data: ClassInput) -> list[str]:
    """Students whose gradebook row does not say what their report says."""
    wrong = []
    for student, row in sorted(data.gradebook.items()):
        report = data.reports.get(student)
        if report is None:
            continue
        try:
            same = (
                row.get("status") == report.status
                and abs(float(row.get("total") or "nan") - report.score) < 1e-6
            )
        except ValueError:
            same = False
        if not same:
            wrong.append(student)
    return wrong


def build(data: ClassInput, similarity: SimilarityReport) -> ClassReport:
    """The class report of ``data``, with its (separately computed) similarity section."""
    reports = data.reports
    size = max(1, len(reports))
    statuses = {status: 0 for status in (*STATUSES, "no report")}
    for report in reports.values():
        statuses[report.status] = statuses.get(report.status, 0) + 1
    statuses["no report"] = len(data.unreadable)
    max_score = max((r.max_score for r in reports.values()), default=0)
    return ClassReport(
        source=data.kind,
        folder=str(data.where),
        students=len(reports) + len(data.unreadable),
        statuses=statuses,
        isolation=dict(Counter(r.isolation for r in reports.values()).most_common()),
        numpy=dict(Counter(r.numpy or "unknown" for r in reports.values()).most_common()),
        totals=totals([r.score for r in reports.values()], max_score),
        exercises=exercise_summaries(reports, size),
        needs_human=needs_human(data),
        similarity=similarity,
        gradebook_mismatches=gradebook_mismatches(data),
    )
