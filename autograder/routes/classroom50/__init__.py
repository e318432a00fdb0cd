"""Classroom 50 (CS50's successor to GitHub Classroom, on GitHub Actions): the route.

``build`` writes what a teacher commits to the ``classroom50`` configuration repository;
``run`` is what grades a submission there. The contract, as Classroom 50 documents it
(foundation50/classroom50, wiki page *Advanced Autograding*, sections "Writing an
``autograder.py``", "Contract" and "The ``result.json`` contract"; and its
``.github/scripts/runner.py``, ``run_entrypoint`` and ``finalize_result``):

- **Where**: ``CLASSROOM/autograders/ASSIGNMENT/autograder.py``, one assignment's
  autograder; "anything else under ``CLASSROOM/autograders/ASSIGNMENT/`` is bundled and
  lives at ``Path(__file__).parent``" (published as a tarball on the repository's Pages
  site, at most 10 MB, and fetched by the runner for every submission).
- **How it runs**: ``[sys.executable, autograder.py]``, with the working directory "the
  student's checkout" and the environment variables ``CLASSROOM``, ``ASSIGNMENT``,
  ``SUBMISSION_TAG``, ``COMMIT_URL``, ``RELEASE_URL``, ``REVIEW_URL``, ``USERNAME``/``OWNER``,
  ``ASSIGNMENT_TYPE``, ``CLASSROOM50_BUNDLE_DIR`` and all of ``GITHUB_*``. The grade job
  stops after 15 minutes.
- **What it leaves**: ``./result.json`` (required) and ``./release-body.md`` (optional, the
  submission Release's text, also shown on the job's summary page). "Exit **0** if it ran
  end-to-end (pass/fail is in ``result.json``); a **non-zero** exit is an infrastructure
  error" (the runner then records ``status=error`` and publishes no Release).
- **result.json**, ``classroom50/result/v1``: ``schema`` (exactly that string),
  ``classroom``, ``assignment``, ``submission`` (the ``submit/...`` tag), ``commit``,
  ``release``, ``review`` (URLs), ``datetime`` (UTC ``YYYY-MM-DDTHH:MM:SSZ``), ``score`` and
  ``max-score`` ("int", the sums of the tests'), ``tests``: objects with ``test-name``,
  ``passed`` (bool), ``score`` and ``max-score`` (non-negative ints, score at most
  max-score); "Extra diagnostic fields on a test are preserved verbatim". The runner
  stamps ``owner``, ``assignment_type``, ``datetime`` (the commit's date), ``graded_at``
  and ``submitted_by`` itself, overwriting what an autograder wrote.

Scores are whole numbers in that contract, deepgrade's are not (an exercise's points are
shared among its checks): :func:`autograder.routes.classroom50.run.whole_points` says how
they are rounded, and every test also carries its exact ``points``.
"""
