"""Similar submissions, per topic, with the stubs as boilerplate: copydetect's fingerprints.

copydetect (MOSS's winnowing: code tokenised by Pygments, names replaced by placeholders,
hashed k-grams) fingerprints each student's module of a topic; every fingerprint of the
topic's stub is dropped, so code that every student started from never counts. Comparing
every pair with copydetect one by one costs n^2 comparisons of Python sets (125,000 pairs
per topic for 500 students); instead, an index of the fingerprints two or more students
share gives every pair's count of shared fingerprints at once (a 0/1 matrix product, in
column blocks, so memory stays bounded). A pair whose shared fingerprints cover at least
``threshold`` of the smaller submission is a candidate; the most similar candidates are
then compared by copydetect itself, which finds the matching regions shown side by side.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field

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
CONTEXT_LINES = 3  # unmatched lines kept around each matching region


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
    """A's code, HTML-escaped, matching regions in ``<mark>``; only on the page."""
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


def _fingerprint(topic: str, student: str, code: str, boilerplate: np.ndarray):
    from copydetect import CodeFingerprint
    from copydetect.utils import get_token_coverage

    fp = CodeFingerprint(f"{student}/{topic}.py", NOISE, WINDOW, fp=io.StringIO(code))
    # copydetect's own boilerplate removal assumes unique hashes (np.intersect1d with
    # assume_unique) and misses repeated ones: drop every stub fingerprint here instead,
    # and count as the student's code only what is left
    stub = set(boilerplate.tolist())
    fp.hashes = {h for h in fp.hashes if h not in stub}
    fp.hash_idx = {h: i for h, i in fp.hash_idx.items() if h not in stub}
    fp.token_coverage = get_token_coverage(fp.hash_idx, NOISE, len(fp.filtered_code))
    return fp


def _stub_hashes(topic: str, stubs: list[str]) -> np.ndarray:
    from copydetect import CodeFingerprint

    hashes = [
        h
        for text in stubs
        for h in CodeFingerprint(f"stub/{topic}.py", NOISE, 1, fp=io.StringIO(text)).hashes
    ]
    return np.unique(np.array(hashes, dtype=np.int64))


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


def _compare(topic: str, a: str, b: str, fa, fb, screened: float, shared: int) -> SimilarPair:
    from copydetect import compare_files
    from copydetect.utils import highlight_overlap

    tokens, (sim_a, sim_b), (slices_a, slices_b) = compare_files(fa, fb)
    regions = [
        Region(
            _lines(fa.raw_code, int(slices_a[0, i])),
            _lines(fa.raw_code, max(int(slices_a[1, i]) - 1, 0)),
            _lines(fb.raw_code, int(slices_b[0, i])),
            _lines(fb.raw_code, max(int(slices_b[1, i]) - 1, 0)),
        )
        for i in range(min(slices_a.shape[1], slices_b.shape[1]) if tokens else 0)
    ]
    html = {}
    for key, fp, slices in (("a", fa, slices_a), ("b", fb, slices_b)):
        if tokens:
            html[key], _ = highlight_overlap(
                fp.raw_code, slices, "<mark>", "</mark>", truncate=CONTEXT_LINES, escape_html=True
            )
        else:
            html[key] = ""
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
        stub = _stub_hashes(topic, boilerplate.get(topic, []))
        made: dict[str, object] = {}  # identical modules (untouched copies) fingerprinted once
        prints = {
            s: made.get(text) or made.setdefault(text, _fingerprint(topic, s, text, stub))
            for s, text in sorted(sources.items())
        }
        prints = {s: fp for s, fp in prints.items() if len(fp.hashes) >= MIN_OWN}
        students = list(prints)
        counts = shared_counts([prints[s].hashes for s in students])
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
