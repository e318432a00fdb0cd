"""``deepgrade report``: the class page and its JSON twin, checked against the raw results.

A generated grade-batch folder (written by grade-batch's own writers: ``record`` and
``write_gradebook``) holds a seeded class: every status, exercises not attempted, partial
credit, catalogued mistakes with their evidence, one unreadable report. The test computes
every number again from ``gradebook.csv`` and the per-student ``report.json`` files, with
the standard library, and compares with ``report.json`` and with what the page shows. The
similarity tests use a class of pooling modules with planted copies
(``devtests/class_students.py``). The page is also opened in Debian's Chromium, and so is
the demo class's page, whose screenshot ``DEEPGRADE_WRITE_PICTURES=1`` saves as
docs/assets/class-report.png (the docs' picture).
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
import shutil
import statistics
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from autograder.classreport import command, model, similarity, sources
from deepgrade.catalog import EXERCISES
from deepgrade.paths import PROJECT_ROOT
from devtests.class_students import (
    CAUSE,
    FIELDS,
    MISTAKES,
    PLANTED,
    POOLS,
    make_batch,
    pooling_class,
    student_report,
)
from devtests.commands import DEEPGRADE

pytest.importorskip("copydetect", reason="needs the 'report' extra")

PICTURE = PROJECT_ROOT / "docs" / "assets" / "class-report.png"


def expected_numbers(folder: Path) -> dict:
    """Every number of the report, computed from gradebook.csv and the raw report.json files."""
    with (folder / "gradebook.csv").open(newline="", encoding="utf-8") as f:
        gradebook = list(csv.DictReader(f))
    raw = {}
    for row in gradebook:
        try:
            raw[row["student"]] = json.loads((folder / row["student"] / "report.json").read_text())
        except ValueError:
            continue
    graded_rows = [r for r in gradebook if r["student"] in raw]
    totals = [float(r["total"]) for r in graded_rows]
    q1, median, q3 = statistics.quantiles(totals, n=4, method="inclusive")
    size = len(raw)
    per = {}
    for e in EXERCISES:
        scores = [float(r[e.number]) for r in graded_rows]
        rows = [next(x for x in doc["report"]["exercises"] if x["name"] == e.name)
                for doc in raw.values()]  # fmt: skip
        stub = f"NotImplementedError: {e.not_implemented}"
        hints = Counter(x["likely_mistake"] for x in rows if x.get("likely_mistake"))
        per[e.name] = {
            "full": sum(s == e.points for s in scores),
            "not_attempted": sum(any(stub in f for f in x["failures"]) for x in rows),
            "points_lost": sum(e.points - s for s in scores),
            "mean": sum(scores) / size,
            "mistakes": {h: (n, round(n / size, 4)) for h, n in hints.items()},
        }
    return {
        "students": len(gradebook),
        "statuses": Counter(r["status"] for r in graded_rows),
        "unreadable": len(gradebook) - size,
        "mean": statistics.mean(totals), "median": median, "q1": q1, "q3": q3,
        "size": size,
        "exercises": per,
        "needs_human": {r["student"] for r in gradebook if r["status"] != "graded"}
        | {r["student"] for r in gradebook if r["student"] not in raw},
    }  # fmt: skip


class Page(HTMLParser):
    """What the page shows, as text: statuses, the totals, each exercise's row, the mistakes."""

    def __init__(self, text: str):
        super().__init__()
        self.statuses: dict[str, str] = {}
        self.totals: dict[str, str] = {}
        self.rows: dict[str, dict[str, str]] = {}
        self.mistakes: list[dict[str, str]] = []
        self._row: str | None = None
        self._open: tuple[dict, str, str] | None = None  # (where, key, tag)
        self._text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-exercise" in attrs:
            self._row = attrs["data-exercise"]
            self.rows[self._row] = {}
        if tag == "li" and attrs.get("class") == "mistake":
            self.mistakes.append({"exercise": attrs["data-exercise"]})
        if "data-status" in attrs:
            self._open, self._text = (self.statuses, attrs["data-status"], tag), []
        elif "data-key" in attrs and self._open is None:
            key = attrs["data-key"]
            if self._row is not None:
                where = self.rows[self._row]
            elif key in ("name", "count", "share"):
                where = self.mistakes[-1]
            else:
                where = self.totals
            self._open, self._text = (where, key, tag), []

    def handle_endtag(self, tag):
        if self._open is not None and tag == self._open[2]:
            where, key, _ = self._open
            where[key] = " ".join("".join(self._text).split())
            self._open = None
        if tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._open is not None:
            self._text.append(data)


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> dict:
    names = [*sorted(pooling_class()), *(f"s{i:02d}" for i in range(31))]
    root = make_batch(tmp_path_factory.mktemp("class") / "graded", names=names)
    submissions = tmp_path_factory.mktemp("submissions")
    for student, text in pooling_class().items():  # code for similarity, by student name
        (submissions / student).mkdir()
        (submissions / student / "pooling.py").write_text(text, encoding="utf-8")
    page = root / "class-report.html"
    proc = subprocess.run([*DEEPGRADE, "report", str(root), "--output", str(page)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {"root": root, "page": page, "json": json.loads(page.with_suffix(".json").read_text()),
            "out": proc.stdout, "submissions": submissions}  # fmt: skip


def test_the_twin_holds_the_numbers_of_the_gradebook_and_reports(batch):
    want, got = expected_numbers(batch["root"]), batch["json"]
    assert got["students"] == want["students"]
    assert got["statuses"]["no report"] == want["unreadable"] == 1
    for status, count in want["statuses"].items():
        assert got["statuses"][status] == count, status
    for key in ("mean", "median", "q1", "q3"):
        assert got["totals"][key] == pytest.approx(want[key], abs=1e-4), key
    assert sum(got["totals"]["counts"]) == want["size"]
    assert got["isolation"] == {"bwrap": want["size"]} and got["numpy"] == {"2.4.6": want["size"]}
    lost = [e["points_lost"] for e in got["exercises"]]
    assert lost == sorted(lost, reverse=True)  # what to re-teach first
    for e in got["exercises"]:
        expected = want["exercises"][e["name"]]
        assert e["full"] == expected["full"], e["name"]
        assert e["not_attempted"] == expected["not_attempted"], e["name"]
        assert e["points_lost"] == pytest.approx(expected["points_lost"]), e["name"]
        assert e["mean"] == pytest.approx(expected["mean"], abs=1e-4), e["name"]
        assert e["share_full"] == pytest.approx(expected["full"] / want["size"], abs=1e-4)
        mistakes = {m["hint"]: (m["count"], m["share"]) for m in e["mistakes"]}
        assert mistakes == expected["mistakes"], e["name"]
        for m in e["mistakes"]:  # the name in the words students read
            if m["hint"].startswith(CAUSE):
                assert m["name"] == "calls a failing exercise"
            else:
                assert (m["name"], m["hint"]) in MISTAKES[e["name"]]
            assert len(m["students"]) == m["count"]
    assert {f["student"] for f in got["needs_human"]} == want["needs_human"]
    unreadable = next(f for f in got["needs_human"] if f["status"] == "no report")
    assert "not JSON" in unreadable["reason"]
    crashed = [f for f in got["needs_human"] if f["status"] == "crashed"]
    assert crashed and all(f["log"].endswith("log.txt") for f in crashed)
    assert got["gradebook_mismatches"] == []


def test_the_page_shows_the_numbers_of_the_twin(batch):
    page, got = Page(batch["page"].read_text(encoding="utf-8")), batch["json"]
    for status, count in got["statuses"].items():
        assert page.statuses[status].startswith(str(count)), status
    for key in ("mean", "median", "q1", "q3"):
        assert page.totals[key] == f"{round(got['totals'][key], 2):g}", key
    assert list(page.rows) == [e["name"] for e in got["exercises"]]
    for e in got["exercises"]:
        row = page.rows[e["name"]]
        assert row["share_full"] == f"{100 * e['share_full']:.1f}%"
        assert row["share_not_attempted"] == f"{100 * e['share_not_attempted']:.1f}%"
        assert row["points_lost"] == f"{round(e['points_lost'], 2):g}"
    shown = [(m["exercise"], m["name"], m["count"], m["share"]) for m in page.mistakes]
    expected = [(e["name"], m["name"], str(m["count"]), f"{100 * m['share']:.1f}%")
                for e in got["exercises"] for m in e["mistakes"]]  # fmt: skip
    assert shown == expected
    text = batch["page"].read_text(encoding="utf-8")
    assert "<script" not in text and "<link" not in text and "@import" not in text
    assert not re.search(r"(?:src|href)=[\"']?(?:https?:)?//", text)  # nothing loaded from afar
    assert text.count("<svg") == 2


def test_planted_copies_top_the_list_and_honest_students_are_not_flagged():
    found = similarity.similar_pairs({"pooling": pooling_class()}, sources.stubs())
    pairs = [{p.student_a, p.student_b} for p in found.pairs]
    assert sorted(map(sorted, pairs[:2])) == sorted(map(sorted, PLANTED))
    assert pairs == pairs[:2], f"honest students flagged: {pairs[2:]}"
    assert found.pairs_above_threshold == 2
    for pair in found.pairs:
        assert pair.regions and "<mark>" in pair.html_a and "<mark>" in pair.html_b
        assert max(pair.similarity_a, pair.similarity_b) > similarity.THRESHOLD
    renamed = next(p for p in found.pairs if {p.student_a, p.student_b} == {"ana", "bob"})
    assert min(renamed.similarity_a, renamed.similarity_b) > 0.9  # names do not hide a copy
    ana = pooling_class()[renamed.student_a].splitlines()  # regions: lines of the file
    own = POOLS["loops"] + FIELDS["named"]
    for region in renamed.regions:
        assert all(ana[n - 1] in own for n in (region.a_start, region.a_end))
    (topic,) = found.topics
    assert topic.compared == len(pooling_class()) - 2  # blank and tiny: too little of their own


def test_without_the_stubs_as_boilerplate_every_student_looks_alike():
    found = similarity.similar_pairs({"pooling": pooling_class()}, {}, max_pairs=100)
    assert found.pairs_above_threshold > 10  # the docstrings every student received


def test_shared_counts_equal_set_intersections(monkeypatch):
    monkeypatch.setattr(similarity, "BLOCK", 7)  # several blocks
    rng = random.Random(1)
    prints = [set(rng.sample(range(200), rng.randrange(0, 60))) for _ in range(12)]
    counts = similarity.shared_counts(prints)
    for i, a in enumerate(prints):
        for j, b in enumerate(prints):
            assert counts[i, j] == len(a & b), (i, j)


def test_the_command_compares_the_submissions_it_is_given(batch, tmp_path):
    page = tmp_path / "with-code.html"
    proc = subprocess.run([*DEEPGRADE, "report", str(batch["root"]), "--output", str(page),
                           "--submissions", str(batch["submissions"])],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    got = json.loads(page.with_suffix(".json").read_text())["similarity"]
    assert got["computed"]
    pairs = sorted(sorted([p["student_a"], p["student_b"]]) for p in got["pairs"])
    assert pairs == sorted(map(sorted, PLANTED))
    assert "html_a" not in got["pairs"][0]  # the highlighted code is on the page only
    assert "<mark>" in page.read_text()
    assert not batch["json"]["similarity"]["computed"]
    assert "--submissions" in batch["json"]["similarity"]["note"]


def test_a_class_whose_every_report_is_unreadable_still_lists_every_student(tmp_path):
    root = make_batch(tmp_path / "graded", names=["only"])
    report = command.write_report(root, tmp_path / "page.html")
    assert report.students == 1 and report.statuses["no report"] == 1
    assert [(f.student, f.status) for f in report.needs_human] == [("only", "no report")]
    assert "only" in (tmp_path / "page.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["{empty}"], "has no gradebook.csv"),
        (["{missing}"], "is not a folder"),
        (["{root}", "--submissions", "{missing}"], "is not a folder"),
        (["{root}", "--output", "{tmp}/x.json"], "the page is HTML"),
        (["{root}", "--threshold", "0"], "--threshold"),
    ],
)
def test_bad_input_is_one_line_naming_the_problem(batch, tmp_path, args, words):
    (tmp_path / "empty").mkdir()
    values = {"empty": tmp_path / "empty", "missing": tmp_path / "nowhere", "root": batch["root"],
              "tmp": tmp_path}  # fmt: skip
    proc = subprocess.run([*DEEPGRADE, "report", *(a.format(**values) for a in args)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert proc.returncode == 2
    assert words in proc.stdout and "Traceback" not in proc.stdout + proc.stderr


def test_a_missing_extra_is_one_line_naming_it(monkeypatch, capsys):
    from rich.console import Console

    monkeypatch.setattr(command, "available", lambda: False)
    args = type("Args", (), {"folder": ".", "output": None})()
    assert command.run(args, Console(width=200)) == 2
    assert "pip install 'deepgrade[report]'" in capsys.readouterr().out


def test_nbgraders_step_saves_the_report_where_the_class_report_reads_it(tmp_path):
    pytest.importorskip("nbgrader")
    from traitlets.config import Config

    from autograder.notebooks.preprocessors import IsolatedGrading

    config = Config()
    config.CourseDirectory.root = str(tmp_path)
    report = student_report("ana", random.Random(0))
    step = IsolatedGrading(config=config)
    path = step._save(report, {"student": "ana", "assignment": "exercises"})
    assert path == tmp_path / "autograded" / "ana" / "exercises" / "report.json"
    (tmp_path / "nbgrader_config.py").write_text("")
    data = sources.load(tmp_path)
    assert data.kind == "nbgrader" and data.reports["ana"] == report
    built = model.build(data, similarity.similar_pairs({}, {}))
    assert built.totals.mean == report.score


def test_the_page_reads_the_same_in_chromium(batch, tmp_path):
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.common.by import By

    if not (shutil.which("chromium") and Path("/usr/bin/chromedriver").is_file()):
        pytest.fail("Debian's chromium and chromium-driver are needed (apt-get install them)")
    page = tmp_path / "page.html"
    subprocess.run([*DEEPGRADE, "report", str(batch["root"]), "--output", str(page),
                    "--submissions", str(batch["submissions"])], check=True,
                   capture_output=True)  # fmt: skip
    twin = json.loads(page.with_suffix(".json").read_text())
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path / 'profile'}"):  # fmt: skip
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path="/usr/bin/chromedriver")
    driver = webdriver.Chrome(options=options, service=service)
    try:
        driver.set_window_size(1280, 1000)
        driver.get(page.as_uri())
        rows = driver.find_elements(By.CSS_SELECTOR, "#exercises tbody tr")
        assert [r.get_attribute("data-exercise") for r in rows] == [
            e["name"] for e in twin["exercises"]
        ]
        for row, e in zip(rows, twin["exercises"], strict=True):
            cell = {
                c.get_attribute("data-key"): c.text for c in row.find_elements(By.TAG_NAME, "td")
            }
            assert cell["label"] == e["label"]
            assert cell["share_full"] == f"{100 * e['share_full']:.1f}%"
            assert cell["share_not_attempted"] == f"{100 * e['share_not_attempted']:.1f}%"
        shown = [
            (li.get_attribute("data-exercise"),
             li.find_element(By.CSS_SELECTOR, "[data-key=name]").text,
             int(li.find_element(By.CSS_SELECTOR, "[data-key=count]").text))
            for li in driver.find_elements(By.CSS_SELECTOR, "li.mistake")
        ]  # fmt: skip
        assert shown == [(e["name"], m["name"], m["count"])
                         for e in twin["exercises"] for m in e["mistakes"]]  # fmt: skip
        pairs = driver.find_elements(By.CSS_SELECTOR, "details.pair")
        assert len(pairs) == len(twin["similarity"]["pairs"]) == 2
        pairs[0].find_element(By.TAG_NAME, "summary").click()  # opens without JavaScript
        assert pairs[0].find_element(By.TAG_NAME, "mark").is_displayed()
        assert driver.execute_script("return document.scripts.length") == 0
        width = "return document.documentElement.scrollWidth <= window.innerWidth"
        assert driver.execute_script(width)
        driver.save_screenshot(str(tmp_path / "class-report-1280.png"))
        driver.set_window_size(390, 844)  # a phone
        assert driver.execute_script(width), "the page scrolls sideways on a phone"
        driver.save_screenshot(str(tmp_path / "class-report-phone.png"))
    finally:
        driver.quit()
    assert (tmp_path / "class-report-1280.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
def test_the_demo_class_page_is_the_docs_picture(tmp_path):
    """``deepgrade demo``'s class report, as the docs show it: its top in Chromium."""
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.common.by import By

    if not (shutil.which("chromium") and Path("/usr/bin/chromedriver").is_file()):
        pytest.fail("Debian's chromium and chromium-driver are needed (apt-get install them)")
    demo = subprocess.run([*DEEPGRADE, "demo", "--output-dir", str(tmp_path / "demo")],
                          capture_output=True, text=True, timeout=900, check=False)  # fmt: skip
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    page = tmp_path / "demo" / "class-report.html"
    twin = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path / 'profile'}"):  # fmt: skip
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path="/usr/bin/chromedriver")
    driver = webdriver.Chrome(options=options, service=service)
    try:
        driver.set_window_size(1280, 1600)
        driver.get(page.as_uri())
        headings = [h.text for h in driver.find_elements(By.TAG_NAME, "h2")]
        assert headings[:2] == ["The class at a glance", "Per exercise: what to re-teach first"]
        rows = driver.find_elements(By.CSS_SELECTOR, "#exercises tbody tr")
        assert [r.get_attribute("data-exercise") for r in rows] == [
            e["name"] for e in twin["exercises"]
        ]
        assert twin["students"] == 8 and twin["statuses"]["graded"] == 8
        shot = tmp_path / "class-report.png"
        assert driver.save_screenshot(str(shot))
    finally:
        driver.quit()
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 10_000
    if os.environ.get("DEEPGRADE_WRITE_PICTURES") == "1":
        PICTURE.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, PICTURE)
