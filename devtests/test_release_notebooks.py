"""The student release's notebooks as a student uses them (slow: a fresh venv, JupyterLab).

The release is built, installed in a fresh venv with its ``jupyter`` extra, and used with
that venv's own ``deepgrade``, jupytext, nbclient and JupyterLab, never this repository's:

- ``deepgrade check NOTEBOOK`` reports that notebook's exercises; ``check notebooks/`` the
  folder's, each topic from its notebook;
- "Run all" on a fresh notebook runs to the end, each check cell saying what is missing;
- a later notebook calls the student's earlier work from that notebook as saved;
- the ``.py`` copies are what the pinned jupytext writes (no change on a round trip);
- a notebook edited outside Jupyter opens in JupyterLab, where a jupytext-paired one is
  refused (so the check can fail);
- in real Chromium: an answer typed into a cell, "Run all", the check cells' verdicts,
  saved, and ``deepgrade check`` on the saved notebook agreeing (a screenshot is kept).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from autograder.builders import release
from autograder.paths import PROJECT_ROOT
from deepgrade.catalog import BY_NAME, TOPICS, in_module
from deepgrade.notebooks import ANSWER_PREFIX, CHECKS_PREFIX, grade_id
from devtests.notebook_students import PROJECT, from_module, read, write

# building the release and its venv takes minutes on a loaded machine
pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]

FAST_STEPS = tuple(step for step in release.STEPS if step is not release.check_packages)
ROW = re.compile(
    r"│ Exercise \S+ \((?P<name>\w+)\)\s*│\s*(?P<passed>\d+)/(?P<total>\d+)\s*│"
    r"\s*(?P<score>[\d.]+)/(?P<points>\d+)\s*│\s*(?P<headline>[^│]*?)\s*│"
)
STUB_LINE = re.compile(r'^(?P<indent> *)raise NotImplementedError\(\s*"[^"]*"\s*\)\n?', re.M)
# a student's relu (right) and softmax without subtracting the largest logit (it overflows)
RELU = "return np.maximum(x, 0.0)"
NAIVE_SOFTMAX = "e = np.exp(logits)\nreturn e / e.sum(axis=axis, keepdims=True)"
# named by the mistake fingerprints (the values of ±1000 are checked before the warning)
NAMED = "Likely mistake (no max shift): your output has NaN/inf (or 0/0) where logits are large"
WARNED = "(it also raised a warning (RuntimeWarning: overflow encountered in exp)"
CHROME_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1400,1200",
)  # fmt: skip


def _env(venv: Path, home: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env.pop("DEEPGRADE_IMPL", None)
    env["COLUMNS"] = "250"
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    if home is not None:  # Jupyter's own files (settings, runtime, workspaces) stay in here
        env |= {"HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / "config"),
                "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
                "IPYTHONDIR": str(home / "ipython")}  # fmt: skip
    return env


def _run(cmd: list[str], cwd: Path, env: dict, timeout: float = 900):
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)  # fmt: skip


def _rows(output: str) -> dict[str, dict]:
    return {m["name"]: m.groupdict() for m in ROW.finditer(output)}


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    """The built release, installed as its README says for Jupyter: (root, venv)."""
    root = release.build(tmp_path_factory.mktemp("w") / "release", steps=FAST_STEPS).root
    venv = root / ".venv"
    env = _env(venv)
    made = _run([sys.executable, "-m", "venv", str(venv)], root, env)
    assert made.returncode == 0, made.stderr
    pip = [str(venv / "bin" / "pip"), "install", "-q", "-c", "constraints.txt", "-e", ".[jupyter]"]
    installed = _run(pip, root, env, timeout=1800)
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    return root, venv


def _deepgrade(student, *args: str):
    root, venv = student
    return _run([str(venv / "bin" / "deepgrade"), *args], root, _env(venv))


def _write_answers(notebook: Path, answers: dict[str, str]) -> None:
    """Replace the ``raise NotImplementedError`` line of each named answer cell."""
    data = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in data["cells"]:
        name = grade_id(cell).removeprefix(ANSWER_PREFIX)
        if grade_id(cell).startswith(ANSWER_PREFIX) and name in answers:
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cell["source"] = _implemented(source, answers[name])
    notebook.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def _implemented(source: str, body: str) -> str:
    stub = STUB_LINE.search(source)
    assert stub, source
    lines = "".join(f"{stub['indent']}{line}\n" for line in body.splitlines())
    return source[: stub.start()] + lines + source[stub.end() :]


# ------------------------------------------------------------------------- deepgrade check


def test_check_reports_a_notebooks_exercises_and_grades_the_folder(student, tmp_path):
    root, _ = student
    fresh = _deepgrade(student, "check", "notebooks/activations.ipynb")
    rows = _rows(fresh.stdout)
    assert list(rows) == [e.name for e in in_module("activations")], fresh.stdout[-3000:]
    assert all(r["headline"] == "not implemented yet" for r in rows.values()), rows
    assert "has no" not in fresh.stdout and fresh.returncode == 1

    folder = _deepgrade(student, "check", "notebooks/")
    rows = _rows(folder.stdout)
    assert list(rows) == [e.name for t in TOPICS for e in in_module(t)], folder.stdout[-3000:]
    assert all(r["headline"] == "not implemented yet" for r in rows.values()), folder.stdout[-3000:]

    # the reference in every notebook's answer cells: the folder scores full points
    work = tmp_path / "notebooks"
    shutil.copytree(root / "notebooks", work)
    _answer_with_reference(work)
    solved = _deepgrade(student, "check", str(work))
    rows = _rows(solved.stdout)
    assert len(rows) == sum(len(in_module(t)) for t in TOPICS), solved.stdout[-3000:]
    for name, row in rows.items():
        assert row["score"] == f"{BY_NAME[name].points}.0", (name, row)
    assert solved.returncode == 0


def _answer_with_reference(folder: Path) -> None:
    for topic in TOPICS:
        path = folder / f"{topic}.ipynb"
        solution = (PROJECT / "solutions" / f"{topic}.py").read_text(encoding="utf-8")
        write(path, from_module(read(path), solution, topic))


# ------------------------------------------------------------------------- in a kernel

RUN_ALL = """
import sys, nbformat
from nbclient import NotebookClient
path = sys.argv[1]
notebook = nbformat.read(path, as_version=4)
NotebookClient(notebook, timeout=600, kernel_name="python3",
               resources={"metadata": {"path": sys.argv[2]}}).execute()
