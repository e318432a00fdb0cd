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
            assert row["score"] == row["max_score"]
