"""Hostile and odd uploads, built at test time (git cannot hold named pipes or sockets).

Each case adds its entries to an upload that already holds one answered topic as a
regular file (the route's ``base``: ``activations`` solved), so that a route which grades
at all scores exactly that topic's points: any point more came from something the case
put behind a link, outside the upload. Every case is a function ``(upload, where)``;
``where`` says where the grader's own files and a secret outside the upload are. Add a
case to :data:`CASES`; every route of ``test_upload_corpus.py`` runs it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from autograder.paths import PROJECT_ROOT

SOLUTIONS = PROJECT_ROOT / "solutions"
# Text that must never appear in anything a route writes or prints: it is in files behind
# links, and in the upload's own binary and non-UTF-8 files (whose content no message may
# quote).
SECRET = "SECRET-7f3a1c9e"
SYSTEM_FILE = Path("/etc/passwd")
SYSTEM_LINE = "root:x:0:0"  # the first line of every /etc/passwd: never in an output


@dataclass
class Where:
    """Where a case's links point: the grader's own tree, and a folder outside the upload."""

    grader: Path  # the grader's project root (solutions/ in it)
    outside: Path  # a folder beside the upload, holding secrets

    @property
    def solutions(self) -> Path:
        return self.grader / "solutions"

    def secret_module(self) -> Path:
        """A .py file outside the upload that would leak SECRET in a SyntaxError's line."""
        path = self.outside / "secret.py"
        if not path.exists():
            self.outside.mkdir(parents=True, exist_ok=True)
            path.write_text(f"this line {SECRET} is not Python\n", encoding="utf-8")
        return path

    def secret_notebook(self) -> Path:
        """A course notebook outside the upload: the reference's answers, and SECRET."""
        path = self.outside / "secret.ipynb"
        if not path.exists():
            from autograder.builders import nbgrader

            notebook = json.loads(nbgrader.course_files()["source/exercises/convolution.ipynb"])
            notebook["cells"][0]["source"] = f"# {SECRET}\n" + "".join(
                notebook["cells"][0]["source"]
            )
            self.outside.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(notebook), encoding="utf-8")
        return path


Case = Callable[[Path, Where], None]


def _link(upload: Path, name: str, target: Path | str) -> None:
    path = upload / name
    path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, path)


def _relative(upload: Path, name: str, target: Path) -> str:
    return os.path.relpath(target, (upload / name).parent)


def _fifo(upload: Path, name: str) -> None:
    path = upload / name
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)


def _write(upload: Path, name: str, data: bytes | str) -> None:
    path = upload / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)


def _sparse(upload: Path, name: str, size: int) -> None:
    path = upload / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        f.truncate(size)


def link_module_to_solutions_absolute(upload: Path, where: Where) -> None:
    _link(upload, "convolution.py", where.solutions / "convolution.py")


def link_module_to_solutions_relative(upload: Path, where: Where) -> None:
    _link(upload, "pooling.py", _relative(upload, "pooling.py", where.solutions / "pooling.py"))


def link_folder_to_solutions(upload: Path, where: Where) -> None:
    """A folder holding every topic module: the folder the old grader picked."""
    _link(upload, "homework", where.solutions)


def link_folder_to_solutions_relative(upload: Path, where: Where) -> None:
    _link(upload, "exercises", _relative(upload, "exercises", where.solutions))


def link_modules_beside_a_notebook(upload: Path, where: Where) -> None:
    """The release's notebooks folder, its paired modules linked to the reference."""
    from autograder.builders import nbgrader

    files = nbgrader.student_files()
    _write(upload, "notebooks/recurrent.ipynb", files["recurrent.ipynb"])
    for topic in ("convolution", "pooling", "recurrent", "backprop"):
        _link(upload, f"notebooks/{topic}.py", where.solutions / f"{topic}.py")


def link_notebook_to_system_file(upload: Path, where: Where) -> None:
    _link(upload, "recurrent.ipynb", SYSTEM_FILE)
    _link(upload, "notebooks/backprop.ipynb", SYSTEM_FILE)


def link_notebook_to_secret_notebook(upload: Path, where: Where) -> None:
    _link(upload, "convolution.ipynb", where.secret_notebook())


def link_module_to_secret(upload: Path, where: Where) -> None:
    _link(upload, "pooling.py", where.secret_module())
    _link(upload, "recurrent.py", _relative(upload, "recurrent.py", where.secret_module()))


def links_inside_the_upload(upload: Path, where: Where) -> None:
    """Links that stay inside the upload are not followed either (one rule for all)."""
    _write(upload, "mine/conv_reference.py", (SOLUTIONS / "convolution.py").read_bytes())
    _write(upload, "mine/pool_reference.py", (SOLUTIONS / "pooling.py").read_bytes())
    _link(upload, "convolution.py", "mine/conv_reference.py")
    _link(upload, "mine/pooling.py", "pool_reference.py")
    _link(upload, "exercises", "mine")


