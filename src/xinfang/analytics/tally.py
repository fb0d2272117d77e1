"""The indicators' summary: the cases added up per responsible unit, date kind and day, kept
exactly equal to counting the cases, so that a month, a trend or a city's year is read from
a few thousand sums instead of every case (issue 14's performance goals).

Each condition an indicator counts by (indicators.Condition) is a date in the period and a
fact of the case that does not depend on the period. `CaseFacts` keeps, per case, its dates
and one bit per condition whose facts it meets, as the database evaluates the very Q the
direct count uses (seen by nobody in particular: no accusation hidden); `DayTally` adds
them up per (unit, kind, day, that kind's bits).

Kept exact:
- database triggers (migration analytics 0006) mark every case a write may change: the case
  itself, the case a repeat names (its escalation facts), a rating's or review request's
  case; `tally_refresh` (a job every minute, and after a bulk load) reads the marked cases
  again and moves the sums by the difference, under a lock on the state row;
- a reader counts the sums, then replaces what the marked cases and the cases whose facts
  differ for its user (accusations hidden from them, repeats of those, cases those repeat)
  added with what they add now, counted directly (`tally_groups`); the state's generation
  tells it when a refresh went by meanwhile, and it reads again;
- until the summary is built (`tally_rebuild`), for another set of conditions than the code's,
  for a category or a subtree the user does not see, the callers count the cases directly.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import reduce

from django.db import connection, transaction
from django.db.models import Case, DateField, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone

from xinfang.analytics import indicators
from xinfang.analytics.indicators import (
    BY_KEY,
    DATES,
    INDICATORS,
    Condition,
    Indicator,
    Result,
    Scope,
    _condition_bits,
    _hidden,
    rate,
    scope_cases,
    subtree_cases,
    window_of,
)
from xinfang.analytics.tally_models import CaseFacts, DayTally, DirtyCase, MonthTally, TallyState
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors.visibility import UNIT_LIST_LIMIT
from xinfang.units.models import Unit
from xinfang.units.selectors import unit_is_visible_to
from xinfang.workflow.calendar import WorkCalendar

CONDITIONS: list[Condition] = _condition_bits(list(INDICATORS))
BIT: dict[Condition, int] = {c: 1 << i for i, c in enumerate(CONDITIONS)}
KINDS: dict[str, int] = {kind: i + 1 for i, kind in enumerate(DATES)}
KIND_MASK: dict[str, int] = {
    kind: sum(BIT[c] for c in CONDITIONS if c.kind == kind) for kind in KINDS
}
# The conditions the sums were made for: another set (a new indicator) needs a rebuild.
SIGNATURE = ";".join(f"{c.name}:{c.kind}" for c in CONDITIONS)
FACT_FIELDS = ("received_on", "decide_by", "conclude_by", "reply_delivered_on", "concluded_on")
KIND_FIELD = {kind: field for kind, (field, _) in DATES.items()}
# More cases to recount than this, and the caller counts directly (after a bulk load).
CORRECTION_LIMIT = 5000
BATCH = 100_000
# More marked cases than this (a bulk load), and the summary is rebuilt, not refreshed.
REBUILD_ABOVE = 100_000


# -- the facts of cases --------------------------------------------------------------------


def _system_scope() -> Scope:
    """The summary's view: every case, nothing hidden (analytics.indicators._hidden)."""
    return Scope(None, None, date.min, date.max)


def _bits(scope: Scope) -> Case | Value:
    terms = [
        Value(BIT[c])
        if c.static is None
        else Case(When(c.static(scope), then=Value(BIT[c])), default=Value(0))
        for c in CONDITIONS
    ]
    return reduce(operator.add, terms)


def facts_of(cases: QuerySet[Petition], scope: Scope) -> QuerySet:
    """Each case's row of facts (`CaseFacts`' columns, in order) as `scope`'s user sees them.
    A reply counts for the rating window only once the case is concluded."""
    return cases.annotate(
        f_id=F("pk"),
        f_unit=F("responsible_unit_id"),
        f_headcount=F("headcount"),
        f_received=F("received_on"),
        f_decide=F("decide_by"),
        f_conclude=F("conclude_by"),
        f_delivered=Case(
            When(concluded_on__isnull=False, then=F("reply_delivered_on")),
            default=Value(None),
            output_field=DateField(),
        ),
        f_concluded=F("concluded_on"),
        f_bits=_bits(scope),
    ).values_list(
        "f_id",
        "f_unit",
        "f_headcount",
        "f_received",
        "f_decide",
        "f_conclude",
        "f_delivered",
        "f_concluded",
        "f_bits",
    )


