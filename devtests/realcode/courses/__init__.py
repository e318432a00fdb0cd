"""The courses whose students' code is measured: one module per course (its adapter, its
correct student, where its files live); adding a course is a module and a line here."""

from devtests.realcode.adapters import Course
from devtests.realcode.courses.cmu11785 import CMU11785
from devtests.realcode.courses.cs231n import CS231N
from devtests.realcode.courses.dlai import DLAI

COURSES: dict[str, Course] = {course.name: course for course in (CS231N, CMU11785, DLAI)}