nbformat.write(notebook, path)
"""


def _run_all(student, notebook: Path) -> dict:
    """Run all, in the venv's own kernel, stopping at the first error as Jupyter does."""
    _, venv = student
    ran = _run([str(venv / "bin" / "python"), "-c", RUN_ALL, str(notebook), str(notebook.parent)],
               notebook.parent, _env(venv))  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-3000:]
    return read(notebook)


def _text(text: str | list[str]) -> str:
    return text if isinstance(text, str) else "".join(text)


def _check_outputs(notebook: dict) -> dict[str, str]:
    """Each checks cell's printed text, by exercise."""
    return {
        grade_id(c).removeprefix(CHECKS_PREFIX): "".join(
            _text(o.get("text", "")) for o in c["outputs"]
        )
        for c in notebook["cells"]
        if grade_id(c).startswith(CHECKS_PREFIX)
    }


@pytest.mark.parametrize("topic", TOPICS)
def test_run_all_on_a_fresh_notebook_goes_to_the_end(student, topic, tmp_path):
    root, _ = student
    work = shutil.copytree(root / "notebooks", tmp_path / "notebooks")
    notebook = _run_all(student, work / f"{topic}.ipynb")
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert all(c["execution_count"] for c in code)  # every cell ran, the last one too
    outputs = _check_outputs(notebook)
    assert list(outputs) == [e.name for e in in_module(topic)]
    for name, text in outputs.items():
        assert (
            text.strip() == f"{BY_NAME[name].label}: not implemented yet "
            "(write it in the cell above, then run this cell)"
        ), text


