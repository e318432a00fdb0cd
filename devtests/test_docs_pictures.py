"""The README's picture: what a student of the demo class reads in Gradescope's layout.

The demo's student (``autograder.demo.FEEDBACK_OF``: conv2d flips the kernel) is graded
through the worker; its results.json is laid out as Gradescope shows one (the total, the
summary, a panel per test, failed ones open) and rendered in headless Chromium, which
must show the feedback's words. ``DEEPGRADE_WRITE_PICTURES=1`` saves the screenshot as
docs/assets/feedback.png, the picture the README shows.

The demo's class graded by ``grade_batch`` gives the instructor's gradebook.csv; drawn
as a table in Chromium, its rows read back from the page equal the file's, and
``DEEPGRADE_WRITE_PICTURES=1`` saves docs/assets/gradebook.png (the grade-batch guide's).
"""

from __future__ import annotations

import csv
import html
import os
import shutil
from pathlib import Path

import pytest

from autograder import demo
from autograder.grading.batch import grade_batch
from autograder.grading.engine import grade
from autograder.grading.reports import gradescope
from deepgrade.paths import PROJECT_ROOT

PICTURE = PROJECT_ROOT / "docs" / "assets" / "feedback.png"
GRADEBOOK_PICTURE = PROJECT_ROOT / "docs" / "assets" / "gradebook.png"
CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)  # fmt: skip

STYLE = """
html { overflow: hidden; }
body { font-family: sans-serif; margin: 0; background: #f4f5f7; color: #222; width: 840px; }
header { background: #2d5f7a; color: white; padding: 14px 20px; font-size: 20px; }
main { padding: 16px 20px; }
.total { font-size: 18px; margin-bottom: 10px; }
pre { white-space: pre-wrap; font-size: 12.5px; margin: 6px 0 0; }
.panel { background: white; border-left: 6px solid #2e8540; margin: 6px 0; padding: 6px 12px; }
.panel.failed { border-color: #c0392b; }
.panel.passed { display: inline-block; margin: 3px 6px 3px 0; padding: 3px 8px; }
.name { font-weight: bold; font-size: 14px; }
.passed .name { font-weight: normal; font-size: 12.5px; }
"""


def page(results: dict, student: str) -> str:
    """Gradescope's layout of a results.json: total, summary, one panel per test."""
    esc = html.escape
    max_score = sum(t["max_score"] for t in results["tests"])
    panels = []
    for test in results["tests"]:
        failed = test["status"] == "failed"
        detail = f"<pre>{esc(test['output'])}</pre>" if failed else ""
        panels.append(
            f'<div class="panel {test["status"]}"><span class="name">{esc(test["name"])} '
            f"({test['score']:g}/{test['max_score']:g})</span>{detail}</div>"
        )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><style>{STYLE}</style></head>"
        f"<body><header>Autograder Results: {esc(student)}</header><main>"
        f"<div class='total'>Total points: {results['score']:g} / {max_score:g}</div>"
        f"<pre>{esc(results['output'])}</pre>{''.join(panels)}</main></body></html>"
    )


def save_whole_page(chromium, width: int, shot: Path, picture: Path) -> None:
    """Screenshot the whole page at ``width`` into ``shot``; copy it to ``picture`` (in
    docs/assets) only when ``DEEPGRADE_WRITE_PICTURES=1``."""
    height = chromium.execute_script("return document.body.scrollHeight")
    chromium.execute_cdp_cmd(  # the viewport is the whole page
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )
    assert chromium.save_screenshot(str(shot))
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 10_000
    if os.environ.get("DEEPGRADE_WRITE_PICTURES") == "1":
        picture.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, picture)


@pytest.fixture()
def chromium(tmp_path):
    webdriver = pytest.importorskip("selenium.webdriver", reason="needs the 'dev' extra")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=860,900"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(str(DRIVER)))
    yield driver
    driver.quit()


def test_the_readme_picture_is_a_students_feedback_in_gradescopes_layout(tmp_path, chromium):
    demo.write_class(tmp_path / "class")
    report = grade(tmp_path / "class" / demo.FEEDBACK_OF, student=demo.FEEDBACK_OF)
    results = gradescope(report)
    failed = [t for t in results["tests"] if t["status"] == "failed"]
    assert [t["name"] for t in failed] == ["Exercise 1.4 (conv2d)"]  # the demo's mistake

    (tmp_path / "feedback.html").write_text(page(results, demo.FEEDBACK_OF), encoding="utf-8")
    chromium.get((tmp_path / "feedback.html").as_uri())
    shown = chromium.find_element("tag name", "body").text
    for line in failed[0]["output"].splitlines()[:3]:
        assert " ".join(line.split()) in " ".join(shown.split())
    assert "flip" in failed[0]["output"].lower()  # the feedback names the mistake
    save_whole_page(chromium, 840, tmp_path / "feedback.png", PICTURE)


GRADEBOOK_STYLE = """
body { font-family: sans-serif; margin: 0; padding: 12px; background: white; color: #222; }
table { border-collapse: collapse; font-size: 12.5px; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: right; white-space: nowrap; }
th { background: #2d5f7a; color: white; }
td:first-child, td:last-child { text-align: left; }
tr:nth-child(even) td { background: #f4f5f7; }
"""


def gradebook_page(rows: list[list[str]]) -> str:
    """gradebook.csv as a plain HTML table: the header row, then one row per student."""
    esc = html.escape
    head = "".join(f"<th>{esc(cell)}</th>" for cell in rows[0])
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(cell)}</td>" for cell in row) + "</tr>" for row in rows[1:]
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><style>{GRADEBOOK_STYLE}</style>"
        f"</head><body><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        "</body></html>"
    )


def test_the_gradebook_picture_is_the_demo_class_gradebook_csv(tmp_path, chromium):
    demo.write_class(tmp_path / "class")
    grade_batch(tmp_path / "class", tmp_path / "graded", workers=1)
    with (tmp_path / "graded" / "gradebook.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert sorted(row[0] for row in rows[1:]) == sorted(s.name for s in demo.SAMPLE_CLASS)

    (tmp_path / "gradebook.html").write_text(gradebook_page(rows), encoding="utf-8")
    chromium.get((tmp_path / "gradebook.html").as_uri())
    shown = [
        [cell.text for cell in tr.find_elements("css selector", "th, td")]
        for tr in chromium.find_elements("tag name", "tr")
    ]
    assert shown == rows  # every cell of the file, in its place, and nothing else
    width = chromium.execute_script("return document.documentElement.scrollWidth")
    save_whole_page(chromium, width, tmp_path / "gradebook.png", GRADEBOOK_PICTURE)
