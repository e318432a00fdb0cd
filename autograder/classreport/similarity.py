"""Similar submissions, per topic, with the stubs as boilerplate: copydetect's fingerprints.

Each student's module of a topic is first cut down to the lines that differ from the stub
(difflib), then copydetect (MOSS's winnowing: code tokenised by Pygments, names replaced by
placeholders, hashed k-grams) fingerprints them; every fingerprint of the stub is dropped
too, so code that every student started from never counts. Comparing
every pair with copydetect one by one costs n^2 comparisons of Python sets (125,000 pairs
per topic for 500 students); instead, an index of the fingerprints two or more students
share gives every pair's count of shared fingerprints at once (a 0/1 matrix product, in
column blocks, so memory stays bounded). A pair whose shared fingerprints cover at least
``threshold`` of the smaller submission is a candidate; the most similar candidates are
then compared by copydetect itself, which finds the matching regions shown side by side.
"""

from __future__ import annotations

import difflib
import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

NOISE = 25  # copydetect's default k: matches shorter than this many filtered characters
WINDOW = 1  # keep every k-gram (copydetect's default guarantee threshold = noise)
THRESHOLD = 0.5  # share of the smaller submission's own fingerprints found in the other
# Fingerprints (one per k-gram): 50 span about 75 tokenised characters, three lines or so.
# Fewer shared is an idiom (a short function written as its docstring says), not a copy;
# a submission with fewer of its own is too little to compare.
MIN_SHARED = 50
MIN_OWN = 50
MAX_PAIRS = 30  # compared by copydetect and shown side by side (all topics together)
BLOCK = 4096  # fingerprint columns per block of the pair-count product


@dataclass
class Region:
    """Matching code: lines ``start``..``end`` (1-based, inclusive) of each file."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int


@dataclass
class SimilarPair:
    """Two submissions of one topic that share much of their own code."""

    topic: str
    student_a: str
    student_b: str
    screened: float
    """Shared fingerprints over the smaller submission's fingerprints (the ranking)."""
    shared_fingerprints: int
    similarity_a: float
    """copydetect: share of A's own code (tokens) found in B."""
    similarity_b: float
    """copydetect: share of B's own code found in A."""
    matched_tokens: int
    regions: list[Region]
    html_a: str = field(default="", repr=False, metadata={"json": False})
    """A's own code (what differs from the stub), HTML-escaped, matching regions in
    ``<mark>``; only on the page."""
    html_b: str = field(default="", repr=False, metadata={"json": False})


@dataclass
class TopicSimilarity:
    topic: str
    compared: int
    """Students whose module had enough code of their own to compare."""
    pairs_above_threshold: int


@dataclass
class SimilarityReport:
    """The similarity section: settings, what was compared, the most similar pairs."""

    computed: bool
    note: str
    threshold: float
    noise: int
    topics: list[TopicSimilarity]
    pairs: list[SimilarPair]
    """The most similar pairs above the threshold, most similar first (at most MAX_PAIRS)."""
    pairs_above_threshold: int


@dataclass
class Submission:
    """One student's module of a topic, fingerprinted: only what differs from the stub."""

    fingerprint: Any
    """copydetect's ``CodeFingerprint`` of the student's own lines."""
    lines: list[int]
    """For each of those lines, its number in the student's file."""


def own_code(code: str, stubs: list[str]) -> tuple[str, list[int]]:
    """The lines of ``code`` that are not the stub's (what the student wrote), and where each
    is in ``code``. Lexing only these is most of the speed: a module is mostly docstrings."""
    lines = code.splitlines()
    best: list[int] | None = None
    for stub in stubs or [""]:
        matcher = difflib.SequenceMatcher(None, stub.splitlines(), lines, autojunk=False)
        kept = [
            j
            for tag, _, _, j1, j2 in matcher.get_opcodes()
            if tag in ("replace", "insert")
            for j in range(j1, j2)
        ]
        if best is None or len(kept) < len(best):
            best = kept
    return "".join(lines[j] + "\n" for j in best), [j + 1 for j in best]


def _fingerprint(
    topic: str, student: str, code: str, stubs: list[str], boilerplate: set
) -> Submission:
    from copydetect import CodeFingerprint
    from copydetect.utils import get_token_coverage

    own, lines = own_code(code, stubs)
    fp = CodeFingerprint(
        f"{student}/{topic}.py", NOISE, WINDOW, language="python", fp=io.StringIO(own)
    )
    # copydetect's own boilerplate removal assumes unique hashes (np.intersect1d with
    # assume_unique) and misses repeated ones: drop every stub fingerprint here instead
    # (stub code the student moved), and count as the student's code only what is left
    fp.hashes = {h for h in fp.hashes if h not in boilerplate}
    fp.hash_idx = {h: i for h, i in fp.hash_idx.items() if h not in boilerplate}
    fp.token_coverage = get_token_coverage(fp.hash_idx, NOISE, len(fp.filtered_code))
    return Submission(fp, lines)


def _stub_hashes(topic: str, stubs: list[str]) -> set[int]:
    from copydetect import CodeFingerprint

    hashes = [
        h
        for text in stubs
        for h in CodeFingerprint(
            f"stub/{topic}.py", NOISE, 1, language="python", fp=io.StringIO(text)
        ).hashes
    ]
    return set(np.unique(np.array(hashes, dtype=np.int64)).tolist())


