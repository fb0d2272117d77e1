"""Registration with the earlier-cases lookup at 1,000 and at 100,000 cases, server-side.

Each sample is what a registrar's desk does for one visitor: look up the person's earlier
cases (`petitions_of_person`), then register the new petition (`petition_register`), as
dc_registrar at 东城街道, timed with perf_counter around the two calls (no HTTP). Half the
visitors have been here before, drawn by case so that frequent petitioners come back more
often, as they do.

    python -m bench bench_registration [--n 100000] [--samples 500] [--reuse] [--sql]
    BENCH_N, BENCH_SAMPLES and BENCH_REUSE=1 do the same from the environment.

Without DATABASE_URL it builds a throwaway SQLite database in a temporary directory (kept
with BENCH_KEEP=1); with DATABASE_URL it refuses a database that already holds petitions
unless --reuse is given. Target: p95 under 20 ms at 100,000 cases on SQLite.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bench.loaddata import bulk_petitions, database_prepare, random_mobile, random_name

if TYPE_CHECKING:
    from xinfang.petitions.models import Category
    from xinfang.units.models import Staff, Unit

BASELINE = 1_000
TARGET_P95_MS = 20.0
WARMUP = 20
COUNTED = 20  # extra registrations run under CaptureQueriesContext, not timed


@dataclass
class Visitor:
    """Who comes to the desk and what they bring."""

    name: str
    id_number: str
    phone: str
    address: str
    kind: str
    returning: bool


@dataclass
class Stage:
    """The timings and query counts measured at one database size."""

    cases: int
    lookup_ms: list[float] = field(default_factory=list)
    register_ms: list[float] = field(default_factory=list)
    total_ms: list[float] = field(default_factory=list)
    returning: list[bool] = field(default_factory=list)
    lookup_queries: list[int] = field(default_factory=list)
    register_queries: list[int] = field(default_factory=list)
    earlier_found: list[int] = field(default_factory=list)


def _options() -> argparse.Namespace:
    """Options from argv (module names for bench/__main__ are ignored) and the environment."""
    parser = argparse.ArgumentParser(prog="python -m bench bench_registration")
    parser.add_argument("--n", type=int, default=int(os.environ.get("BENCH_N", 100_000)))
    parser.add_argument("--samples", type=int, default=int(os.environ.get("BENCH_SAMPLES", 500)))
    parser.add_argument("--reuse", action="store_true", default=bool(os.environ.get("BENCH_REUSE")))
    parser.add_argument("--sql", action="store_true", help="print the queries of one sample")
    options, _ = parser.parse_known_args(sys.argv[1:])
    return options


def main() -> None:
    """Load 1,000 cases and measure, top up to n cases and measure again, print the figures."""
    options = _options()
    db = database_prepare(reuse=options.reuse)

    from xinfang.petitions.models import Category, Petition
    from xinfang.units.models import Staff, Unit

    print(f"database: {db.label}")
    registrar = Staff.objects.get(username="dc_registrar")
    unit = Unit.objects.get(code="LJ-CN-DC")
    categories = list(Category.objects.filter(numchild=0, is_active=True))
    rng = random.Random(2)
    stages: list[Stage] = []
    for size in sorted({min(BASELINE, options.n), options.n}):
        count = Petition.objects.count()
        if count > size and size != options.n:
            print(f"baseline at {size:,} skipped: the database already holds {count:,} cases")
            continue
        if count < size:
            print(f"loading {size - count:,} petitions")
            bulk_petitions(size - count)
        stage = _measure(
            Stage(cases=Petition.objects.count()),
            samples=options.samples,
            rng=rng,
            registrar=registrar,
            unit=unit,
            categories=categories,
            show_sql=options.sql and size == options.n,
        )
        stages.append(stage)
    _report(stages, options.samples)


def _visitors(rng: random.Random, k: int) -> list[Visitor]:
    """k visitors, half of them people with earlier cases (picked by case), half new."""
    from xinfang.petitions.identity import random_id_number
    from xinfang.petitions.models import Petition, PetitionParty

    pks = list(Petition.objects.values_list("pk", flat=True))
    chosen = [rng.choice(pks) for _ in range(k)]
    people = {
        party.petition_id: party.petitioner
        for party in PetitionParty.objects.filter(
            petition_id__in=chosen, role=PetitionParty.Role.PETITIONER, position=0
        ).select_related("petitioner")
    }
    visitors = []
    for pk in chosen:
        if rng.random() < 0.5 and pk in people:
            p = people[pk]
            visitors.append(Visitor(p.name, p.id_number, p.phone, p.address, p.kind, True))
        else:
            # A region the generated pool never uses, so a new visitor is really new.
            id_number = random_id_number(rng, region="110101") if rng.random() < 0.85 else ""
            visitors.append(
                Visitor(random_name(rng), id_number, random_mobile(rng), "", "other", False)
            )
    return visitors


def _measure(
    stage: Stage,
    *,
    samples: int,
    rng: random.Random,
    registrar: Staff,
    unit: Unit,
    categories: list[Category],
    show_sql: bool,
) -> Stage:
    """Time `samples` registrations after a warm-up, then count queries on a few more."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    print(f"measuring {samples} registrations at {stage.cases:,} cases")
    visitors = _visitors(rng, WARMUP + samples + COUNTED)
    for i, visitor in enumerate(visitors):
        category = rng.choice(categories)
        if i < WARMUP:
            _register(visitor, registrar, unit, category, rng)
        elif i < WARMUP + samples:
            t0 = time.perf_counter()
            earlier = _lookup(visitor, registrar, category)
            t1 = time.perf_counter()
            _register(visitor, registrar, unit, category, rng)
            t2 = time.perf_counter()
            stage.lookup_ms.append((t1 - t0) * 1000)
            stage.register_ms.append((t2 - t1) * 1000)
            stage.total_ms.append((t2 - t0) * 1000)
            stage.returning.append(visitor.returning)
            if visitor.returning:
                stage.earlier_found.append(len(earlier))
        else:
            timer = _QueryTimer()
            with connection.execute_wrapper(timer), CaptureQueriesContext(connection) as queries:
                _lookup(visitor, registrar, category)
                lookup_count, lookup_timed = len(queries), len(timer.queries)
                _register(visitor, registrar, unit, category, rng)
            stage.lookup_queries.append(lookup_count)
            stage.register_queries.append(len(queries) - lookup_count)
            if show_sql and visitor.returning:
                show_sql = False
                _print_queries("lookup", timer.queries[:lookup_timed])
                _print_queries("register", timer.queries[lookup_timed:])
    return stage


