"""A class too big for one machine: the same grading jobs on a Dask distributed cluster.

``grade-batch --scheduler ADDRESS`` submits one :func:`~autograder.grading.jobs.run_job`
task per submission to the scheduler at ADDRESS (``tcp://host:8786``; a ``LocalCluster``
in the tests, dask-jobqueue's ``SLURMCluster`` on a university's cluster: see the docs).
A job carries the submission's files as data and its result comes back as data, so the
workers need the same deepgrade installation (checked per job: the grader's version),
bubblewrap for the isolated level, and nothing of the driver's disk. When a worker dies
mid-batch, the scheduler runs its jobs again on another worker; a job whose workers keep
dying is recorded as crashed for that student only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from autograder.grading.jobs import Job, failed_result, run_job
from deepgrade.extras import require

CONNECT_SECONDS = 15


class ClusterUnavailable(RuntimeError):
    """The scheduler cannot be used (not installed, not reachable), with the reason."""


def connect(address: str):
    """A Dask client of the scheduler at ``address``; ClusterUnavailable if there is none."""
    require("cluster", "grading on a Dask cluster (--scheduler)", ("distributed",))
    from distributed import Client

    try:
        return Client(address, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError, ValueError) as err:
        raise ClusterUnavailable(f"cannot reach the Dask scheduler at {address}: {err}") from None


def run_on_cluster(address: str) -> Callable[[list[Job]], Iterator[tuple[Job, dict]]]:
    """Jobs on the Dask cluster at ``address``, results as they finish."""

    def run(jobs: list[Job]) -> Iterator[tuple[Job, dict]]:
        from distributed import as_completed

        with connect(address) as client:
            futures = {client.submit(run_job, job, pure=False): job for job in jobs}
            for future in as_completed(futures):
                job = futures[future]
                try:
                    yield job, future.result()
                except Exception as err:  # e.g. KilledWorker: its workers kept dying
                    note = f"the cluster could not grade it: {type(err).__name__}: {err}"
                    yield job, failed_result(job, "crashed", note)
                future.release()

    return run