COLUMNS = ("petition_id", "unit_id", "headcount", *FACT_FIELDS, "bits")


@dataclass(frozen=True)
class Fact:
    petition_id: int
    unit_id: int
    headcount: int
    received_on: date | None
    decide_by: date | None
    conclude_by: date | None
    reply_delivered_on: date | None
    concluded_on: date | None
    bits: int

    def date_of(self, kind: str) -> date | None:
        return getattr(self, KIND_FIELD[kind])


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _fact(row: Iterable) -> Fact:
    r = list(row)
    for i in range(3, 8):
        r[i] = _as_date(r[i])
    return Fact(*r)


def _contributions(fact: Fact) -> Iterable[tuple[tuple[int, int, date, int], int]]:
    """The (unit, kind, day, bits) sums one case adds to, with its headcount."""
    for kind, code in KINDS.items():
        day = fact.date_of(kind)
        if day is not None:
            yield (fact.unit_id, code, day, fact.bits & KIND_MASK[kind]), fact.headcount


# -- keeping the sums ---------------------------------------------------------------------


def _locked_state() -> TallyState:
    """The state row, its generation moved on: the lock every writer of the sums takes
    first (PostgreSQL: the row lock; SQLite: the database's write lock)."""
    TallyState.objects.filter(pk=1).update(generation=F("generation") + 1)
    state = TallyState.objects.select_for_update().filter(pk=1).first()
    if state is None:
        state = TallyState.objects.create(pk=1, generation=1)
    return state


