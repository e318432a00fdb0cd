"""deepgrade's student kit: what a student's machine needs to check and train.

The exercise catalogue, the implementation loader, feedback, the slides' worked examples,
scoring of the public tests, the pytest plugin, ``deepgrade check`` and ``deepgrade
train``. It imports nothing of the instructor side (``autograder``, ``solutions``): an
import contract in ``setup.cfg`` (import-linter) keeps that line.
"""