def shared_counts(fingerprints: list[set[int]]) -> np.ndarray:
    """``counts[i, j]``: fingerprints submissions i and j share (the diagonal: their own)."""
    n = len(fingerprints)
    holders: dict[int, list[int]] = defaultdict(list)
    for i, hashes in enumerate(fingerprints):
        for h in hashes:
            holders[h].append(i)
    counts = np.zeros((n, n), dtype=np.float64)
    counts[np.diag_indices(n)] = [len(h) for h in fingerprints]
    shared = [who for who in holders.values() if len(who) > 1]
    for start in range(0, len(shared), BLOCK):
        block = shared[start : start + BLOCK]
        matrix = np.zeros((n, len(block)), dtype=np.float32)
        for column, who in enumerate(block):
            matrix[who, column] = 1.0
        product = matrix @ matrix.T
        np.fill_diagonal(product, 0.0)
        counts += product
    return counts


def _lines(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _compare(
    topic: str, a: str, b: str, sa: Submission, sb: Submission, screened: float, shared: int
) -> SimilarPair:
    from copydetect import compare_files
    from copydetect.utils import highlight_overlap

    fa, fb = sa.fingerprint, sb.fingerprint
    tokens, (sim_a, sim_b), (slices_a, slices_b) = compare_files(fa, fb)
    count = min(slices_a.shape[1], slices_b.shape[1]) if tokens else 0

    def line(sub: Submission, offset: int) -> int:  # in the student's file
        return sub.lines[min(sub.fingerprint.raw_code.count("\n", 0, offset), len(sub.lines) - 1)]

    regions = [
        Region(
            line(sa, int(slices_a[0, i])),
            line(sa, max(int(slices_a[1, i]) - 1, 0)),
            line(sb, int(slices_b[0, i])),
            line(sb, max(int(slices_b[1, i]) - 1, 0)),
        )
        for i in range(count)
    ]
    html = {}
    for key, fp, slices in (("a", fa, slices_a), ("b", fb, slices_b)):
        html[key] = (
            highlight_overlap(fp.raw_code, slices, "<mark>", "</mark>", escape_html=True)[0]
            if tokens
            else ""
        )
    return SimilarPair(
        topic=topic,
        student_a=a,
        student_b=b,
        screened=round(screened, 4),
        shared_fingerprints=shared,
        similarity_a=round(float(sim_a), 4),
        similarity_b=round(float(sim_b), 4),
        matched_tokens=int(tokens),
        regions=regions,
        html_a=html["a"],
        html_b=html["b"],
    )


def similar_pairs(
    code: dict[str, dict[str, str]],
    boilerplate: dict[str, list[str]],
    *,
    threshold: float = THRESHOLD,
    max_pairs: int = MAX_PAIRS,
    note: str = "",
) -> SimilarityReport:
    """The most similar pairs of each topic's submissions (``code[topic][student]``)."""
    if not code:
        return SimilarityReport(False, note or "no code to compare", threshold, NOISE, [], [], 0)
    topics = []
    candidates = []  # (screened, shared, topic, a, b, fingerprint a, fingerprint b)
    for topic, sources in sorted(code.items()):
        stubs = boilerplate.get(topic, [])
        stub = _stub_hashes(topic, stubs)
        made: dict[str, Submission] = {}  # identical modules fingerprinted once
        prints = {
            s: made.get(text) or made.setdefault(text, _fingerprint(topic, s, text, stubs, stub))
            for s, text in sorted(sources.items())
        }
        prints = {s: p for s, p in prints.items() if len(p.fingerprint.hashes) >= MIN_OWN}
        students = list(prints)
        counts = shared_counts([prints[s].fingerprint.hashes for s in students])
        own = np.diag(counts).copy()
        smaller = np.minimum.outer(own, own)
        with np.errstate(divide="ignore", invalid="ignore"):
            screened = np.where(smaller > 0, counts / smaller, 0.0)
        upper = np.triu((counts >= MIN_SHARED) & (screened >= threshold), k=1)
        rows, cols = np.nonzero(upper)
        topics.append(TopicSimilarity(topic, len(students), len(rows)))
        # the topic's most similar pairs only: a class of copies has n^2 / 2 of them
        best = np.lexsort((-counts[rows, cols], -screened[rows, cols]))[:max_pairs]
        for i, j in zip(rows[best], cols[best], strict=True):
            a, b = students[i], students[j]
            candidates.append(
                (float(screened[i, j]), int(counts[i, j]), topic, a, b, prints[a], prints[b])
            )
    candidates.sort(key=lambda c: (-c[0], -c[1], c[2], c[3], c[4]))
    pairs = [_compare(t, a, b, fa, fb, s, n) for s, n, t, a, b, fa, fb in candidates[:max_pairs]]
    return SimilarityReport(
        computed=True,
        note=note,
        threshold=threshold,
        noise=NOISE,
        topics=topics,
        pairs=pairs,
        pairs_above_threshold=sum(t.pairs_above_threshold for t in topics),
    )
