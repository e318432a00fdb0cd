"""A short-lived trusted helper process for the data-set side of the ``augment`` checks.

The checks import scikit-learn and SciPy (about 130 MB); done in a helper, the grading
process stays small while the TensorFlow processes run. Arrays travel as ``.npy`` files
(no pickle); the helper runs no student code, only :func:`main` on them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from autograder.capstones.jobs import trusted_environment
from autograder.paths import PROJECT_ROOT

BOOTSTRAP = (
    "import sys; sys.path.insert(0, {root!r}); "
    "from autograder.capstones.helper import main; sys.exit(main())"
)


def in_helper(task: str, workdir: Path, **arrays: np.ndarray) -> dict[str, np.ndarray]:
    """Run ``task`` (``"inputs"`` or ``"augment_scores"``) on ``arrays`` in a helper."""
    workdir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"helper-{task}-", dir=workdir))
    for key, value in arrays.items():
        np.save(folder / f"{key}.npy", value, allow_pickle=False)
    argv = [sys.executable, "-I", "-c", BOOTSTRAP.format(root=str(PROJECT_ROOT)), task, str(folder)]
    done = subprocess.run(
        argv, cwd=folder, env=trusted_environment(folder), stdin=subprocess.DEVNULL,
        capture_output=True, timeout=300,
    )  # fmt: skip
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:]
        raise RuntimeError(f"the grader's helper ({task}) failed: {' '.join(tail)}")
    result = {p.stem: np.load(p, allow_pickle=False) for p in folder.glob("out_*.npy")}
    shutil.rmtree(folder, ignore_errors=True)
    return {key.removeprefix("out_"): value for key, value in result.items()}


def main() -> int:
    """The helper process: read the task's arrays, write its ``out_*.npy`` results."""
    from autograder.capstones.data import augment_inputs

    task, folder = sys.argv[1], Path(sys.argv[2])
    given = {p.stem: np.load(p, allow_pickle=False) for p in folder.glob("*.npy")}
    if task == "inputs":
        _, images, labels = augment_inputs(int(given["seed"]))
        out = {"images": images, "labels": labels}
    elif task == "augment_scores":
        data, images, labels = augment_inputs(int(given["seed"]))
        outputs = [given[k] for k in sorted(given) if k.startswith("output")]
        out = {"scores": np.array(augment_scores(data, images, labels, outputs))}
    else:
        return 2
    for key, value in out.items():
        np.save(folder / f"out_{key}.npy", value, allow_pickle=False)
    return 0


def augment_scores(data, images, labels, outputs) -> tuple[float, float, float]:
    """(share of augmented images still recognised, 1-NN accuracy without and with them).

    "Recognised": a 1-nearest-neighbour classifier over the training images and shifted
    (up to 2 pixels) and rotated (up to 20 degrees) copies of them, so that the usual
    augmentations keep their label and mirroring or big changes do not.
    """
    from sklearn.neighbors import KNeighborsClassifier

    from deepgrade.capstones.training import augment_images

    def flat(a):
        return np.asarray(a, dtype=np.float64).reshape(len(a), -1)

    rng = np.random.default_rng(12345)
    reference = [data.x_train] + [
        augment_images(data.x_train, rng, shift=2, rotate=20) for _ in range(4)
    ]
    judge = KNeighborsClassifier(1).fit(
        flat(np.concatenate(reference)), np.tile(data.y_train, len(reference))
    )
    base = judge.score(flat(images), labels)
    kept = float(np.mean([judge.score(flat(out), labels) for out in outputs]) / max(base, 1e-9))
    plain = KNeighborsClassifier(1).fit(flat(images), labels).score(flat(data.x_test), data.y_test)
    x_aug = np.concatenate([images, *outputs])
    y_aug = np.tile(labels, 1 + len(outputs))
    augmented = (
        KNeighborsClassifier(1).fit(flat(x_aug), y_aug).score(flat(data.x_test), data.y_test)
    )
    return min(kept, 1.0), float(plain), float(augmented)
