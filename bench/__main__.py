"""`make bench`: run every benchmark module in bench/ and print its figures."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> None:
    names = sorted(
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name.startswith("bench_")
    )
    # `python -m bench load` and `python -m bench bench_load` name the same module.
    wanted = {a if a.startswith("bench_") else f"bench_{a}" for a in sys.argv[1:]}
    for name in names:
        if wanted and name not in wanted:
            continue
        print(f"== {name}")
        importlib.import_module(f"bench.{name}").main()
    if not names:
        print("no benchmarks yet")


if __name__ == "__main__":
    main()
