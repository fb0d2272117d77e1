"""The ledger page at 1,000 cases and at 100,000 (SQLite) or 1,000,000 (PostgreSQL), server-side.

Each sample is one GET of the ledger (`petitions:list`) through Django's test Client, in
process: the middleware, the session and user lookups, the view, its queries and the render
of the whole page, timed with perf_counter around `client.get`. Between requests, connections
past CONN_MAX_AGE are closed as a server would (on SQLite every request opens its own, with a
cold page cache). Three users, logged in with force_login: district_supervisor (城南区, sees
most cases), dc_registrar (东城街道, a street office) and dh_handler (东湖社区, a community with
few cases). Five pages each:

    first     the ledger as opened, newest first
    filtered  a category subtree (土地, the largest) + received in the last 90 days + the
              states a case is worked in
    overdue   只看超期
    page 20   the 20th page, reached through the cursor of the 19 pages before it
              (or the last page, when there are fewer)
    code      a search for the tracking code of one of the user's cases, as typed with dashes

The pages are measured in turn, one request each per round, so that whatever else the
machine is doing falls on all of them alike; the load average is printed with the figures.
The sql column is the time spent inside cursor.execute (on SQLite, rows fetched after the
first are not in it).

    python -m bench bench_ledger [--n N] [--samples 50] [--reuse] [--sql] [--explain] [--profile]
    BENCH_N, BENCH_SAMPLES and BENCH_REUSE=1 do the same from the environment.

Without DATABASE_URL it builds a throwaway SQLite database in a temporary directory (kept with
BENCH_KEEP=1) and loads 100,000 cases. With DATABASE_URL it loads 1,000,000 into a PostgreSQL
database that must hold no petitions (unless --reuse); make a fresh one and drop it after:

    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE xinfang_bench"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xinfang_bench python -m bench bench_ledger
    psql -h 127.0.0.1 -U postgres -c "DROP DATABASE xinfang_bench"

Each size is measured after a warm-up; the figures at 1,000 cases are the baseline for the
ratio. --sql prints each page's queries with their times, --explain the PostgreSQL plan of
each slow page's slowest query, --profile the Python profile of each slow page (all at the
largest size). Target: p95 under 150 ms.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from bench.loaddata import bulk_petitions, database_prepare

if TYPE_CHECKING:
    from django.test import Client

    from xinfang.units.models import Staff

BASELINE = 1_000
DEFAULT_N = {"sqlite": 100_000, "postgresql": 1_000_000}
TARGET_P95_MS = 150.0
WARMUP = 5
USERS = ("district_supervisor", "dc_registrar", "dh_handler")
FILTER_CATEGORY = "land"
FILTER_DAYS = 90
FILTER_STATES = ("accepted", "assigned", "acknowledged", "in_progress")
CURSOR_PAGE = 20
CODES = 10  # the code search cycles through this many of the user's cases

_NEXT = re.compile(r'id="ledger-more".*?after=([A-Za-z0-9_-]+)"', re.S)
_TOTAL = re.compile(r'id="ledger-total">\s*(超过|共)\s*(\d+)')
_ROW = re.compile(r'class="font-monospace"')


@dataclass
class Page:
    """One page of one user, as measured at one database size."""

    cases: int
    user: str
    name: str
    urls: list[str]
    note: str = ""
    ms: list[float] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    rows: int = 0
    total: str = ""

    @property
    def label(self) -> str:
        """The page's name, with what it came to (the page reached by the cursor)."""
        return f"{self.name} {self.note}".strip()


def _options() -> argparse.Namespace:
    """Options from argv (module names for bench/__main__ are ignored) and the environment."""
    parser = argparse.ArgumentParser(prog="python -m bench bench_ledger")
    parser.add_argument("--n", type=int, default=int(os.environ.get("BENCH_N", 0)) or None)
    parser.add_argument("--samples", type=int, default=int(os.environ.get("BENCH_SAMPLES", 50)))
    parser.add_argument("--reuse", action="store_true", default=bool(os.environ.get("BENCH_REUSE")))
    parser.add_argument("--sql", action="store_true", help="print each page's queries")
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN ANALYZE a slow page's slowest query"
    )
    parser.add_argument("--profile", action="store_true", help="profile each slow page")
    options, _ = parser.parse_known_args(sys.argv[1:])
    return options


