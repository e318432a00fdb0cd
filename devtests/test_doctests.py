"""Every docstring example in solutions/ runs and gives what it shows."""

from __future__ import annotations

import doctest
import importlib

import pytest

from deepgrade.catalog import BY_NAME, TOPICS


@pytest.mark.parametrize("topic", list(TOPICS))
def test_docstring_examples_of_the_reference(topic):
    module = importlib.import_module(f"solutions.{topic}")
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    tested = set()
    for test in finder.find(module):
        if test.examples:
            tested.add(test.name.rsplit(".", 1)[-1])
            runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, (
        f"{results.failed} docstring example(s) of solutions/{topic}.py fail"
    )
    without = sorted(n for n, e in BY_NAME.items() if e.module == topic and n not in tested)
    assert without == [], f"exercises without a docstring example: {without}"
