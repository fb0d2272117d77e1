"""Every indicator of RULES.md §9 for a unit subtree and a period: median time and queries.

Loads n petitions with bench/loaddata.py (100,000 on a throwaway SQLite database, 1,000,000
with DATABASE_URL on PostgreSQL), then times `indicators_compute` (every indicator, in one
aggregate query after the rating window's dates are worked out) for:

    city year      city_leader, 临江市 and every unit under it, the last 12 months
    city by unit   the same, every indicator for each unit directly under the city, in one
                   grouped query (`indicators_by_child`, what the ranking reads)
    street month   dc_leader, 东城街道, the last month
    street year    dc_leader, 东城街道, the last 12 months

and counts the queries of each, which must not grow with the number of units in the subtree.
The indicators' summary (analytics.tally) is built or brought up to date first, and read
wherever it can answer (every scope here).
Then the leader's dashboard page (/analytics/ for the city, this month, through Django's test
client: the view, its queries and the template) is requested --samples times; its median and
p95 are printed with its query count. Each line also gives the median CPU time of this process
(cpu ms), and the load average is printed before and after.

    python -m bench bench_indicators [--n N] [--samples 15] [--reuse]
    BENCH_N, BENCH_SAMPLES and BENCH_REUSE=1 do the same from the environment.

Targets (issue 14): a city's year at 1,000,000 cases on PostgreSQL ≤ 1 s median; a street
office's month at 100,000 cases on SQLite ≤ 150 ms; the dashboard page ≤ 300 ms p95 at
1,000,000 cases on PostgreSQL. The loader writes with bulk_create in batches of 5,000 (COPY
on PostgreSQL), see bench/loaddata.py.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from bench.loaddata import bulk_petitions, database_prepare

DEFAULT_N = {"sqlite": 100_000, "postgresql": 1_000_000}
TARGET_MS = {"city year": 1000.0, "city by unit": 1000.0, "street month": 150.0}
DASHBOARD_P95_MS = 300.0
# cpu ms: this process's CPU time (Python, and SQLite, which runs in it; not a PostgreSQL
# server's), a figure a machine shared with other work inflates less than the wall clock.
# db ms: on PostgreSQL on this machine, the CPU time of this connection's server process
# (from /proc; a parallel query's workers are not counted), the database's share of the work.
HEADER = (
    f"{'scope':<14}{'median ms':>10}{'p95 ms':>9}{'cpu ms':>9}{'db ms':>8}{'queries':>9}"
    "   cases  target"
)
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
    from xinfang.analytics.indicators import (
        INDICATORS,
        Scope,
        indicators_by_child,
        indicators_compute,
    )
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
    # The indicators' summary (analytics.tally): built, or brought up to date with the cases
    # written since, before anything is timed; what the job does every minute.
    from xinfang.analytics.tally import tally_catch_up
    from xinfang.analytics.tally_models import DayTally

    started = time.perf_counter()
    read = tally_catch_up()
    print(
        f"summary: {read:,} cases read in {time.perf_counter() - started:.1f} s; "
        f"{DayTally.objects.count():,} day sums"
    )
    cases = Petition.objects.count()
    today = timezone.localdate()
    last_month = periods.shift_month(today, -1)
    year = periods.custom(today - timedelta(days=365), today)
    city_leader = Staff.objects.get(username="city_leader")
    dc_leader = Staff.objects.get(username="dc_leader")
    city = Unit.objects.get(code="LJ")
    street = Unit.objects.get(code="LJ-CN-DC")
    every_key = [i.key for i in INDICATORS]

    def city_year() -> Scope:
        # A new scope each run: a scope remembers what it has read (Scope.memo).
        return Scope(city_leader, city, year.start, year.end)

    runs = {
        "city year": lambda: indicators_compute(city_year()),
        "city by unit": lambda: indicators_by_child(city_year(), every_key),
        "street month": lambda: indicators_compute(
            Scope(dc_leader, street, last_month.start, last_month.end)
        ),
        "street year": lambda: indicators_compute(Scope(dc_leader, street, year.start, year.end)),
    }
    print(f"{cases:,} cases; {Unit.objects.filter(path__startswith=city.path).count()} units")
    print(f"load average before: {_loadavg()}")
    print(HEADER)
    for name, run in runs.items():
        for _ in range(WARMUP):
            run()
        times, cpu, db_cpu = [], [], []
        for _ in range(options.samples):
            reset_queries()
            db_started = _db_cpu()
            started, cpu_started = time.perf_counter(), time.process_time()
            results = run()
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            db_cpu.append(_db_cpu() - db_started)
        with CaptureQueriesContext(connection) as ctx:
            run()
        if isinstance(results, dict):
            volume = sum(r.numerator for rs in results.values() for r in rs if r.key == "cases")
        else:
            volume = next(r.numerator for r in results if r.key == "cases")
        target = TARGET_MS.get(name)
        median, p95 = statistics.median(times), _p95(times)
        verdict = (
            ""
            if target is None
            else f"≤ {target:.0f} ms " + ("ok" if median <= target else "MISSED")
        )
        print(
            f"{name:<14}{median:>10.1f}{p95:>9.1f}{statistics.median(cpu):>9.1f}"
            f"{_ms(db_cpu):>8}{len(ctx.captured_queries):>9}  {volume:>6,}  {verdict}"
        )
    _dashboard(city, city_leader, options.samples)
    print(f"load average after: {_loadavg()}")


def _db_cpu() -> float:
    """CPU ms so far of this connection's PostgreSQL server process, NaN when unknown
    (SQLite runs in this process: its time is in cpu ms)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return math.nan
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    # utime and stime, the 14th and 15th fields (11th and 12th after the command's name).
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def _ms(values: list[float]) -> str:
    median = statistics.median(values) if values else math.nan
    return "—" if math.isnan(median) else f"{median:.0f}"


def _p95(times: list[float]) -> float:
    times = sorted(times)
    return times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _dashboard(city, user, samples: int) -> None:
    """Time the dashboard page as a browser would get it (view, queries, template)."""
    from django.conf import settings
    from django.test.utils import override_settings

    # The static files' manifest exists only after collectstatic; plain names here.
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}):
        _dashboard_times(city, user, samples)


def _dashboard_times(city, user, samples: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    # A leader must give a second factor (OTP_REQUIRED_ROLES): the session is marked as
    # verified with the leader's authenticator, as after a code; signing in is not timed.
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    device = device or TOTPDevice.objects.create(user=user, name="压测验证器", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    url = f"/analytics/?unit={city.pk}"
    for _ in range(WARMUP):
        assert client.get(url).status_code == 200
    times, cpu, db_cpu = [], [], []
    for _ in range(samples):
        db_started = _db_cpu()
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        db_cpu.append(_db_cpu() - db_started)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    median, p95 = statistics.median(times), _p95(times)
    verdict = f"p95 ≤ {DASHBOARD_P95_MS:.0f} ms " + ("ok" if p95 <= DASHBOARD_P95_MS else "MISSED")
    print(
        f"{'dashboard':<14}{median:>10.1f}{p95:>9.1f}{statistics.median(cpu):>9.1f}"
        f"{_ms(db_cpu):>8}{len(ctx.captured_queries):>9}    page  {verdict}"
    )
