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
- ``floor`` (no points below) = halfway between chance (1 / classes, or the capstone's
  ``chance``: the majority label's share, a forecast skill of 0) and the target, rounded
  down to 0.01; points grow linearly from the floor to the target.

A capstone graded on a fallback data set here (sentiment without IMDB) gets the
fallback's thresholds written.

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


def derive(
    accuracies: list[float],
    num_classes: int | None,
    margin: float = MARGIN,
    *,
    chance: float | None = None,
) -> dict:
    """``target`` and ``floor`` from the reference's measurements over several seeds;
    ``chance`` (default ``1 / num_classes``) is what needs no learning (the majority
    label's share, a forecast skill of 0)."""
    target = math.floor((min(accuracies) - margin) * 100) / 100
    chance = 1.0 / num_classes if chance is None else chance
    floor = math.floor((chance + (target - chance) / 2) * 100) / 100
    return {"target": round(target, 2), "floor": round(floor, 2)}


def calibrate(seeds: list[int], *, capstones: list[str] | None = None, write: bool = False):
    """Grade the reference once per seed; return (and optionally store) the measurements."""
    from autograder.capstones.data import dataset_missing
    from autograder.capstones.grade import grade_capstones, resolve_names
    from autograder.paths import SOLUTIONS_DIR

    data = settings.load()
    evidence = json.loads(EVIDENCE.read_text(encoding="utf-8"))
    # the settings of the data set each capstone is graded on here (IMDB or its fallback)
    used = {name: settings.resolve(entry, dataset_missing)[0] for name, entry in data.items()}
    names = (
        resolve_names(capstones)
        if capstones
        else [n for n in data if used[n] and not used[n].get("provisional")]
    )
    measured: dict[str, dict[str, list[float]]] = {n: {} for n in names}
    for seed in seeds:
        for name in names:
            outcome = grade_capstones(SOLUTIONS_DIR, capstones=[name], seed=seed)
            for key, value in outcome.measurements.get(name, {}).items():
                measured[name].setdefault(key, []).append(value)
            print(f"seed {seed} {name}: {outcome.measurements.get(name)}", flush=True)
            if name not in outcome.measurements:  # say why: no threshold is derived from it
                failures = [f for row in outcome.report.exercises for f in row["failures"]]
                print("  not measured: " + " | ".join(failures or outcome.report.notes))
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
            dataset = used[name]["dataset"]
            if dataset != entry["dataset"]:  # graded on a fallback: its thresholds are set
                entry = next(f for f in entry["fallbacks"] if f["dataset"] == dataset)
                proof = proof.setdefault("fallbacks", {}).setdefault(dataset, {})
            for key, values in measured[name].items():
                target = entry["scored"].get(key)
                if target is None:
                    continue
                classes = used[name].get("scored_classes", {}).get(key, used[name]["num_classes"])
                chance = used[name].get("chance", {}).get(key)
                target.update(derive(values, classes, chance=chance))
                proof.setdefault("reference", {})[key] = [round(v, 4) for v in values]
            proof["calibration"] = {**stamp, "dataset": dataset}
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