class _QueryTimer:
    """An execute wrapper that keeps each query's SQL and its time to the microsecond."""

    def __init__(self) -> None:
        """Start with no queries."""
        self.queries: list[tuple[float, str]] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        """Run the query and note how long it took."""
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append(((time.perf_counter() - start) * 1000, sql))


def _lookup(visitor: Visitor, registrar: Staff, category: Category) -> list[Any]:
    """The earlier-cases panel the registrar sees while typing the person in."""
    from xinfang.petitions.selectors import petitions_of_person

    return petitions_of_person(
        registrar, id_number=visitor.id_number, phone=visitor.phone, category=category
    )


def _register(
    visitor: Visitor, registrar: Staff, unit: Unit, category: Category, rng: random.Random
) -> None:
    """Register the visitor's petition at the registrar's unit."""
    from django.utils import timezone

    from xinfang.petitions.services import PersonInput
    from xinfang.workflow.services import petition_register

    now = timezone.now()
    petition_register(
        actor=registrar,
        channel="visit",
        received_at=now - timedelta(minutes=rng.randint(1, 30)),
        receiving_unit=unit,
        subject=f"反映{category.name}问题",
        content=f"信访人{visitor.name}来访反映{category.name}问题，请求有关部门调查处理。",
        category=category,
        petitioners=[
            PersonInput(
                visitor.name, visitor.id_number, visitor.phone, visitor.address, visitor.kind
            )
        ],
        now=now,
    )


def _print_queries(label: str, queries: list[tuple[float, str]]) -> None:
    """The SQL of one call with each query's time, one query a line."""
    print(f"  -- {label}: {len(queries)} queries, {sum(ms for ms, _ in queries):.2f} ms in SQL")
    for ms, sql in queries:
        print(f"     [{ms:6.3f} ms] {sql[:300]}")


def _figures(values: list[float]) -> tuple[float, float, float]:
    """p50, p95 and max."""
    # Inclusive: never past the largest sample, whatever the sample size.
    p95 = statistics.quantiles(values, n=100, method="inclusive")[94]
    return statistics.median(values), p95, max(values)


def _report(stages: list[Stage], samples: int) -> None:
    """The table, the ratio of the p95s and the query counts."""
    print()
    print(
        f"registration with earlier-cases lookup, dc_registrar at 东城街道, {samples} samples "
        "per size, server-side, ms"
    )
    print(f"{'cases':>9}  {'step':<9}{'p50':>8}{'p95':>8}{'max':>8}")
    # new / known: the total for first-time visitors and for people with earlier cases.
    for stage in stages:
        pairs = list(zip(stage.returning, stage.total_ms, strict=True))
        for step, values in (
            ("lookup", stage.lookup_ms),
            ("register", stage.register_ms),
            ("total", stage.total_ms),
            ("  new", [ms for returning, ms in pairs if not returning]),
            ("  known", [ms for returning, ms in pairs if returning]),
        ):
            if len(values) < 2:
                continue
            p50, p95, top = _figures(values)
            print(f"{stage.cases:>9,}  {step:<9}{p50:>8.2f}{p95:>8.2f}{top:>8.2f}")
    for stage in stages:
        found = stage.earlier_found or [0]
        print(
            f"queries at {stage.cases:,} cases: lookup {_span(stage.lookup_queries)}, "
            f"register {_span(stage.register_queries)}; earlier cases shown to a returning "
            f"visitor: mean {statistics.mean(found):.1f}, max {max(found)}"
        )
    if len(stages) > 1:
        small, large = stages[0], stages[-1]
        ratio = _figures(large.total_ms)[1] / _figures(small.total_ms)[1]
        print(f"p95 total at {large.cases:,} / at {small.cases:,} cases: {ratio:.2f}x")
    p95 = _figures(stages[-1].total_ms)[1]
    verdict = "met" if p95 < TARGET_P95_MS else "NOT met"
    print(f"target p95 < {TARGET_P95_MS:.0f} ms at {stages[-1].cases:,} cases: {verdict}")


def _span(counts: list[int]) -> str:
    """A count, or its range when it varies."""
    low, high = min(counts), max(counts)
    return f"{low}" if low == high else f"{low}-{high}"


if __name__ == "__main__":
    main()
