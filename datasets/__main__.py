"""``python -m datasets [NAME ...] [--cache-dir DIR]``: load data sets and summarise them.

Prints each one's split sizes, shapes, dtypes, checksum and notes (the checksum is the one
its datasheet records). Loading ``mnist1d`` fills the cache, so this also prepares a
machine before going offline.
"""

from __future__ import annotations

import argparse
import sys

from . import NAMES, DatasetUnavailable, load


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m datasets", description=__doc__)
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"data sets to load (default: {', '.join(NAMES)})"
    )
    parser.add_argument("--cache-dir", default=None, help="the cache folder to use")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in NAMES]
    if unknown:
        parser.error(f"unknown data set(s) {', '.join(unknown)}; known: {', '.join(NAMES)}")
    status = 0
    for name in args.names or NAMES:
        try:
            data = load(name, cache_dir=args.cache_dir)
        except DatasetUnavailable as exc:
            print(f"{name}: unavailable: {exc}")
            continue
        except Exception as exc:  # report and go on with the others
            print(f"{name}: failed: {type(exc).__name__}: {exc}")
            status = 1
            continue
        print(f"{name}: {data!r}")
        print(f"  sizes {data.sizes}, input_shape {data.input_shape}, sha256 {data.checksum()}")
        if data.notes:
            print(f"  notes: {data.notes}")
    return status


if __name__ == "__main__":
    sys.exit(main())
