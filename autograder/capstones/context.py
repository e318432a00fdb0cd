"""What grading one submission's capstones shares: the limits, the settings, the jobs run
and the measurements and notes they produced."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from autograder.capstones.jobs import JobOutcome, job_spec, run_job


@dataclass
class CapstoneLimits:
    """Limits for grading the capstones of one submission.

    The worker imports TensorFlow, which reserves far more *address space* than it
    uses (about 1.3 GB at import, more once it starts threads), so the numpy grader's
    ``memory_mb=1024`` (RLIMIT_AS) would make ``import tensorflow`` fail; the capstone
    worker gets 4096 MB of address space (its resident memory is about 650 MB; it is
    closed before the first training job starts).
    The training job is limited on *resident* memory (sampled, killed above
    ``job_memory_mb``) and on wall time (``job_seconds``, else the capstone's own value
    from settings.json).
    """

    call_seconds: float = 120.0
    total_seconds: float = 300.0
    worker_memory_mb: int = 4096
    job_memory_mb: int = 1536
    job_seconds: float | None = None
    isolation: str = "process"


@dataclass
class Context:
    """One grading run: capstone settings (for the data set each is graded on here), limits,
    seed, where jobs work, what they gave; ``unavailable``: capstones without data here,
    and why."""

    config: dict
    limits: CapstoneLimits
    seed: int
    epochs_cap: int | None
    workdir: Path
    unavailable: dict[str, str] = field(default_factory=dict)
    measurements: dict[str, dict[str, float]] = field(default_factory=dict)
    jobs: dict[str, JobOutcome] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def job(self, name: str, runs: list[dict]) -> JobOutcome:
        """Train ``runs`` of capstone ``name`` in one clean job; remember the outcome."""
        entry = self.config[name]
        outcome = run_job(
            job_spec(name, entry, self.seed, self.epochs_cap, runs),
            seconds=self.limits.job_seconds or entry.get("job_seconds", 300),
            memory_mb=self.limits.job_memory_mb,
            workdir=self.workdir / name,
        )
        self.jobs[name] = outcome
        return outcome
