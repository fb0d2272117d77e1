"""Every indicator of RULES.md §9 for a unit subtree and a period: median time and queries.

Loads n petitions with bench/loaddata.py (100,000 on a throwaway SQLite database, 1,000,000
with DATABASE_URL on PostgreSQL), then times `indicators_compute` (every indicator, in one
aggregate query after the rating window's dates are worked out) for:

    city year      city_leader, 临江市 and every unit under it, the last 12 months
    street month   dc_leader, 东城街道, the last month
    street year    dc_leader, 东城街道, the last 12 months

and counts the queries of each, which must not grow with the number of units in the subtree.

    python -m bench bench_indicators [--n N] [--samples 15] [--reuse]
    BENCH_N, BENCH_SAMPLES and BENCH_REUSE=1 do the same from the environment.

Targets (issue 14): a city's year at 1,000,000 cases on PostgreSQL ≤ 1 s median; a street
office's month at 100,000 cases on SQLite ≤ 150 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta

from bench.loaddata import bulk_petitions, database_prepare

DEFAULT_N = {"sqlite": 100_000, "postgresql": 1_000_000}
TARGET_MS = {"city year": 1000.0, "street month": 150.0}
WARMUP = 2


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench bench_indicators")
    parser.add_argument("--n", type=int, default=int(os.environ.get("BENCH_N", 0)) or None)
    parser.add_argument("--samples", type=int, default=int(os.environ.get("BENCH_SAMPLES", 15)))
    parser.add_argument("--reuse", action="store_true", default=bool(os.environ.get("BENCH_REUSE")))
    options, _ = parser.parse_known_args(sys.argv[1:])
    return options


def main() -> None:
    """Top the database up to n cases, then time each scope's indicators."""
    options = _options()
    db = database_prepare(reuse=options.reuse)

    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from xinfang.analytics import periods
    from xinfang.analytics.indicators import Scope, indicators_compute
    from xinfang.petitions.models import Petition
    from xinfang.units.models import Staff, Unit

    n = options.n or DEFAULT_N.get(db.vendor, 100_000)
    print(f"database: {db.label}")
    count = Petition.objects.count()
    if count < n:
        print(f"loading {n - count:,} petitions")
        bulk_petitions(n - count)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE)")
    cases = Petition.objects.count()
    today = timezone.localdate()
    last_month = periods.shift_month(today, -1)
    year = periods.custom(today - timedelta(days=365), today)
    city_leader = Staff.objects.get(username="city_leader")
    dc_leader = Staff.objects.get(username="dc_leader")
    city = Unit.objects.get(code="LJ")
    street = Unit.objects.get(code="LJ-CN-DC")
    scopes = {
        "city year": Scope(city_leader, city, year.start, year.end),
        "street month": Scope(dc_leader, street, last_month.start, last_month.end),
        "street year": Scope(dc_leader, street, year.start, year.end),
    }
    print(f"{cases:,} cases; {Unit.objects.filter(path__startswith=city.path).count()} units")
    print(f"{'scope':<14}{'median ms':>10}{'p95 ms':>9}{'queries':>9}  cases  target")
    for name, scope in scopes.items():
        for _ in range(WARMUP):
            indicators_compute(scope)
        times = []
        for _ in range(options.samples):
            reset_queries()
            started = time.perf_counter()
            results = indicators_compute(scope)
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as ctx:
            indicators_compute(scope)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        volume = next(r.numerator for r in results if r.key == "cases")
        target = TARGET_MS.get(name)
        verdict = (
            ""
            if target is None
            else f"≤ {target:.0f} ms " + ("ok" if statistics.median(times) <= target else "MISSED")
        )
        print(
            f"{name:<14}{statistics.median(times):>10.1f}{p95:>9.1f}"
            f"{len(ctx.captured_queries):>9}  {volume:>5,}  {verdict}"
        )
