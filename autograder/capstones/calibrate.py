"""Calibrate the capstones' targets and floors from the reference solutions.

The targets live in the kit's ``deepgrade/capstones/settings.json`` (students see what
they aim at); the evidence (the reference's measurements per seed, when and how they were
taken) in ``calibration.json`` beside this file. Recompute both with::

    python -m autograder.capstones.calibrate --seeds 0 1 2 3 4 [--write]

which grades the reference (``solutions/``) through the real pipeline (worker, validation,
clean training job on one core) once per seed, prints the measurements, and with
``--write`` stores them and the derived thresholds:

- ``target`` (full points) = the lowest accuracy the reference reached over the seeds,
  minus ``margin`` (0.03), rounded down to 0.01: a submission as good as the reference
  gets full points on every seed, with room for run-to-run noise;
- ``floor`` (no points below) = halfway between chance (1 / classes) and the target,
  rounded down to 0.01; points grow linearly from the floor to the target.

The grader always uses seed 0; the other seeds only measure the spread.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import platform
import sys
from pathlib import Path

from deepgrade.capstones import settings

EVIDENCE = Path(__file__).with_name("calibration.json")
MARGIN = 0.03


def derive(accuracies: list[float], num_classes: int, margin: float = MARGIN) -> dict:
    """``target`` and ``floor`` from the reference's accuracies over several seeds."""
    target = math.floor((min(accuracies) - margin) * 100) / 100
    chance = 1.0 / num_classes
    floor = math.floor((chance + (target - chance) / 2) * 100) / 100
    return {"target": round(target, 2), "floor": round(floor, 2)}


def calibrate(seeds: list[int], *, capstones: list[str] | None = None, write: bool = False):
    """Grade the reference once per seed; return (and optionally store) the measurements."""
    from autograder.capstones.grade import grade_capstones
    from autograder.paths import SOLUTIONS_DIR

    data = settings.load()
    evidence = json.loads(EVIDENCE.read_text(encoding="utf-8"))
    names = capstones or [n for n in data if not data[n].get("provisional")]
    measured: dict[str, dict[str, list[float]]] = {n: {} for n in names}
    for seed in seeds:
        for name in names:
            outcome = grade_capstones(SOLUTIONS_DIR, capstones=[name], seed=seed)
            for key, value in outcome.measurements.get(name, {}).items():
                measured[name].setdefault(key, []).append(value)
            print(f"seed {seed} {name}: {outcome.measurements.get(name)}", flush=True)
    if write:
        stamp = {
            "date": datetime.date.today().isoformat(),
            "seeds": list(seeds),
            "how": (
                "python -m autograder.capstones.calibrate --seeds ... --write: the reference "
                "solutions graded through the full pipeline (worker, validation, clean job with "
                "one TensorFlow thread), once per seed"
            ),
            "python": platform.python_version(),
            "machine": platform.machine(),
        }
        for name in names:
            entry, proof = data[name], evidence.setdefault(name, {})
            for key, values in measured[name].items():
                target = entry["scored"].get(key)
                if target is None:
                    continue
                classes = entry.get("scored_classes", {}).get(key, entry["num_classes"])
                target.update(derive(values, classes))
                proof.setdefault("reference", {})[key] = [round(v, 4) for v in values]
            proof["calibration"] = stamp
        settings.PATH.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        EVIDENCE.write_text(json.dumps(evidence, indent=1) + "\n", encoding="utf-8")
    return measured


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--capstone", action="append", help="only these capstones")
    parser.add_argument("--write", action="store_true", help="store the new thresholds")
    args = parser.parse_args(argv)
    calibrate(args.seeds, capstones=args.capstone, write=args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
