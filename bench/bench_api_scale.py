"""The REST API's list, detail and create at a database's size (issue 19, "also at scale").

Each sample is one request through Django's test Client, in process (middleware, token
authentication, the view, its queries, the JSON), timed with perf_counter around the call, as
the demo registrar of 东城街道 (dc_registrar, `--user` for another) with an API token:

    list       GET /api/v1/petitions/?limit=20 (the first page of what the user sees)
    filtered   GET /api/v1/petitions/?state=registered&limit=20&offset=0…180 (the peer
               workload's page, bench/bench_peer.py)
    detail     GET /api/v1/petitions/{id}/ of a case the user sees, drawn at random
    create     POST /api/v1/petitions/ (a visit to 东城街道, one petitioner)

The kinds are measured in turn, one request each per round, so that whatever else the
machine does falls on all of them alike; the median, p95 and queries of each are printed
with the commit and the load average. Run it at 10,000 cases and at 1,000,000 and compare:
issue 19's goal is a p95 at 1M within 1.5× of the 10k figure on PostgreSQL.

    DATABASE_URL=postgres://…/NAME python -m bench bench_api_scale [--n 10000]
        [--samples 200] [--reuse] [--keep] [--user dc_registrar]

It tops the database up to --n cases with bench/loaddata.py (--reuse to measure one that
holds cases already). The cases it creates are deleted at the end and its token revoked
(--keep leaves them), so a shared database is left with the cases it had; the detail reads
do leave their access-log rows.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.loaddata import bulk_petitions, database_prepare

KINDS = ("list", "filtered", "detail", "create")
WARMUP = 5


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench bench_api_scale")
    parser.add_argument("--n", type=int, default=int(os.environ.get("BENCH_N", 10_000)))
    parser.add_argument("--samples", type=int, default=int(os.environ.get("BENCH_SAMPLES", 200)))
    parser.add_argument("--reuse", action="store_true", default=bool(os.environ.get("BENCH_REUSE")))
    parser.add_argument("--keep", action="store_true", help="keep the cases it created")
    parser.add_argument("--user", default="dc_registrar")
    options, _ = parser.parse_known_args(sys.argv[1:])
    return options


def main() -> None:
    options = _options()
    db = database_prepare(reuse=options.reuse)

    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from xinfang.api.tokens import api_token_issue, api_token_revoke
    from xinfang.petitions.models import Category, Petition
    from xinfang.petitions.selectors.visibility import petitions_visible_to
    from xinfang.units.models import Staff, Unit

    print(f"database: {db.label}")
    count = Petition.objects.count()
    if count < options.n:
        print(f"loading {options.n - count:,} petitions")
        bulk_petitions(options.n - count)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE)")
    cases = Petition.objects.count()
    user = Staff.objects.get(username=options.user)
    token, key = api_token_issue(user=user, name="bench_api_scale")
    host = next((h for h in settings.ALLOWED_HOSTS if h not in ("*", "")), "localhost")
    client = Client(HTTP_HOST=host.lstrip("."), HTTP_AUTHORIZATION=f"Token {key}")
    unit = Unit.objects.get(code="LJ-CN-DC")
    category = (
        Category.objects.filter(numchild=0, is_active=True, is_litigation=False)
        .order_by("path")
        .first()
    )
    rng = random.Random(19)
    visible = list(petitions_visible_to(user).values_list("pk", flat=True))
    print(f"{cases:,} cases, {len(visible):,} visible to {user.username}")
    created: list[int] = []

    def request(kind: str, i: int) -> Any:
        if kind == "list":
            return client.get("/api/v1/petitions/?limit=20")
        if kind == "filtered":
            return client.get(
                f"/api/v1/petitions/?state=registered&limit=20&offset={(i % 10) * 20}"
            )
        if kind == "detail":
            return client.get(f"/api/v1/petitions/{rng.choice(visible)}/")
        payload = {
            "channel": "visit",
            "received_at": time.strftime("%Y-%m-%dT%H:%M:%S+08:00"),
            "receiving_unit": unit.pk,
            "category": category.pk,
            "subject": f"小区排水管道堵塞 {i}",
            "content": (
                f"居民反映：小区{i % 37 + 1}号楼排水管道堵塞，污水外溢，请尽快派人疏通。编号 {i}"
            ),
            "petitioners": [{"name": f"居民{i}", "phone": f"139{rng.randrange(10**8):08d}"}],
        }
        return client.post("/api/v1/petitions/", payload, content_type="application/json")

    def call(kind: str, i: int) -> None:
        from django.db import close_old_connections

        response = request(kind, i)
        # What request_finished does on a server: close connections past CONN_MAX_AGE.
        close_old_connections()
        expected = 201 if kind == "create" else 200
        if response.status_code != expected:
            raise RuntimeError(f"{kind}: HTTP {response.status_code} {response.content[:300]!r}")
        if kind == "create":
            created.append(response.json()["id"])

    try:
        for i in range(WARMUP):
            for kind in KINDS:
                call(kind, i)
        queries = {kind: _queries(connection, lambda k=kind: call(k, 0)) for kind in KINDS}
        print(f"commit {_commit()}; load average before: {_loadavg()}")
        ms: dict[str, list[float]] = {kind: [] for kind in KINDS}
        for i in range(options.samples):
            for kind in KINDS:
                started = time.perf_counter()
                call(kind, i)
                ms[kind].append((time.perf_counter() - started) * 1000)
        print(f"load average after: {_loadavg()}")
    finally:
        api_token_revoke(user=user, token_id=token.pk)
        if created and not options.keep:
            _delete(created)
            print(f"deleted the {len(created)} cases it created")
    print(f"{'request':<10}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}   ({options.samples} samples)")
    for kind in KINDS:
        values = sorted(ms[kind])
        p95 = values[min(len(values) - 1, round(0.95 * len(values)) - 1)]
        print(f"{kind:<10}{statistics.median(values):>9.1f}{p95:>9.1f}{queries[kind]:>9}")


def _delete(created: list[int]) -> None:
    """Remove the cases this run created, their history and their new petitioners: a bench
    database is not a register (a real one never loses an event; PetitionEvent protects them)."""
    from django.db import transaction

    from xinfang.petitions.models import Petition, Petitioner, PetitionEvent, PetitionParty

    with transaction.atomic():
        people = set(
            PetitionParty.objects.filter(petition_id__in=created).values_list(
                "petitioner_id", flat=True
            )
        )
        PetitionEvent.objects.filter(petition_id__in=created).delete()
        Petition.objects.filter(pk__in=created).delete()
        Petitioner.objects.filter(pk__in=people, parties__isnull=True).delete()


def _queries(connection: Any, run: Any) -> int:
    """How many statements one request sends (an extra request, not timed)."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured)


def _loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parent,
            check=False,
        ).stdout.strip()
    except OSError:
        return "?"


if __name__ == "__main__":
    main()
