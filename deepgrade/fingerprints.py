"""Catalogued mistakes recognised at home: fingerprints of their outputs on the public inputs.

The grader names a mistake by computing, on its side, what each catalogued mistake would
return for the input of a failed check (:class:`deepgrade.evidence.Mistake`). A student's
machine has neither the catalogue nor the reference, but the public tests' inputs are
fixed: the release builder runs every catalogued mistake on them once and ships, for each
public check, a *digest* of each mistake's output (its values rounded, then hashed), never
the values. A failed public check looks up the digest of the student's output: the
mistakes whose digest it equals reproduce it, the others tried on that input are ruled
out, and the evidence reads exactly as the grader's (``compared``), so
:func:`deepgrade.evidence.likely_mistake` names the same mistake by the same rule. A check
also lists the mistakes whose output there differs from the expected one in at least
:data:`DECISIVE_VALUES` distinct values that are no simple numbers (:func:`decisive`): a
match of such an output is no coincidence, so that one public check is enough to name it
(a public test has fewer inputs than the grader's, and stops at its first failed check).

A digest says only "this output equals that mistake's output on this public input": it
holds no expected value of any input, and the expected values of the public inputs are in
the public tests anyway. The table is data of the kit (:data:`TABLE_PATH`), written by
``autograder.builders.mistake_fingerprints`` into a release; the instructors' repository
has none, so the grader never reads it.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from deepgrade.evidence import as_numbers

TABLE_PATH = Path(__file__).with_name("mistake_fingerprints.json")
TABLE_NAME = "deepgrade/mistake_fingerprints.json"  # its path in a release
VERSION = 2
DECISIVE_VALUES = 2
# Rounding before hashing: values equal to about 8 significant digits hash alike (a
# student's loop and the catalogue's vectorised code differ in the last bits), and values
# below ZERO are 0 (a sum that should cancel leaves 1e-17).
MANTISSA_BITS = 26
ZERO = 1e-9
DIGEST_CHARS = 16


def digest(value: Any) -> str | None:
    """The rounded values of ``value`` (and their shape), hashed; None if not numbers."""
    values = as_numbers(value)
    if values is None:
        return None
    with np.errstate(all="ignore"):
        values = np.where(np.abs(values) < ZERO, 0.0, values) + 0.0  # -0.0 is 0.0
        mantissa, exponent = np.frexp(values)
        scaled = np.round(mantissa * 2.0**MANTISSA_BITS)
    # NaN and +-inf get codes of their own (frexp leaves them as they are)
    codes = np.where(
        np.isnan(scaled), 2.0**40, np.where(np.isinf(scaled), np.sign(scaled) * 2.0**41, scaled)
    )
    exponent = np.where(np.isfinite(scaled), exponent, 0)
    hashed = hashlib.sha256(repr(values.shape).encode())
    hashed.update(np.ascontiguousarray(codes, dtype=np.int64).tobytes())
    hashed.update(np.ascontiguousarray(exponent, dtype=np.int64).tobytes())
    return hashed.hexdigest()[:DIGEST_CHARS]


def check_key(what: str, expected: Any) -> str | None:
    """Which public check this is: its description of the call and its expected values."""
    expected_digest = digest(expected)
    if expected_digest is None:
        return None
    return hashlib.sha256(f"{what}\0{expected_digest}".encode()).hexdigest()[:DIGEST_CHARS]


@functools.cache
def table() -> dict:
    """The shipped table, or an empty one (the instructors' repository, an old release)."""
    try:
        data = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data.get("checks", {}) if data.get("version") == VERSION else {}


def fingerprinted(what: str, expected: Any, got: Any) -> dict | None:
    """``compared`` evidence for a failed check whose mistakes were fingerprinted, else None."""
    checks = table()
    if not checks:
        return None
    key = check_key(what, expected)
    entry = checks.get(key) if key else None
    mine = digest(got)
    if not entry or mine is None:
        return None
    matched = entry["outputs"].get(mine, [])
    names = {name for name, _ in matched}
    item = {
        "kind": "compared",
        "input": f"{key}:fingerprints",
        "matched": [list(pair) for pair in matched],
        "ruled_out": [name for name in entry["tried"] if name not in names],
    }
    if len(names) == 1 and names <= set(entry.get("decisive", [])):
        item["decisive"] = True
    return item


def decisive(output: Any, expected: Any) -> bool:
    """Whether a mistake's ``output`` differs from ``expected`` in :data:`DECISIVE_VALUES`
    distinct values that are not multiples of 1/2, or in one more distinct values of any kind
    (every value counts when the shapes differ): sizes, counts and 0/1 patterns coincide
    easily; 0.4581453 does not."""
    mine, right = as_numbers(output), as_numbers(expected)
    if mine is None or right is None:
        return False
    if mine.shape != right.shape:
        values = mine.ravel()
    else:
        with np.errstate(invalid="ignore"):
            values = mine[~np.isclose(mine, right, rtol=1e-7, atol=ZERO, equal_nan=True)]
    values = values[np.isfinite(values)]
    generic = values[np.abs(values * 2 - np.round(values * 2)) > 1e-6]
    distinct = np.unique(values).size
    return np.unique(generic).size >= DECISIVE_VALUES or distinct > DECISIVE_VALUES
