"""Optional dependencies: a missing one is one line naming the extra that installs it.

The core install (``pip install -c constraints.txt -e .``) grades the numpy exercises;
TensorFlow, the notebook tools, nbgrader and Dask come with extras (``capstones``,
``jupyter``, ``notebooks``, ``cluster``). Which extra brings which package is read from
the installed project's own metadata (its ``setup.cfg``, in the instructors' repository
or in a student release alike), so this module holds no copy of those lists.

Two ways in, one way out: a command that needs an extra before it starts work calls
:func:`require`; an import of a missing package anywhere under a command raises
``ModuleNotFoundError`` as usual. ``deepgrade``'s ``main`` turns both into one line by
:func:`explain`, exit code 2, no traceback.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from packaging.requirements import Requirement

# Import names that differ from the name pip installs (the rest: the same, "_" as "-").
DISTRIBUTIONS = {
    "sklearn": "scikit-learn",
    "yaml": "pyyaml",
    "keras": "tensorflow",
    "tensorflow": "tensorflow",
    "dask": "distributed",
    "mpl_toolkits": "matplotlib",
}
# The project's distribution: the instructors' repository, or a student release.
PROJECT_DISTRIBUTIONS = ("deepgrade", "deepgrade-student")


class MissingExtra(ModuleNotFoundError):
    """A package of an optional extra is not installed; ``str()`` is the line to print."""


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@functools.cache
def _project() -> tuple[str, dict[str, list[Requirement]]]:
    """The installed project's name and its extras (``extra -> requirements``)."""
    # imported here: only a missing module needs them, and they cost every command 0.1 s
    from importlib import metadata

    from packaging.requirements import InvalidRequirement, Requirement

    for name in PROJECT_DISTRIBUTIONS:
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        extras: dict[str, list[Requirement]] = {}
        for line in requires:
            try:
                requirement = Requirement(line)
            except InvalidRequirement:
                continue
            found = re.search(r"""extra\s*==\s*["']([^"']+)["']""", str(requirement.marker or ""))
            if found:
                extras.setdefault(found[1], []).append(requirement)
        return name, extras
    return "", {}


def _closure(extra: str) -> set[str]:
    """Every distribution an extra installs, through ``deepgrade[other]`` lines too."""
    project, extras = _project()
    found: set[str] = set()
    todo, seen = [extra], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for requirement in extras.get(current, []):
            if _normal(requirement.name) == _normal(project):
                todo.extend(requirement.extras)
            else:
                found.add(_normal(requirement.name))
    return found


def extra_for(module: str) -> str | None:
    """The smallest extra of the installed project that installs ``module``, or None."""
    top = module.split(".")[0]
    wanted = _normal(DISTRIBUTIONS.get(top, top))
    _, extras = _project()
    holding = [
        extra
        for extra in extras
        if any(d == wanted or d.startswith(wanted + "-") for d in _closure(extra))
    ]  # tensorflow is "tensorflow-cpu" on Linux
    return min(holding, key=lambda e: (len(_closure(e)), e)) if holding else None


def install_line(extra: str) -> str:
    """What to run in the project's folder to add ``extra``."""
    return f"pip install -c constraints.txt -e '.[{extra}]'"


def message(module: str, extra: str, purpose: str) -> str:
    """``purpose needs module, from the 'extra' extra ...: pip install ...``, one line."""
    return (
        f"{purpose} needs {module}, from the '{extra}' extra, which is not installed here: "
        f"{install_line(extra)} (in the project's folder)"
    )


def require(extra: str, purpose: str, modules: tuple[str, ...]) -> None:
    """Raise :class:`MissingExtra` unless each of ``modules`` (brought by ``extra``) can be
    imported: for a command that would otherwise fail late, or per student."""
    absent = [m for m in modules if importlib.util.find_spec(m) is None]
    if absent:
        raise MissingExtra(message(", ".join(absent), extra, purpose), name=absent[0])


def explain(err: ModuleNotFoundError, purpose: str) -> str | None:
    """The one line for a missing module of an optional extra; None for any other module
    (a broken installation, or a bug: its traceback is wanted)."""
    if isinstance(err, MissingExtra):
        return str(err)
    if not err.name:
        return None
    extra = extra_for(err.name)
    if extra is None:
        return None
    return message(err.name.split(".")[0], extra, purpose)
