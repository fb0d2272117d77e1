"""Reads for the dashboard and the API: the scope a request asks for, and the charts' series.

Every series is one grouped query over the scope's cases (by month, category, channel or
child unit), so the number of queries does not grow with units, months or categories.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, QuerySet, Sum
from django.db.models.functions import Substr, TruncMonth
from django.utils import timezone

from xinfang.analytics import periods, tally
from xinfang.analytics.indicators import Scope, scope_cases, subtree_cases
from xinfang.core.db import roomy
from xinfang.core.errors import NotFound, NotPermitted, ValidationFailed
from xinfang.petitions.models import Category, Channel, Petition, open_q, overdue_q
from xinfang.petitions.selectors.visibility import petitions_visible_to
from xinfang.units.models import Membership, Role, Staff, Unit
from xinfang.units.selectors import roles_over, units_visible_to
from xinfang.workflow.models import SupervisionOrder

# The longest range one request may ask for (a decade of months on the dashboard is plenty).
MAX_DAYS = 3700
# Dates a period may span: the day arithmetic (holidays, rating windows) works far inside these.
EARLIEST = date(1990, 1, 1)
LATEST = date(2099, 12, 31)


def default_unit_for(user: Staff) -> Unit | None:
    """The highest unit the user belongs to: where their dashboard opens."""
    if user.is_superuser:
        return Unit.objects.filter(depth=1).order_by("path").first()
    m = Membership.objects.filter(staff=user).select_related("unit").order_by("unit__depth")
    first = m.first()
    return first.unit if first else None


DASHBOARD_ROLES = frozenset({Role.LEADER, Role.SUPERVISOR, Role.ADMIN})


def may_view_dashboard(user: Staff) -> bool:
    """Leaders, supervisors and admins (of any unit) see the dashboard and its reports."""
    if user.is_superuser:
        return True
    return Membership.objects.filter(staff=user, role__in=DASHBOARD_ROLES).exists()


def may_view_indicators(user: Staff, unit: Unit) -> bool:
    """Staff working in or above the unit may read its indicators; an informant may not."""
    return user.is_superuser or bool(roles_over(user, unit) - {Role.INFORMANT})


def _date(params: Mapping[str, str], name: str) -> date | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationFailed(f"{name} 应为 YYYY-MM-DD 格式的日期。", {"field": name}) from exc


def _int(params: Mapping[str, str], name: str) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise ValidationFailed(f"{name} 应为编号。", {"field": name})
    return int(raw)


def scope_from_params(
    user: Staff, params: Mapping[str, str], *, today: date | None = None
) -> Scope:
    """The scope named by `unit`, `period_start`, `period_end` and `category` (ids, ISO
    dates); the user's top unit and the current month by default.

    Raises:
        NotFound: the unit is not one the user may see, or the category does not exist.
        NotPermitted: an informant.
        ValidationFailed: a malformed date or id, an end before the start, a range too long.
    """
    today = today or timezone.localdate()
    unit_id = _int(params, "unit")
    if unit_id is None:
        unit = default_unit_for(user)
    else:
        unit = units_visible_to(user).filter(pk=unit_id).first()
    if unit is None:
        raise NotFound("未找到该单位，或您无权查看。", {"field": "unit"})
    if not may_view_indicators(user, unit):
        raise NotPermitted("信息员不能查看统计指标。")
    month = periods.period_of("month", today)
    start = _date(params, "period_start") or month.start
    end = _date(params, "period_end") or (month.end if start == month.start else today)
    if start < EARLIEST or end > LATEST:
        raise ValidationFailed(
            f"统计期间应在{EARLIEST.year}年至{LATEST.year}年之间。", {"field": "period_start"}
        )
    if end < start:
        raise ValidationFailed("结束日期不能早于开始日期。", {"field": "period_end"})
    if (end - start).days > MAX_DAYS:
        raise ValidationFailed("统计期间过长。", {"field": "period_end"})
    category = None
    category_id = _int(params, "category")
    if category_id is not None:
        category = Category.objects.filter(pk=category_id).first()
        if category is None:
            raise NotFound("未找到该问题分类。", {"field": "category"})
    return Scope(user, unit, start, end, category, today)


@dataclass
class Cell:
    key: str
    label: str
    cases: int
    persons: int


def _received(scope: Scope) -> QuerySet[Petition]:
    return scope_cases(scope).filter(received_on__gte=scope.start, received_on__lte=scope.end)


def by_month(scope: Scope) -> list[Cell]:
    """Cases and person-times received in each month of the scope."""
    rows = (
        _received(scope)
        .annotate(m=TruncMonth("received_on"))
        .values("m")
        .annotate(n=Count("pk"), persons=Sum("headcount"))
        .order_by("m")
    )
    return _month_cells(scope, {r["m"]: r for r in rows})


def _month_cells(scope: Scope, found: dict[date, dict]) -> list[Cell]:
    cells = []
    index = scope.start.year * 12 + scope.start.month - 1
    while True:
        month = periods.month(index // 12, index % 12 + 1)
        if month.start > scope.end:
            break
        r = found.get(month.start, {})
        key = f"{month.start:%Y-%m}"
        cells.append(Cell(key, key, r.get("n", 0), r.get("persons") or 0))
        index += 1
    return cells


def by_category(scope: Scope) -> list[tuple[Category, int]]:
    """Cases received per top-level category (or per child of the chosen category)."""
    depth = scope.category.depth + 1 if scope.category else 1
    length = depth * Category.steplen
    rows = (
        _received(scope)
        .annotate(prefix=Substr("category__path", 1, length))
        .values("prefix")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    counts = {r["prefix"]: r["n"] for r in rows}
    cats = Category.objects.filter(path__in=list(counts), depth=depth)
    by_path = {c.path: c for c in cats}
    return [(by_path[p], n) for p, n in counts.items() if p in by_path]


def by_channel(scope: Scope) -> list[tuple[str, str, int]]:
    """Cases received per channel: (value, label, count), largest first."""
    rows = _received(scope).values("channel").annotate(n=Count("pk")).order_by("-n")
    labels = dict(Channel.choices)
    return [(r["channel"], str(labels.get(r["channel"], r["channel"])), r["n"]) for r in rows]


def child_units(unit: Unit, user: Staff) -> list[Unit]:
    """The unit's children the user may see, in tree order (the heat map's rows)."""
    return list(
        units_visible_to(user)
        .filter(path__startswith=unit.path, depth=unit.depth + 1)
        .order_by("path")
    )


def unit_month_counts(scope: Scope) -> tuple[list[Cell], dict[tuple[str, str], int]]:
    """The trend (cases and person-times received in each month, as `by_month`) and the heat
    map (cases received per child unit path and month; cases of the unit itself sit under its
    own path), from one query grouped by month and responsible unit: as many rows as units
    times months, whatever the number of cases. Read from the summary (analytics.tally) when
    it can answer, to the same numbers."""
    cells = _month_cells(scope, {})
    months_asked = [periods.month(int(c.key[:4]), int(c.key[5:])) for c in cells]
    found = tally.tally_groups(
        scope,
        [("received", max(m.start, scope.start), min(m.end, scope.end)) for m in months_asked],
    )
    if found is not None:
        rows = [
            {"responsible_unit_id": unit, "m": m.start, "n": v[0], "persons": v[1]}
            for m, groups in zip(months_asked, found, strict=True)
            for (unit, _), v in groups.items()
        ]
    else:
        rows = _unit_month_rows(scope)
    paths = dict(
        Unit.objects.filter(pk__in={r["responsible_unit_id"] for r in rows}).values_list(
            "pk", "path"
        )
    )
    length = (scope.unit.depth + 1) * Unit.steplen
    months: dict[date, dict] = {}
    counts: dict[tuple[str, str], int] = {}
    for r in rows:
        month = months.setdefault(r["m"], {"n": 0, "persons": 0})
        month["n"] += r["n"]
        month["persons"] += r["persons"] or 0
        key = (paths[r["responsible_unit_id"]][:length], f"{r['m']:%Y-%m}")
        counts[key] = counts.get(key, 0) + r["n"]
    return _month_cells(scope, months), counts


def _unit_month_rows(scope: Scope) -> list[dict]:
    """Cases and person-times received per responsible unit and month, counted directly."""
    grouped = (
        _received(scope)
        .annotate(m=TruncMonth("received_on"))
        .values("responsible_unit_id", "m")
        .annotate(n=Count("pk"), persons=Sum("headcount"))
        .order_by()
    )
    with roomy():
        return [{**r, "m": r["m"].date() if hasattr(r["m"], "date") else r["m"]} for r in grouped]


AT_RISK_DAYS = 3


def late_and_at_risk(
    scope: Scope, limit: int = 20
) -> tuple[QuerySet[Petition], QuerySet[Petition]]:
    """Open cases of the unit subtree (and category) past their binding deadline, and those
    whose deadline falls within the next few days; as the ledger's overdue filter reads them
    (all cases, litigation-related ones included: they are late all the same)."""
    today = scope.today
    qs = subtree_cases(scope)
    if scope.category is not None:
        subtree = Category.objects.filter(path__startswith=scope.category.path).values("id")
        qs = qs.filter(category_id__in=subtree)
    qs = qs.select_related("responsible_unit", "category").order_by("due_on", "pk")
    late = qs.filter(overdue_q(today))
    soon = qs.filter(open_q(), due_on__gte=today, due_on__lte=today + timedelta(days=AT_RISK_DAYS))
    return late, soon


def open_supervision_orders(scope: Scope) -> QuerySet[SupervisionOrder]:
    """Supervision orders not yet closed, addressed to a unit of the subtree, on cases the
    user may see; the most urgent first."""
    return (
        SupervisionOrder.objects.filter(
            # A correlated check per open order: `petition__in` made SQLite list every
            # visible case first (40 ms at 20,000 cases with no order at all).
            Exists(petitions_visible_to(scope.user).filter(pk=OuterRef("petition_id"))),
            unit__path__startswith=scope.unit.path,
        )
        .exclude(status=SupervisionOrder.Status.CLOSED)
        .select_related("petition", "unit")
        .order_by("due_on", "pk")
    )
