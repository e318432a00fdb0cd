"""Capstone grading (instructors): the student's build functions run in a worker, the
trusted side validates what they return, trains the models in a clean process and scores
them. One module per job: ``probe`` (worker), ``helper`` and ``data`` (trusted data-set
work), ``jobs`` and ``job`` (the training job), ``checks``, ``graders`` (one per
capstone), ``report`` and ``grade`` (the whole run); ``calibrate`` sets the targets."""