def main() -> None:
    """Load 1,000 cases and measure, top up to n cases and measure again, print the figures."""
    options = _options()
    db = database_prepare(reuse=options.reuse)

    from django.db import connection
    from django.test import override_settings

    from xinfang.petitions.models import Petition
    from xinfang.units.models import Staff

    n = options.n or DEFAULT_N.get(db.vendor, 100_000)
    print(f"database: {db.label}")
    users = {s.username: s for s in Staff.objects.filter(username__in=USERS)}
    stages: list[list[Page]] = []
    # collectstatic's manifest is not built for a throwaway database; the plain storage's
    # URLs cost what the manifest's dictionary lookups cost.
    plain_static = override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    )
    for size in sorted({min(BASELINE, n), n}):
        count = Petition.objects.count()
        if count > size and size != n:
            print(f"baseline at {size:,} skipped: the database already holds {count:,} cases")
            continue
        if count < size:
            print(f"loading {size - count:,} petitions")
            bulk_petitions(size - count)
            if connection.vendor == "postgresql":
                # Autovacuum does this to a live database; the bulk load left it undone, and
                # without the visibility map no index-only scan is chosen.
                print("vacuum analyze")
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM (ANALYZE)")
        cases = Petition.objects.count()
        with plain_static:
            stage = [page for username in USERS for page in _pages(cases, users[username])]
            _measure(stage, users, options)
            if size == n:
                for page in stage:
                    slow = _figures(page.ms)[1] >= TARGET_P95_MS
                    if options.sql or (slow and (options.explain or options.profile)):
                        _inspect(page, users[page.user], options, slow)
        stages.append(stage)
    _report(stages, options.samples)


# -- the pages ---------------------------------------------------------------------------


def _client(user: Staff) -> Client:
    """A test client logged in as the user, on a host the settings allow."""
    from django.conf import settings
    from django.test import Client

    host = next((h for h in settings.ALLOWED_HOSTS if h not in ("*", "")), "localhost")
    client = Client(HTTP_HOST=host.lstrip("."))
    client.force_login(user)
    return client


def _get(client: Client, url: str) -> str:
    """The page's HTML."""
    return _check(client.get(url), url)


def _check(response: Any, url: str) -> str:
    """The page's HTML, once the request is over as a server would end it.

    Raises:
        RuntimeError: the page did not answer 200.
    """
    from django.db import close_old_connections

    # What request_finished does on a real server and the test Client leaves out: close
    # connections past CONN_MAX_AGE (SQLite's is 0, so each request opens its own).
    close_old_connections()
    if response.status_code != 200:
        raise RuntimeError(f"{url}: HTTP {response.status_code}")
    return response.content.decode()


def _pages(cases: int, user: Staff) -> list[Page]:
    """The five pages of this user, as URLs (the code search cycles through several)."""
    from django.urls import reverse
    from django.utils import timezone

    from xinfang.petitions.models import Category

    base = reverse("petitions:list")
    today = timezone.localdate()
    category = Category.objects.get(code=FILTER_CATEGORY)
    filtered = urlencode(
        {
            "category": category.pk,
            "received_after": (today - timedelta(days=FILTER_DAYS)).isoformat(),
            "received_before": today.isoformat(),
            "state": FILTER_STATES,
        },
        doseq=True,
    )
    # The cursor of page 20, by following the 加载更多 link of the pages before it.
    client = _client(user)
    url, reached = base, 1
    for _ in range(CURSOR_PAGE - 1):
        found = _NEXT.search(_get(client, url))
        if not found:
            break
        url, reached = f"{base}?after={found.group(1)}", reached + 1
    codes = [f"{base}?{urlencode({'q': c})}" for c in _codes(user)]
    pages = [
        Page(cases, user.username, "first", [base]),
        Page(cases, user.username, "filtered", [f"{base}?{filtered}"]),
        Page(cases, user.username, "overdue", [f"{base}?overdue=on"]),
        Page(
            cases,
            user.username,
            "page 20",
            [url],
            note="" if reached == CURSOR_PAGE else f"(last: {reached})",
        ),
    ]
    if codes:
        pages.append(Page(cases, user.username, "code", codes))
    return pages


def _codes(user: Staff) -> list[str]:
    """Tracking codes, as printed on the receipt, of cases the user can see, spread over time."""
    from xinfang.core.tracking import format_tracking_code
    from xinfang.petitions.models import Petition
    from xinfang.petitions.selectors import petitions_visible_to

    rng = random.Random(f"codes:{user.username}")
    top = Petition.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    visible = petitions_visible_to(user).order_by("pk").values_list("tracking_code", flat=True)
    codes: list[str] = []
    for _ in range(CODES * 3):
        code = visible.filter(pk__gte=rng.randint(1, top)).first() or visible.first()
        if code and code not in codes:
            codes.append(code)
        if len(codes) == CODES:
            break
    return [format_tracking_code(c) for c in codes]


# -- measuring ---------------------------------------------------------------------------


class _QueryTimer:
    """An execute wrapper that keeps each query's SQL, parameters and time."""

    def __init__(self) -> None:
        """Start with no queries."""
        self.queries: list[tuple[float, str, Any]] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        """Run the query and note how long it took."""
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append(((time.perf_counter() - start) * 1000, sql, params))


