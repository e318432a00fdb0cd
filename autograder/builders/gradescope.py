"""Build the Gradescope autograder zip: ``deepgrade build-gradescope --output autograder.zip``.

Gradescope unpacks the zip in ``/autograder/source``, runs ``setup.sh`` once (as root)
to build its image, copies ``run_autograder`` to ``/autograder/`` and runs it for every
submission. The zip holds those two scripts at its root and, beside them, the project
as pip installs it (``pyproject.toml``, ``setup.cfg``, ``constraints.txt``, the README it
names) with the packages, the public tests and the hidden suites, and the release's stubs
(``exercises/``, generated from ``solutions/`` as ``deepgrade release`` does: an upload is
compared with them to grade, per topic, the file the student edited); not the project's
own tests, benchmarks or caches.
"""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

from autograder.builders import stubs
from autograder.grading.gradescope import DEFAULT_VISIBILITY, VISIBILITIES
from autograder.paths import PROJECT_ROOT

FILES = ("pyproject.toml", "setup.cfg", "constraints.txt", "README.md", "conftest.py")
FOLDERS = ("deepgrade", "autograder", "solutions", "tests", "datasets")
# exercises/ is written from solutions/ as the release writes it: an upload's files are
# compared with these stubs to grade, per topic, the file the student edited (a module, or
# a notebook whose answer cells hold the same stub functions)
STUBS = "exercises"
LEFT_OUT = ("__pycache__", ".hypothesis", ".pytest_cache")

SETUP = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
set -euo pipefail
SOURCE=/autograder/source
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || true
# bubblewrap, the strongest isolation level, where the image can have it (grading still
# works without it: `auto` then takes the strongest level the container allows)
apt-get install -y -qq bubblewrap || echo "setup.sh: bubblewrap not installed"
# a Python >= 3.11 (Ubuntu 22.04's python3 is 3.10; 24.04's is 3.12)
PY=""
for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null \\
        && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        PY="$(command -v "$candidate")"
        break
    fi
done
if [ -z "$PY" ]; then
    apt-get install -y -qq python3.11
    PY="$(command -v python3.11)"
fi
apt-get install -y -qq "$(basename "$PY")-venv" || true
# the grading environment, pinned; outside root's home, so that the worker's own
# unprivileged uid (the uid level) can run this Python
"$PY" -m venv /autograder/venv
/autograder/venv/bin/pip install -q -c "$SOURCE/constraints.txt" -e "$SOURCE[jupyter]"
# the grader's files (solutions, hidden suites): no other user may read them
chmod -R go-rwx "$SOURCE"
"""

RUN = """\
#!/usr/bin/env bash
# Gradescope runs this for every submission: grade /autograder/submission, always with
# --isolation auto, into /autograder/results/results.json. Built by deepgrade
# build-gradescope (detail of each exercise: {visibility}). Tests move the root with
# DEEPGRADE_GRADESCOPE_ROOT and the interpreter with DEEPGRADE_PYTHON.
set -euo pipefail
ROOT="${{DEEPGRADE_GRADESCOPE_ROOT:-/autograder}}"
SOURCE="$ROOT/source"
PYTHON="${{DEEPGRADE_PYTHON:-$ROOT/venv/bin/python}}"
# the grader comes from the source folder, and nothing is written into it
export PYTHONPATH="$SOURCE" PYTHONDONTWRITEBYTECODE=1
cd "$(mktemp -d)"
exec "$PYTHON" -B -m autograder.grading.gradescope --root "$ROOT" --visibility {visibility}
"""


def project_files(root: Path = PROJECT_ROOT) -> list[Path]:
    """The project files the autograder needs, relative to ``root``, sorted."""
    found = [Path(name) for name in FILES if (root / name).is_file()]
    for folder in FOLDERS:
        for here, dirs, files in os.walk(root / folder):
            dirs[:] = sorted(d for d in dirs if d not in LEFT_OUT)
            for name in files:
                path = Path(here, name)
                if not name.endswith(".pyc") and path.is_file() and not path.is_symlink():
                    found.append(path.relative_to(root))
    return sorted(found)


def grader_files(root: Path = PROJECT_ROOT) -> dict[str, bytes]:
    """Everything a grader bundle holds beside its launcher, by relative name: the project
    files and the release's stubs (written from ``solutions/`` as the release writes them),
    which an upload is compared with to grade the file the student edited."""
    files = {path.as_posix(): (root / path).read_bytes() for path in project_files(root)}
    for name, text in stubs.build(root / "solutions").items():
        files[f"{STUBS}/{name}"] = text.encode()
    return files


def _add(archive: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # reproducible
    mode = 0o755 if executable else 0o644
    info.external_attr = (stat.S_IFREG | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def build(output: Path, visibility: str = DEFAULT_VISIBILITY) -> list[str]:
    """Write the zip to ``output``; the names it holds."""
    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {', '.join(VISIBILITIES)}, not {visibility!r}")
    output.parent.mkdir(parents=True, exist_ok=True)
    names = []
    with zipfile.ZipFile(output, "w") as archive:
        _add(archive, "setup.sh", SETUP.encode(), executable=True)
        _add(archive, "run_autograder", RUN.format(visibility=visibility).encode(), True)
        names += ["setup.sh", "run_autograder"]
        for name, data in grader_files().items():
            _add(archive, name, data)
            names.append(name)
    return names