def link_loops(upload: Path, where: Where) -> None:
    _link(upload, "loop_a.py", "loop_b.py")
    _link(upload, "loop_b.py", "loop_a.py")
    _link(upload, "convolution.py", "convolution.py")
    _link(upload, "sub/up", "..")
    _link(upload, "sub/root", "/")


def named_pipes(upload: Path, where: Where) -> None:
    _fifo(upload, "convolution.py")
    _fifo(upload, "recurrent.ipynb")
    _fifo(upload, "exercises/pooling.py")
    _fifo(upload, "pipe")


def a_socket(upload: Path, where: Where) -> None:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    here = os.getcwd()
    os.chdir(upload)  # a socket's path is at most 108 bytes: bind a relative one
    try:
        server.bind("pooling.py")
    finally:
        os.chdir(here)
        server.close()  # the socket file stays


def huge_files(upload: Path, where: Where) -> None:
    _sparse(upload, "pooling.py", 3 * 2**20)  # above the 2 MiB cap of a module
    _sparse(upload, "recurrent.ipynb", 40 * 2**20)  # above the 32 MiB cap of a notebook
    _sparse(upload, "data/weights.bin", 2**30)  # never read: not a module or notebook


def binary_module(upload: Path, where: Where) -> None:
    _write(upload, "pooling.py", b"\x7fELF\x00\x01" + SECRET.encode() + bytes(range(256)))


def non_utf8_module(upload: Path, where: Where) -> None:
    _write(upload, "pooling.py", f"NAME = 'caf\xe9 {SECRET}'\n".encode("latin-1"))


def binary_notebook(upload: Path, where: Where) -> None:
    _write(upload, "recurrent.ipynb", b"\x89PNG\r\n\x1a\n\x00" + SECRET.encode())


def non_utf8_notebook(upload: Path, where: Where) -> None:
    text = json.dumps({"cells": [], "metadata": {"x": f"caf\xe9 {SECRET}"}, "nbformat": 4,
                       "nbformat_minor": 5}, ensure_ascii=False)  # fmt: skip
    _write(upload, "recurrent.ipynb", text.encode("latin-1"))


def deep_nesting(upload: Path, where: Where) -> None:
    deep = Path(*[f"d{i}" for i in range(40)])
    _write(upload, str(deep / "convolution.py"), (SOLUTIONS / "convolution.py").read_bytes())


def broken_notebooks(upload: Path, where: Where) -> None:
    _write(upload, "convolution.ipynb", b"")
    _write(upload, "pooling.ipynb", f"not json {SECRET}")
    _write(upload, "recurrent.ipynb", "[1, 2, 3]")
    _write(upload, "backprop.ipynb", "{}")
    bad_cell = {"cell_type": "code", "source": 42, "metadata": {"x": SECRET}}
    _write(upload, "gradient_descent.ipynb", json.dumps(
        {"cells": [bad_cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    ))  # fmt: skip
    old_format = {"metadata": {"x": SECRET}, "nbformat": 3, "nbformat_minor": 0, "cells": []}
    _write(upload, "backprop_v3.ipynb", json.dumps(old_format))
    _write(upload, "notes.ipynb", json.dumps({"cells": [], "metadata": {}, "nbformat": 4,
                                              "nbformat_minor": 5}))  # fmt: skip


def many_entries(upload: Path, where: Where) -> None:
    junk = upload / "zz_junk"
    junk.mkdir()
    for i in range(20_500):
        (junk / f"f{i}").touch()


CASES: dict[str, Case] = {
    case.__name__: case
    for case in (
        link_module_to_solutions_absolute,
        link_module_to_solutions_relative,
        link_folder_to_solutions,
        link_folder_to_solutions_relative,
        link_modules_beside_a_notebook,
        link_notebook_to_system_file,
        link_notebook_to_secret_notebook,
        link_module_to_secret,
        links_inside_the_upload,
        link_loops,
        named_pipes,
        a_socket,
        huge_files,
        binary_module,
        non_utf8_module,
        binary_notebook,
        non_utf8_notebook,
        deep_nesting,
        broken_notebooks,
        many_entries,
    )
}


def build(case: str, upload: Path, where: Where, base: Callable[[Path], None]) -> Path:
    """The upload of ``case``: the route's ``base`` (one answered topic), then the case."""
    upload.mkdir(parents=True, exist_ok=True)
    base(upload)
    CASES[case](upload, where)
    return upload


def answered_module(topic: str) -> Callable[[Path], None]:
    """A base: the reference's ``topic.py`` at the top of the upload."""

    def base(upload: Path) -> None:
        shutil.copyfile(SOLUTIONS / f"{topic}.py", upload / f"{topic}.py")

    return base