def _measure(pages: list[Page], users: dict[str, Staff], options: argparse.Namespace) -> None:
    """Warm every page up, then time `samples` rounds of requests, a page at a time in turn.

    Taking the pages in turn spreads whatever else the machine is doing over all of them.
    """
    from django.db import connection

    clients = {name: _client(user) for name, user in users.items()}
    print(f"  measuring {len(pages)} pages at {pages[0].cases:,} cases", flush=True)
    for page in pages:
        for i in range(WARMUP):
            html = _get(clients[page.user], page.urls[i % len(page.urls)])
        page.rows = len(_ROW.findall(html))
        total = _TOTAL.search(html)
        more = ">" if total and total.group(1) == "超过" else ""
        page.total = f"{more}{total.group(2)}" if total else "?"
    for i in range(options.samples):
        for page in pages:
            timer = _QueryTimer()
            client, url = clients[page.user], page.urls[i % len(page.urls)]
            with connection.execute_wrapper(timer):
                start = time.perf_counter()
                response = client.get(url)
                page.ms.append((time.perf_counter() - start) * 1000)
            _check(response, url)
            page.queries.append(len(timer.queries))
            page.sql_ms.append(sum(ms for ms, _, _ in timer.queries))


def _inspect(page: Page, user: Staff, options: argparse.Namespace, slow: bool) -> None:
    """Print the page's queries, the plan of its slowest query, its Python profile."""
    from django.db import connection

    print(f"-- {page.cases:,} cases: {page.user}, {page.label}: {page.urls[0]}")
    client = _client(user)
    _get(client, page.urls[0])
    timer = _QueryTimer()
    with connection.execute_wrapper(timer):
        _get(client, page.urls[0])
    if options.sql:
        print(f"    {len(timer.queries)} queries, {sum(q[0] for q in timer.queries):.1f} ms in SQL")
        for ms, sql, _ in timer.queries:
            print(f"    [{ms:8.2f} ms] {sql[:400]}")
    if slow and options.explain and connection.vendor == "postgresql":
        ms, sql, params = max(timer.queries, key=lambda q: q[0])
        print(f"    slowest query, {ms:.1f} ms:\n    {sql}\n    params: {params}")
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            for (line,) in cursor.fetchall():
                print(f"      {line}")
    if slow and options.profile:
        _profile(lambda: _get(client, page.urls[0]))


def _profile(call: Callable[[], Any]) -> None:
    """The functions that took the most time in one call, cumulative."""
    profiler = cProfile.Profile()
    profiler.runcall(call)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative")
    stats.print_stats(25)
    print("    " + out.getvalue().strip().replace("\n", "\n    "))


# -- the report --------------------------------------------------------------------------


def _figures(values: list[float]) -> tuple[float, float, float]:
    """p50, p95 and max."""
    # Inclusive: never past the largest sample, whatever the sample size.
    p95 = statistics.quantiles(values, n=100, method="inclusive")[94]
    return statistics.median(values), p95, max(values)


def _span(counts: list[int]) -> str:
    """A count, or its range when it varies."""
    low, high = min(counts), max(counts)
    return f"{low}" if low == high else f"{low}-{high}"


def _report(stages: list[list[Page]], samples: int) -> None:
    """The table, with the ratio of each p95 to the same page's at the baseline."""
    print()
    print(
        f"ledger page (full render, test Client), {samples} samples per page after {WARMUP} "
        "warm-up, server-side, ms;\nsql = time in queries (p50); rows shown / matching cases; "
        "x base = p95 / the same page's p95 at the baseline"
    )
    header = (
        f"{'cases':>9}  {'user':<20}{'page':<18}{'p50':>8}{'p95':>8}{'max':>8}"
        f"{'sql':>8}{'queries':>9}{'rows':>6}{'matches':>9}{'x base':>8}"
    )
    print(header)
    baseline = {(p.user, p.name): p for p in stages[0]} if len(stages) > 1 else {}
    for stage in stages:
        for page in stage:
            p50, p95, top = _figures(page.ms)
            base = baseline.get((page.user, page.name))
            ratio = f"{p95 / _figures(base.ms)[1]:.2f}x" if base and page is not base else ""
            print(
                f"{page.cases:>9,}  {page.user:<20}{page.label:<18}{p50:>8.1f}{p95:>8.1f}"
                f"{top:>8.1f}{statistics.median(page.sql_ms):>8.1f}{_span(page.queries):>9}"
                f"{page.rows:>6}{page.total:>9}{ratio:>8}"
            )
    largest = stages[-1]
    over = [p for p in largest if _figures(p.ms)[1] >= TARGET_P95_MS]
    verdict = "met" if not over else "NOT met"
    print(f"target p95 < {TARGET_P95_MS:.0f} ms at {largest[0].cases:,} cases: {verdict}")
    # Other work on the machine shows up in the tail: say how busy it was.
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average (1, 5, 15 min) at the end: {load}")
    for page in over:
        print(f"  over: {page.user}, {page.label}: p95 {_figures(page.ms)[1]:.1f} ms")


if __name__ == "__main__":
    main()
