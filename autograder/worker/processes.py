"""What every process the grader starts shares: a clean environment, a group kill.

The worker (untrusted code) and the capstones' trusted helper and training jobs all start
from :func:`clean_environment` (nothing of the grader's own environment leaks in, one
BLAS thread) and are stopped with :func:`kill_group` (their whole process group).
"""

from __future__ import annotations

import os
import signal


def clean_environment(home: str, tmpdir: str, **extra: str) -> dict[str, str]:
    """A minimal environment: system PATH, UTF-8, ``home`` and ``tmpdir``, one BLAS thread
    (cheap start, fair CPU accounting, parallel grading friendly), then ``extra``."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": home,
        "TMPDIR": tmpdir,
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        **extra,
    }


def kill_group(pgid: int, sig: int = signal.SIGKILL) -> None:
    """Send ``sig`` to the process group ``pgid``; nothing if it is already gone."""
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass
