"""Hidden suites (instructors only): the tests that decide the grade.

Ordinary pytest files, ``test_<topic>_hidden.py``. Each test names its exercise
(``@pytest.mark.exercise``) and its share of the exercise's points
(``@pytest.mark.points``); ``impl`` is the submission (through its worker when grading),
expected values come from the reference solutions, imported here on the trusted side, and
``mistakes_<topic>.py`` say what catalogued mistakes would output, so feedback can name
them. Nothing here is shipped to students.
"""
