"""Ledger import and export: rows per second and peak memory.

Generates a ledger workbook of N rows (xinfang.ledger.sample, 40% of them concluded), imports
it as dc_leader into 东城街道 (`ledger_import_run`: the checking pass, then the one-transaction
writing pass), then exports the whole ledger as .xlsx (write-only) and .csv (streamed).
Peak memory is the process's maximum resident set size after each phase (ru_maxrss), so a
phase that loaded the whole file would show.

    python -m bench bench_ledger_io [--n 100000] [--no-check] [--profile]
    BENCH_N does the same from the environment (default 500; the issue's figure is 100k).
    --no-check skips the separate dry run (the import checks every row anyway).
    --profile prints the cProfile of the import (the checking and writing passes).
    --export-only loads N cases directly (bulk_petitions) and times only the two exports.

Each phase prints rows per second of wall time and per CPU-second of this process: the
machine is shared (2 cores, load average 6–19 while these ran), so the wall figures say
what a user waited that day and the CPU figures what the work costs.

Before the batch path (2,000 rows): import 9 rows/s, one row through petition_register and
up to three transitions and the import event, about 50 queries a row.

With it, SQLite, 4 Dec 2026, load average 12 → 6 (`--n 10000`): check 380 rows/s wall, 2,998
rows per CPU-second; import (check + write) 54 rows/s wall, 267 rows per CPU-second (the
write alone about 290); xlsx export 363 rows/s wall (1,220 per CPU-second), csv 629 (2,015);
peak RSS 143 MB after the check, 354 MB after the import (part of it the SQLite page cache,
up to 256 MB, the writing transaction asks for). At 100k rows the check ran at 503 rows/s
wall, 3,045 per CPU-second, peak RSS 165 MB; the writing pass (before the memory fix of the
open cases it remembers) had written 66,000 rows after 34 minutes at load 10–19 (7 CPU-
minutes) when it was stopped: the database then held no case, no event and no ledger row.
Below the 500 rows/s aimed at: the per-row cost is now the text indexes (jieba, MinHash, 64
band keys) and Django's bulk_create of the cases and their 3–5 events.

Issue 15's remainder (4 Dec 2026, SQLite, the same 5,000-row file, load average 7 → 12): the
text indexes moved to the index job after the commit (`ledger.indexing`, timed here as
"index"), events, parties, unit links and ledger rows inserted as plain rows, each text cut
once for both indexes. Import (check + write) 250 → 454 rows per CPU-second (58 → 63 rows/s
wall at the higher load); index job 532–588 rows per CPU-second; xlsx 1,164 → 1,191–1,416,
csv 2,016 → 1,786 (noise: the csv path did not change). At 100,000 rows (load 16–28, this
process getting about an eighth of a core): 40,000 rows written after 40 minutes, and from
28,000 to 40,000 rows the write pass ran at 184 rows per CPU-second, well below its rate at
5,000: the write pass's per-row cost still grows with the import's size (found on 5 Dec,
below); 43,000 rows after 55 minutes it
was stopped (167 rows per CPU-second from 28,000 on). `--export-only --n 30000` (load 20–28):
the district's ~16,000 visible rows to .xlsx at 1,212 rows per CPU-second (peak RSS 180 MB,
2.7 MB file), .csv at 2,280.

The slowdown found (5 Dec 2026, profiled batch by batch at 25k and 40k rows, SQLite): three
costs grew with every row already written. Each case's first-petition test built
`earlier | seen`, a copy of every blind index the import had met (at 30,000 rows 2.5 of the
batch's 3 profiled CPU-seconds, against 0.17 at 2,000); `PendingFinder.settle` went over
every case held after each batch (0.35 s a batch at 30,000); the Art.19 query put both
conditions on the joined petitioner, so SQLite walked every open case by the state index
(0.009 s a batch at 2,000, 0.21 s at 30,000), and the earlier-petition query every party.
Now two intersections, only the cases added since the last settle, and the people first by
their indexed blind indexes, then their parties, then those cases still open. A batch of
1,000 rows costs the same CPU at 19,000 rows as at 2,000 (0.8–0.9 s).

100,000 rows after the fix (5 Dec 2026, commit 510de53, `--n 100000 --no-check`, the SQLite
and the PostgreSQL run side by side on the shared machine, load average 9 → 15, so each
process had about a sixth of a core; the CPU figures say what the work costs):

    SQLite      import (check + write)  127 rows/s (790 s wall),    725 per CPU-second  RSS 563 MB
                index job               162 rows/s (618 s wall),  1,252 per CPU-second  RSS 577 MB
                xlsx (all 100,000 rows) 175 rows/s (571 s wall),  1,681 per CPU-second  RSS 577 MB
                csv                     344 rows/s (290 s wall),  2,383 per CPU-second  RSS 577 MB
    PostgreSQL  import (check + write)  109 rows/s (920 s wall),    843 per CPU-second  RSS 273 MB
                index job               105 rows/s (956 s wall),  1,218 per CPU-second  RSS 273 MB
                xlsx                    259 rows/s (387 s wall),  2,026 per CPU-second  RSS 283 MB
                csv                     816 rows/s (123 s wall),  3,322 per CPU-second  RSS 286 MB

So a 100k import costs about 2.3 CPU-minutes on SQLite (2 on PostgreSQL): minutes on a
quiet machine, 13–15 minutes of wall time at load 10–15; the write pass went 11,000 →
100,000 rows in 11 minutes on PostgreSQL at an even 7,000–8,000 rows a minute. The SQLite
RSS is mostly the 256 MB page cache the writing transaction asks for; the check pass alone
stays near 165 MB, and the exports add little or nothing to the peak (write-only, streamed).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.loaddata import bulk_petitions, database_prepare


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Timed:
    """Wall and CPU seconds of one phase (the machine is shared: CPU time says what the
    phase itself cost, wall time what a user waited)."""

    def __enter__(self) -> _Timed:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu

    def rates(self, rows: int) -> str:
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
        return (
            f"{rows / self.wall:8.0f} rows/s ({self.wall:.1f} s wall), "
            f"{rows / max(self.cpu, 1e-9):6.0f} rows per CPU-second, load {load}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench_ledger_io")
    parser.add_argument("--n", type=int, default=int(os.environ.get("BENCH_N", "500")))
    parser.add_argument("--no-check", action="store_true", help="skip the separate dry run")
    parser.add_argument("--profile", action="store_true", help="cProfile of the import")
    parser.add_argument(
        "--export-only",
        action="store_true",
        help="load N cases with loaddata.bulk_petitions and time only the exports",
    )
    args, _ = parser.parse_known_args(sys.argv[2:] if sys.argv[1:2] == ["bench_ledger_io"] else [])
    db = database_prepare()
    from django.core.files import File
    from django.utils import timezone

    from xinfang.ledger.export import ledger_csv_stream, ledger_xlsx_write
    from xinfang.ledger.indexing import ledger_import_index
    from xinfang.ledger.models import LedgerImport
    from xinfang.ledger.sample import sample_ledger_write
    from xinfang.ledger.services import ledger_import_run, ledger_import_upload
    from xinfang.petitions.models import Category
    from xinfang.petitions.selectors.ledger import LedgerFilter
    from xinfang.units.models import Staff

    if args.export_only:
        _exports_only(args.n)
        return
    leader = Staff.objects.get(username="dc_leader")
    unit = leader.memberships.get(role="leader").unit
    units = [unit.name, *unit.get_children().values_list("name", flat=True)[:3]]
    categories = list(
        Category.objects.filter(is_active=True, numchild=0).values_list("name", flat=True)[:6]
    )
    work = Path(tempfile.mkdtemp(prefix="xinfang-bench-ledger-"))
    path = sample_ledger_write(
        work / "ledger.xlsx",
        rows=args.n,
        units=units,
        categories=categories,
        today=timezone.localdate(),
    )
    print(f"database: {db.label}; {args.n} rows, file {path.stat().st_size / 1e6:.1f} MB")
    print(f"commit {_commit()}, load average {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
    base = _rss_mb()
    with path.open("rb") as fh:
        record = ledger_import_upload(actor=leader, unit=unit, upload=File(fh, name=path.name))
    if not args.no_check:
        with _Timed() as check:
            checked = ledger_import_run(actor=leader, ledger_import=record, dry_run=True)
        assert checked.status == LedgerImport.Status.CHECKED, checked.errors[:3]
        print(f"check:  {check.rates(args.n)}  peak RSS {_rss_mb():.0f} MB (start {base:.0f})")
        record.status = LedgerImport.Status.UPLOADED
        record.save(update_fields=["status"])
    profiler = cProfile.Profile() if args.profile else None
    with _Timed() as imported:
        if profiler is not None:
            profiler.enable()
        done = ledger_import_run(actor=leader, ledger_import=record)
        if profiler is not None:
            profiler.disable()
    assert done.status == LedgerImport.Status.IMPORTED, done.errors[:3]
    assert done.rows_written == args.n
    print(f"import: {imported.rates(args.n)}  peak RSS {_rss_mb():.0f} MB")
    print("        (the import checks every row, then writes them in one transaction)")
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    # The index job the import queued (the worker's), run here to time it.
    with _Timed() as indexed:
        done = ledger_import_index(ledger_import_id=done.pk)
    assert not done.is_indexing and done.rows_indexed == args.n
    print(f"index:  {indexed.rates(args.n)}  peak RSS {_rss_mb():.0f} MB")
    print("        (the background job after the import: search words, duplicate sketches)")
    f = LedgerFilter(unit=unit)
    with _Timed() as xlsx:
        summary = ledger_xlsx_write(leader, f, work / "out.xlsx")
    print(f"xlsx:   {xlsx.rates(summary.rows)}  peak RSS {_rss_mb():.0f} MB")
    with _Timed() as streamed:
        size = sum(len(chunk) for chunk in ledger_csv_stream(leader, f))
    rss = _rss_mb()
    print(f"csv:    {streamed.rates(summary.rows)}  ({size / 1e6:.1f} MB)  peak RSS {rss:.0f} MB")
    shutil.rmtree(work, ignore_errors=True)


def _commit() -> str:
    """The checked-out commit the figures are of (with + when the tree has changes)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(["git", "diff", "--quiet", "HEAD"], check=False).returncode
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+" if dirty else "")


