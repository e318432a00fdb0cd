"""What the trust boundary costs: worker start and call round trip, as ratios.

Baselines are measured in the same run: ``python -I -c "import numpy"`` for the start,
the same function called in-process for a call. Run: ``python benchmarks/worker_overhead.py``.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder.worker import Worker  # noqa: E402
from autograder.worker.processes import clean_environment  # noqa: E402

SOURCE = """
def add(a, b):
    return a + b
"""


def median_time(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def per_call(function, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - start) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--starts", type=int, default=10)
    parser.add_argument("--calls", type=int, default=2000)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "topic.py").write_text(SOURCE)
        spec = importlib.util.spec_from_file_location("bench_topic", Path(folder) / "topic.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)

        # (a) start: a worker up and answering vs a bare interpreter importing numpy
        # the worker's environment (one BLAS thread) for a like-for-like baseline
        env = clean_environment(home=folder, tmpdir=folder)
        baseline = median_time(
            lambda: subprocess.run(
                [sys.executable, "-I", "-c", "import numpy"], check=True, env=env, cwd=folder
            ),
            options.starts,
        )
        workers = []

        def start_worker():
            workers.append(Worker(folder).start())

        started = median_time(start_worker, options.starts)
        for worker in workers:
            worker.close()
        print(f"start   python -I -c 'import numpy': {baseline * 1e3:8.1f} ms")
        print(
            f"start   Worker(...).start():         {started * 1e3:8.1f} ms"
            f"   ratio {started / baseline:.2f}"
        )

        # (b) round trip of a trivial call, and of one with a 100x100 float64 array
        small = np.ones((100, 100))
        with Worker(folder) as worker:
            for label, args in (("scalars", (1.0, 2.0)), ("100x100 arrays", (small, small))):
                worker.call("topic", "add", *args)  # warm: the module is imported
                local = per_call(lambda args=args: module.add(*args), options.calls)
                remote = per_call(
                    lambda args=args: worker.call("topic", "add", *args), options.calls
                )
                print(
                    f"call    {label:15s} in-process {local * 1e6:8.2f} us, worker "
                    f"{remote * 1e6:8.1f} us   ratio {remote / local:.0f}"
                )


if __name__ == "__main__":
    main()