def test_check_cells_give_points_and_name_a_mistake_and_use_the_earlier_notebook(student, tmp_path):
    """relu right, softmax overflowing; backprop's digit_network calls the relu
    of activations.ipynb (saved), not the stub of the activations.py copy beside it."""
    root, _ = student
    work = shutil.copytree(root / "notebooks", tmp_path / "notebooks")
    _write_answers(work / "activations.ipynb", {"relu": RELU, "softmax": NAIVE_SOFTMAX})
    solution = (PROJECT / "solutions" / "backprop.py").read_text(encoding="utf-8")
    write(work / "backprop.ipynb", from_module(read(work / "backprop.ipynb"), solution, "backprop"))
    assert "raise NotImplementedError" in (work / "activations.py").read_text()

    outputs = _check_outputs(_run_all(student, work / "activations.ipynb"))
    relu = BY_NAME["relu"]
    assert re.match(
        rf"{re.escape(relu.label)}: (\d+)/\1 public checks pass, "
        rf"{relu.points}.0/{relu.points} points$",
        outputs["relu"].strip(),
    ), outputs
    assert f"likely mistake: {NAMED}" in outputs["softmax"], outputs
    assert WARNED in outputs["softmax"], outputs
    assert "not implemented yet" in outputs["sigmoid"]
    checked = _rows(_deepgrade(student, "check", str(work / "activations.ipynb")).stdout)
    for name, text in outputs.items():
        points = re.search(r", ([\d.]+)/\d+ points", text)
        assert float(checked[name]["score"]) == (float(points[1]) if points else 0.0), name

    outputs = _check_outputs(_run_all(student, work / "backprop.ipynb"))
    network = BY_NAME["digit_network"]
    assert f"{network.points}.0/{network.points} points" in outputs["digit_network"], outputs


# ------------------------------------------------------------------------- the .py copies


def test_the_py_copies_are_what_the_pinned_jupytext_writes(student):
    root, venv = student
    script = (
        "import sys, jupytext\n"
        "for topic in sys.argv[1:]:\n"
        "    py = open(f'notebooks/{topic}.py').read()\n"
        "    assert jupytext.writes(jupytext.reads(py, 'py:percent'), 'py:percent') == py, topic\n"
        "    nb = jupytext.read(f'notebooks/{topic}.ipynb')\n"
        "    assert jupytext.writes(nb, 'py:percent') == py, topic\n"
        "    assert 'formats' not in nb.metadata.get('jupytext', {}), topic\n"
        "print(jupytext.__version__)\n"
    )
    from deepgrade.catalog import ALL_TOPICS

    ran = _run([str(venv / "bin" / "python"), "-c", script, *ALL_TOPICS], root, _env(venv))
    assert ran.returncode == 0, ran.stderr[-3000:]
    pinned = re.search(r"^jupytext==(\S+)$", (root / "constraints.txt").read_text(), re.M)
    assert ran.stdout.strip() == pinned[1]


# ------------------------------------------------------------------------- JupyterLab


class Lab:
    """A JupyterLab of the release's venv on 127.0.0.1, with a token, rooted at the release."""

    def __init__(self, root: Path, venv: Path, home: Path):
        self.root, self.token = root, secrets.token_hex(16)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        # no news or update checks (no network), no "get notified" pop-up over the notebook;
        # every cell in the page (not only those scrolled into view)
        settings = venv / "share" / "jupyter" / "lab" / "settings"
        settings.mkdir(parents=True, exist_ok=True)
        (settings / "overrides.json").write_text(json.dumps({
            "@jupyterlab/apputils-extension:notification": {
                "checkForUpdates": False, "fetchNews": "false"},
            "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
        }))  # fmt: skip
        self.log = (home / "lab.log").open("w")
        self.process = subprocess.Popen(
            [str(venv / "bin" / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1",
             f"--port={self.port}", f"--IdentityProvider.token={self.token}",
             f"--ServerApp.root_dir={root}", "--LabApp.news_url=None", "--allow-root",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
            cwd=root, env=_env(venv, home), stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 180
        while self._status() != 200:
            assert self.process.poll() is None, self.logged()
            assert time.monotonic() < deadline, f"JupyterLab did not start:\n{self.logged()}"
            time.sleep(0.5)  # polling the server's state, not a timing assumption

    def _status(self) -> int | None:
        try:
            return self.get("/api/status")[0]
        except OSError:
            return None

    def get(self, path: str) -> tuple[int, dict]:
        request = urllib.request.Request(
            self.url + path, headers={"Authorization": f"token {self.token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"{}")

    def logged(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text()[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait(timeout=30)
        self.log.close()


@pytest.fixture(scope="module")
def lab(student, tmp_path_factory):
    root, venv = student
    server = Lab(root, venv, tmp_path_factory.mktemp("jupyter-home"))
    yield server
    server.stop()


def _edited_outside_jupyter(folder: Path, topic: str, *, paired: bool) -> str:
    """The notebook's relu answered by a text editor after its .py copy was written (the
    .ipynb newer, its inputs different); with ``paired``, as jupytext pairing shipped."""
    notebook = folder / f"{topic}.ipynb"
    data = read(notebook)
    if paired:
        data["metadata"]["jupytext"] = {"formats": "ipynb,py:percent"}
    write(notebook, data)
    _write_answers(notebook, {"relu": RELU})
    copy = folder / f"{topic}.py"
    stamp = copy.stat().st_mtime
    os.utime(notebook, (stamp + 30, stamp + 30))
    return f"/api/contents/{folder.relative_to(folder.parents[1]).as_posix()}/{topic}.ipynb"


def test_a_notebook_edited_outside_jupyter_opens_in_jupyterlab(student, lab):
    root, _ = student
    # what jupytext's pairing did: JupyterLab refuses the notebook (the test can fail)
    paired = shutil.copytree(root / "notebooks", root / "scratch" / "paired")
    status, answer = lab.get(_edited_outside_jupyter(paired, "activations", paired=True))
    assert status == 400 and "more recent than" in answer.get("message", ""), (status, answer)

    # the release's notebooks: it opens, with the student's edit
    mine = shutil.copytree(root / "notebooks", root / "scratch" / "release")
    status, answer = lab.get(_edited_outside_jupyter(mine, "activations", paired=False))
    assert status == 200, (status, answer, lab.logged())
    relu = next(c for c in answer["content"]["cells"] if grade_id(c) == ANSWER_PREFIX + "relu")
    assert RELU in relu["source"]
    # and the other way round: the .py copy edited (or pulled) after the notebook
    copy = mine / "convolution.py"
    copy.write_text(copy.read_text() + "\n# edited\n")
    os.utime(copy, (time.time() + 60, time.time() + 60))
    status, _ = lab.get("/api/contents/scratch/release/convolution.ipynb")
    assert status == 200


# ------------------------------------------------------------------------- in Chromium

# CodeMirror 6 keeps its EditorView on the editor's DOM; the answer's stub line is replaced
# through it, as typing would (JupyterLab's model follows the editor's transactions).
TYPE_INTO_CELL = """
const [index, body] = arguments;
const cell = document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell')[index];
cell.scrollIntoView();
const content = cell.querySelector('.cm-content');
const tile = content.cmTile || content.cmView;  // (its name in CodeMirror's versions)
const view = (tile.root && tile.root.view) || (tile.rootView && tile.rootView.view) || tile.view;
const text = view.state.doc.toString();
const match = text.match(/^( *)raise NotImplementedError\\(\\s*"[^"]*"\\s*\\)/m);
if (!match) return false;
const lines = body.split('\\n').map(line => match[1] + line).join('\\n');
view.dispatch({changes: {from: match.index, to: match.index + match[0].length, insert: lines}});
view.focus();
return true;
"""
ALL_RAN = """
const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
const indicator = panel && panel.querySelector('.jp-Notebook-ExecutionIndicator');
const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent);
return Boolean(indicator) && indicator.getAttribute('data-status') === 'idle'
    && prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p));
"""


def _artefacts(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("DEEPGRADE_ARTEFACTS") or tmp_path / "artefacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def chromium(tmp_path):
    from selenium import webdriver  # the dev extra; Chromium and its driver from Debian
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (*CHROME_FLAGS, f"--user-data-dir={tmp_path / 'chromium'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    yield driver
    driver.quit()


def _menu(driver, wait, menu: str, command: str) -> None:
    """Click JupyterLab's menu ``menu``, then its item running ``command``."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen

    label = f"//div[contains(@class, 'lm-MenuBar-itemLabel') and text()='{menu}']"
    wait.until(seen.element_to_be_clickable((By.XPATH, label))).click()
    item = (By.CSS_SELECTOR, f"li[data-command='{command}']")
    wait.until(seen.element_to_be_clickable(item)).click()


def test_a_student_answers_runs_all_and_saves_in_jupyterlab(student, lab, chromium, tmp_path):
    from selenium.webdriver.support.ui import WebDriverWait

    root, _ = student
    work = shutil.copytree(root / "notebooks", root / "scratch" / "browser")
    path = work / "activations.ipynb"
    cells = read(path)["cells"]
    index = {grade_id(c): i for i, c in enumerate(cells)}
    wait = WebDriverWait(chromium, 300)

    chromium.get(f"{lab.url}/lab/tree/scratch/browser/activations.ipynb?token={lab.token}")
    wait.until(lambda d: d.execute_script(
        "const p = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');"
        "const i = p && p.querySelector('.jp-Notebook-ExecutionIndicator');"
        "return Boolean(i) && i.getAttribute('data-status') === 'idle' && "
        f"p.querySelectorAll('.jp-Cell').length === {len(cells)} && "
        "p.querySelectorAll('.cm-content').length > 0;"))  # fmt: skip
    for name, body in (("relu", RELU), ("softmax", NAIVE_SOFTMAX)):
        assert chromium.execute_script(TYPE_INTO_CELL, index[ANSWER_PREFIX + name], body), name

    _menu(chromium, wait, "Run", "runmenu:run-all")
    wait.until(lambda d: d.execute_script(ALL_RAN))

    def output(name: str) -> str:
        return chromium.execute_script(
            "return document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell')"
            "[arguments[0]].querySelector('.jp-OutputArea').innerText;",
            index[CHECKS_PREFIX + name],
        )

    relu = BY_NAME["relu"]
    assert f"{relu.label}: " in output("relu")
    assert f"{relu.points}.0/{relu.points} points" in output("relu"), output("relu")
    assert f"likely mistake: {NAMED}" in output("softmax"), output("softmax")
    assert WARNED in output("softmax"), output("softmax")
    assert "not implemented yet" in output("sigmoid")

    chromium.execute_script(
        "document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell')"
        "[arguments[0]].scrollIntoView();", index[ANSWER_PREFIX + "softmax"])  # fmt: skip
    shot = _artefacts(tmp_path) / "notebook-jupyterlab.png"
    assert chromium.save_screenshot(str(shot)), shot
    if os.environ.get("DEEPGRADE_WRITE_PICTURES") == "1":  # the docs' picture of this flow
        shutil.copyfile(shot, PROJECT_ROOT / "docs" / "assets" / shot.name)

    saved_before = path.stat().st_mtime_ns
    _menu(chromium, wait, "File", "docmanager:save")
    wait.until(lambda d: path.stat().st_mtime_ns != saved_before and RELU in path.read_text())

    saved = _check_outputs(read(path))
    checked = _rows(_deepgrade(student, "check", str(path)).stdout)
    assert list(checked) == [e.name for e in in_module("activations")]
    for name, text in saved.items():
        points = re.search(r", ([\d.]+)/\d+ points", text)
        assert float(checked[name]["score"]) == (float(points[1]) if points else 0.0), name
    assert float(checked["relu"]["score"]) == relu.points