def tally_rebuild() -> int:
    """Recount every case into the summary (after a migration, a bulk load, or a change of
    the conditions). Returns the number of cases. The marks seen at the start are cleared;
    later ones stay for the next refresh."""
    outer = connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and not outer:
            with connection.cursor() as cursor:
                # One snapshot for the whole rebuild: the marks it deletes are exactly those
                # whose writes it reads.
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        state = _locked_state()
        marked = DirtyCase.objects.order_by("-id").values_list("id", flat=True).first() or 0
        DayTally.objects.all().delete()
        CaseFacts.objects.all().delete()
        top = Petition.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        table = CaseFacts._meta.db_table
        with connection.cursor() as cursor:
            for low in range(0, top + 1, BATCH):
                cases = Petition.objects.filter(
                    is_litigation=False, pk__gte=low, pk__lt=low + BATCH
                ).order_by()
                sql, params = facts_of(cases, _system_scope()).query.sql_with_params()
                cursor.execute(f"INSERT INTO {table} ({', '.join(COLUMNS)}) {sql}", params)
            for kind, code in KINDS.items():
                field = KIND_FIELD[kind]
                cursor.execute(
                    f"INSERT INTO {DayTally._meta.db_table} "
                    "(unit_id, kind, day, bits, n, headcount) "
                    f"SELECT unit_id, %s, {field}, bits & %s, COUNT(*), SUM(headcount) "
                    f"FROM {table} WHERE {field} IS NOT NULL "
                    f"GROUP BY unit_id, {field}, bits & %s",
                    [code, KIND_MASK[kind], KIND_MASK[kind]],
                )
        months = (
            DayTally.objects.annotate(m=TruncMonth("day"))
            .values("unit_id", "kind", "m", "bits")
            .annotate(s_n=Sum("n"), s_h=Sum("headcount"))
            .order_by()
        )
        MonthTally.objects.all().delete()
        MonthTally.objects.bulk_create(
            [
                MonthTally(
                    unit_id=r["unit_id"],
                    kind=r["kind"],
                    month=_as_date(r["m"]),
                    bits=r["bits"],
                    n=r["s_n"],
                    headcount=r["s_h"],
                )
                for r in months
            ],
            batch_size=5000,
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for model in (CaseFacts, DayTally, MonthTally):
                    cursor.execute(f"ANALYZE {model._meta.db_table}")
        DirtyCase.objects.filter(id__lte=marked).delete()
        state.built = True
        state.signature = SIGNATURE
        state.refreshed_at = timezone.now()
        state.save()
        return CaseFacts.objects.count()


def tally_refresh(limit: int = 20_000) -> int:
    """Read the marked cases again and move the sums by what changed (a few hundred cases
    a minute in a working day). Returns how many cases were read; 0 when the summary is
    not built (it is then rebuilt, not refreshed)."""
    with transaction.atomic():
        state = _locked_state()
        if not state.built or state.signature != SIGNATURE:
            return 0
        marks = list(DirtyCase.objects.order_by("id").values_list("id", "petition_id")[:limit])
        if not marks:
            return 0
        ids = sorted({p for _, p in marks})
        delta: dict[tuple[int, int, date, int], list[int]] = defaultdict(lambda: [0, 0])
        old = CaseFacts.objects.filter(petition_id__in=ids).values_list(*COLUMNS)
        for row in old:
            for key, heads in _contributions(_fact(row)):
                delta[key][0] -= 1
                delta[key][1] -= heads
        new = [
            _fact(r)
            for r in facts_of(
                Petition.objects.filter(pk__in=ids, is_litigation=False), _system_scope()
            )
        ]
        for fact in new:
            for key, heads in _contributions(fact):
                delta[key][0] += 1
                delta[key][1] += heads
        CaseFacts.objects.filter(petition_id__in=ids).delete()
        CaseFacts.objects.bulk_create(
            [CaseFacts(**{c: getattr(f, c) for c in COLUMNS}) for f in new]
        )
        _sums_move({k: v for k, v in delta.items() if v != [0, 0]})
        DirtyCase.objects.filter(id__in=[i for i, _ in marks]).delete()
        state.refreshed_at = timezone.now()
        state.save(update_fields=["refreshed_at"])
        return len(ids)


def tally_catch_up() -> int:
    """Refresh the summary, or build it when it is not built for these conditions (or after
    a bulk load marked more cases than a rebuild reads). Returns the cases read."""
    built, _ = _state()
    if not built or DirtyCase.objects.count() > REBUILD_ABOVE:
        return tally_rebuild()
    done = 0
    while (step := tally_refresh()) > 0:
        done += step
    return done


def _sums_move(delta: dict[tuple[int, int, date, int], list[int]]) -> None:
    """Move the day sums and the month sums by the differences (rows at 0 go)."""
    if not delta:
        return
    monthly: dict[tuple[int, int, date, int], list[int]] = defaultdict(lambda: [0, 0])
    for (unit, kind, day, bits), (n, heads) in delta.items():
        row = monthly[(unit, kind, day.replace(day=1), bits)]
        row[0] += n
        row[1] += heads
    _grain_move(DayTally, "day", delta)
    _grain_move(MonthTally, "month", {k: v for k, v in monthly.items() if v != [0, 0]})


def _grain_move(model, field: str, delta: dict[tuple[int, int, date, int], list[int]]) -> None:
    if not delta:
        return
    rows = model.objects.filter(
        kind__in={k[1] for k in delta},
        unit_id__in={k[0] for k in delta},
        **{f"{field}__in": {k[2] for k in delta}},
    )
    existing = {(r.unit_id, r.kind, _as_date(getattr(r, field)), r.bits): r for r in rows}
    changed, gone, added = [], [], []
    for key, (n, heads) in delta.items():
        row = existing.get(key)
        if row is None:
            added.append(
                model(
                    unit_id=key[0],
                    kind=key[1],
                    bits=key[3],
                    n=n,
                    headcount=heads,
                    **{field: key[2]},
                )
            )
            continue
        row.n += n
        row.headcount += heads
        (gone if row.n == 0 else changed).append(row)
    if gone:
        model.objects.filter(pk__in=[r.pk for r in gone]).delete()
    model.objects.bulk_update(changed, ["n", "headcount"], batch_size=1000)
    model.objects.bulk_create(added, batch_size=1000)


# -- reading the sums ---------------------------------------------------------------------

Range = tuple[str, date, date]
Groups = dict[tuple[int, int], list[int]]


def usable_for(scope: Scope) -> list[int] | None:
    """The subtree's unit ids when the summary can answer for this scope, else None: no
    category (the summary has none), a user for whom the subtree's cases are those not
    hidden from them (indicators.subtree_cases' fast path), a listable subtree."""
    if scope.category is not None or scope.user is None:
        return None
    user = scope.user
    if not (
        user.is_active
        and scope.remembered(
            ("unit_visible", user.pk, scope.unit.pk), lambda: unit_is_visible_to(user, scope.unit)
        )
    ):
        return None
    subtree_cases(scope)  # fills the memo's list of the subtree's units
    units = scope.memo[("subtree", scope.unit.pk)]
    return None if len(units) > UNIT_LIST_LIMIT else units


def tally_groups(scope: Scope, ranges: list[Range]) -> list[Groups] | None:
    """For each (kind, first day, last day): the scope's cases whose `kind` date lies in the
    range, grouped by responsible unit and that kind's bits: {(unit, bits): [cases,
    headcount]}, exactly as counting the cases would make them. None when the summary cannot
    answer (the caller counts directly)."""
    units = usable_for(scope)
    if units is None or not ranges:
        return None
    for _ in range(3):
        found = _read(scope, units, ranges)
        if found is CANNOT:
            return None
        if found is not None:
            return found
    return None


def _state() -> tuple[bool, int]:
    row = TallyState.objects.filter(pk=1).values_list("built", "signature", "generation").first()
    if row is None:
        return False, 0
    return bool(row[0] and row[1] == SIGNATURE), row[2]


# _read's answer when the summary cannot answer at all (not built, too many to recount).
CANNOT: list = []


def _read(scope: Scope, units: list[int], ranges: list[Range]) -> list[Groups] | None:
    built, generation = _state()
    recount = _recount_ids(scope) if built else None
    if not built or recount is None:
        return CANNOT
    out: list[Groups] = [defaultdict(lambda: [0, 0]) for _ in ranges]
    # One query per grain, whatever the number of ranges and units: the sums of each
    # (kind, day or month, unit, bits) in any of the pieces, then added to every range
    # whose piece holds them (ranges may overlap: a year and its months).
    pieces: dict[type, list[tuple[int, str, date, date, int]]] = defaultdict(list)
    for tag, (kind, first, last) in enumerate(ranges):
        for model, field, low, high in _pieces(first, last):
            pieces[model].append((KINDS[kind], field, low, high, tag))
    unit_ids = Unit.objects.filter(path__startswith=scope.unit.path).values("id")
    for model, wanted in pieces.items():
        field = wanted[0][1]
        where = reduce(
            operator.or_,
            (Q(kind=k, **{f"{field}__gte": lo, f"{field}__lte": hi}) for k, _, lo, hi, _ in wanted),
        )
        rows = (
            model.objects.filter(where, unit_id__in=unit_ids)
            .values_list("kind", field, "unit_id", "bits", "n", "headcount")
            .order_by()
        )
        for kind, bucket, unit, bits, n, heads in rows:
            bucket = _as_date(bucket)
            for k, _, lo, hi, tag in wanted:
                if k == kind and lo <= bucket <= hi:
                    group = out[tag][(unit, bits)]
                    group[0] += n
                    group[1] += heads
    if recount:
        stored = CaseFacts.objects.filter(petition_id__in=recount, unit_id__in=units)
        _add(out, ranges, (_fact(r) for r in stored.values_list(*COLUMNS)), -1)
        live = facts_of(scope_cases(scope).filter(pk__in=recount), scope)
        _add(out, ranges, (_fact(r) for r in live), +1)
    if _state() != (True, generation):
        return None
    return [{k: v for k, v in groups.items() if v[0]} for groups in out]


def _pieces(first: date, last: date) -> list[tuple[type, str, date, date]]:
    """Where the sums of the days first..last are read: the whole months among them from
    the month sums, the days of the partial months at either end from the day sums."""
    if first > last:
        return []
    start = first if first.day == 1 else _next_month(first)
    after = _next_month(last)
    end = after if after - timedelta(days=1) == last else last.replace(day=1)
    if start >= end:  # no whole month
        return [(DayTally, "day", first, last)]
    pieces = [(MonthTally, "month", start, end - timedelta(days=1))]
    if first < start:
        pieces.append((DayTally, "day", first, start - timedelta(days=1)))
    if end <= last:
        pieces.append((DayTally, "day", end, last))
    return pieces


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _add(out: list[Groups], ranges: list[Range], facts: Iterable[Fact], sign: int) -> None:
    for fact in facts:
        for tag, (kind, first, last) in enumerate(ranges):
            day = fact.date_of(kind)
            if day is not None and first <= day <= last:
                group = out[tag][(fact.unit_id, fact.bits & KIND_MASK[kind])]
                group[0] += sign
                group[1] += sign * fact.headcount


def _recount_ids(scope: Scope) -> set[int] | None:
    """The cases whose sums may be wrong for this reader: those marked since the last
    refresh, and those whose facts differ for the user (accusations hidden from them, the
    repeats of those, the cases those repeat). None when there are too many."""
    ids = set(DirtyCase.objects.values_list("petition_id", flat=True)[: CORRECTION_LIMIT + 1])
    hidden = list(Petition.objects.filter(_hidden(scope)).values_list("pk", "repeat_of_id"))
    if hidden:
        ids.update(pk for pk, _ in hidden)
        ids.update(r for _, r in hidden if r is not None)
        ids.update(
            Petition.objects.filter(repeat_of_id__in=[pk for pk, _ in hidden]).values_list(
                "pk", flat=True
            )
        )
    return None if len(ids) > CORRECTION_LIMIT else ids


def count(groups: Groups, condition: Condition, headcount: bool = False) -> int:
    """The cases (or their headcount) of the groups meeting a condition's facts."""
    bit = BIT[condition]
    return sum(v[1 if headcount else 0] for (_, bits), v in groups.items() if bits & bit)


# -- the indicators from the sums -----------------------------------------------------------


def _ranges(scope: Scope, chosen: list[Indicator], calendar: WorkCalendar | None) -> list[Range]:
    window = window_of(scope, calendar)
    kinds = {c.kind for c in _condition_bits(chosen)}
    out = []
    for kind in DATES:
        if kind in kinds:
            bounds = DATES[kind][1](scope, window)
            # No day can count: an empty range (first after last).
            out.append((kind, *(bounds or (date.max, date.min))))
    return out


def _results(chosen: list[Indicator], ranges: list[Range], groups: list[Groups]) -> list[Result]:
    by_kind = {kind: g for (kind, _, _), g in zip(ranges, groups, strict=True)}
    results = []
    for indicator in chosen:
        numerator = indicator.numerator
        num = count(by_kind[numerator.kind], numerator, headcount=bool(indicator.sums))
        den = None
        if indicator.denominator is not None:
            den = count(by_kind[indicator.denominator.kind], indicator.denominator)
        value = rate(num, den) if indicator.is_rate else None
        results.append(Result(indicator, int(num), den, value))
    return results


def summary_compute_periods(
    asked: list[tuple[Scope, list[str] | None]], calendar: WorkCalendar | None = None
) -> list[list[Result]] | None:
    """`indicators_compute_periods` from the sums, or None when they cannot answer."""
    first = asked[0][0]
    chosen = [[BY_KEY[k] for k in keys] if keys else list(INDICATORS) for _, keys in asked]
    ranges = [_ranges(scope, c, calendar) for (scope, _), c in zip(asked, chosen, strict=True)]
    flat = [r for rs in ranges for r in rs]
    groups = tally_groups(first, flat)
    if groups is None:
        return None
    out, at = [], 0
    for c, rs in zip(chosen, ranges, strict=True):
        out.append(_results(c, rs, groups[at : at + len(rs)]))
        at += len(rs)
    return out


def summary_by_child(
    scope: Scope, keys: list[str], calendar: WorkCalendar | None = None
) -> dict[str, list[Result]] | None:
    """`indicators_by_child` from the sums, or None when they cannot answer."""
    chosen = [BY_KEY[k] for k in keys]
    ranges = _ranges(scope, chosen, calendar)
    groups = tally_groups(scope, ranges)
    if groups is None:
        return None
    units = {unit for g in groups for unit, _ in g}
    paths = dict(Unit.objects.filter(pk__in=units).values_list("pk", "path"))
    length = (scope.unit.depth + 1) * Unit.steplen
    per_child: dict[str, list[Groups]] = {}
    for i, g in enumerate(groups):
        for (unit, bits), v in g.items():
            child = per_child.setdefault(
                paths[unit][:length], [defaultdict(lambda: [0, 0]) for _ in groups]
            )
            child[i][(unit, bits)] = v
    return {child: _results(chosen, ranges, gs) for child, gs in per_child.items()}


def register() -> None:
    """Let the indicators read the sums when they can (apps.AnalyticsConfig.ready)."""
    indicators.summary_register(summary_compute_periods, summary_by_child)
