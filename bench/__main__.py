"""`make bench`: run every benchmark module in bench/ and print its figures.

`python -m bench NAME…` runs only those (`bench_ledger` or `ledger`)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

# Run only when named: bench_peer starts servers (RT too, with --with-rt) and takes minutes.
ONLY_BY_NAME = {"bench_peer", "bench_load"}


def main() -> None:
    names = sorted(
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name.startswith("bench_")
    )
    # `python -m bench peer` is bench_peer; options (--x) are the modules' own.
    wanted = {
        a if a.startswith("bench_") else f"bench_{a}" for a in sys.argv[1:] if a[:1].isalpha()
    }
    for name in names:
        if (wanted and name not in wanted) or (not wanted and name in ONLY_BY_NAME):
            continue
        print(f"== {name}")
        importlib.import_module(f"bench.{name}").main()
    if not names:
        print("no benchmarks yet")


if __name__ == "__main__":
    main()
