"""The commands of the environment under test, never whatever PATH finds.

A fresh machine has no ``deepgrade`` on PATH (the venv is not activated), and one that
does may be running another installation: tests call the console script installed beside
this interpreter, or ``python -m autograder`` where there is none.
"""

from __future__ import annotations

import sys
from pathlib import Path

_SCRIPT = Path(sys.executable).with_name("deepgrade")
DEEPGRADE: list[str] = [str(_SCRIPT)] if _SCRIPT.is_file() else [sys.executable, "-m", "autograder"]
