"""The real-code measurement's adapters are exact: a correct student of the course, graded
through them, loses only the checks the course's API cannot express."""

from __future__ import annotations

from devtests.realcode.courses import COURSES
from devtests.realcode.measure import graded


def test_a_correct_course_student_loses_only_what_the_course_cannot_express(tmp_path):
    for name, course in COURSES.items():
        rows = graded(course, course.reference, tmp_path / name)
        assert set(rows) == set(course.calls)
        for exercise, row in rows.items():
            outside = [m for m in row["messages"] if "outside the course's API" in m]
            assert outside == row["messages"], (exercise, row["messages"])
            if not outside:
                assert row["score"] == row["max_score"], (exercise, row["output"])
        if "softmax_cross_entropy" in rows:
            row = rows["softmax_cross_entropy"]
            assert row["score"] == row["max_score"], row["output"]


def test_the_reported_tables_are_the_sums_of_the_judged_rows():
    """README and the results page report what judged.md's per-course totals say."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    judged = (root / "devtests" / "realcode" / "judged.md").read_text()
    totals = [
        [int(n) for n in m]
        for m in re.findall(
            r"Real bugs: (\d+)[^;]*; named\s+(\d+), partly (\d+), not named (\d+), wrong (\d+)",
            judged,
        )
    ]
    assert len(totals) == len(COURSES)
    bugs, named, partly, unnamed, wrong = (sum(column) for column in zip(*totals, strict=True))
    assert bugs == named + partly + unnamed + wrong
    share = round(100 * named / bugs)
    row = f"| {bugs} | {named} ({share}%) | {partly} | {unnamed} | {wrong} | 0 |"
    assert row in (root / "README.md").read_text()
    results = (root / "docs" / "results" / "index.md").read_text()
    assert f"| {bugs} | {named} ({share}%) | {partly} | {unnamed} | {wrong} | 0 |" in results
