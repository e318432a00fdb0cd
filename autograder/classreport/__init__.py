"""``deepgrade report``: the class after grading, in one static page and its JSON twin.

- :mod:`~autograder.classreport.sources`: where a class's per-student reports and code are
  (a ``grade-batch`` output folder, or an nbgrader course autograded by deepgrade's step);
- :mod:`~autograder.classreport.model`: the numbers, as typed dataclasses, computed from
  those reports (the page and ``report.json`` are both written from them);
- :mod:`~autograder.classreport.similarity`: similar submissions per topic (copydetect's
  fingerprints, the stubs as boilerplate, an index that screens all pairs at once);
- :mod:`~autograder.classreport.plots` and :mod:`~autograder.classreport.render`: inline
  SVG plots (matplotlib) and the page (a Jinja2 template in ``templates/``);
- :mod:`~autograder.classreport.command`: the command's arguments and body.
"""