def _exports_only(n: int) -> None:
    """The exports alone, over N cases loaded directly (`bulk_petitions`, across the demo
    organisation), as the district supervisor sees the whole district."""
    from xinfang.ledger.export import ledger_csv_stream, ledger_xlsx_write
    from xinfang.petitions.selectors.ledger import LedgerFilter
    from xinfang.units.models import Staff

    with _Timed() as loaded:
        bulk_petitions(n)
    print(f"loaded: {n} cases in {loaded.wall:.0f} s; commit {_commit()}")
    user = Staff.objects.get(username="district_supervisor")
    unit = user.memberships.order_by("unit__depth").first().unit
    f = LedgerFilter(unit=unit)
    work = Path(tempfile.mkdtemp(prefix="xinfang-bench-ledger-"))
    with _Timed() as xlsx:
        summary = ledger_xlsx_write(user, f, work / "out.xlsx")
    size = (work / "out.xlsx").stat().st_size / 1e6
    print(f"xlsx:   {xlsx.rates(summary.rows)}  ({size:.1f} MB)  peak RSS {_rss_mb():.0f} MB")
    with _Timed() as streamed:
        size = sum(len(chunk) for chunk in ledger_csv_stream(user, f))
    print(
        f"csv:    {streamed.rates(summary.rows)}  ({size / 1e6:.1f} MB)  "
        f"peak RSS {_rss_mb():.0f} MB"
    )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
