"""nbgrader integration: the course's configuration, its preprocessors, in-kernel grading.

- :mod:`config`: :func:`~autograder.notebooks.config.configure`, called by the generated
  ``nbgrader_config.py``; picks the autograde mode.
- :mod:`preprocessors`: :class:`~autograder.notebooks.preprocessors.IsolatedGrading`
  (replaces nbgrader's ``Execute`` step: each notebook is graded through deepgrade's worker)
  and :class:`~autograder.notebooks.preprocessors.NamedStubs` (stubs that name the
  exercise, as in ``exercises/``).
- :mod:`kernel`: what the hidden part of a test cell runs in stock, in-kernel mode.
- :mod:`results`: a test cell's feedback and score, the same in both modes.
"""
