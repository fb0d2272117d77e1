"""The leader's dashboard (/analytics/): this month against last month and a year ago, the
trend, categories, channels, units by month, late and at-risk cases, open supervision; every
number and chart element links to the ledger of the cases behind it."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from xinfang.analytics import periods
from xinfang.analytics.drill import drill_url
from xinfang.analytics.indicators import Result, Scope, indicators_compute_periods
from xinfang.analytics.selectors import (
    by_category,
    by_channel,
    child_units,
    late_and_at_risk,
    may_view_dashboard,
    open_supervision_orders,
    scope_from_params,
    unit_month_counts,
)
from xinfang.analytics.warning_views import warnings_panel
from xinfang.core.errors import NotFound, NotPermitted, ValidationFailed
from xinfang.petitions.models import Category
from xinfang.units.selectors import units_visible_to

# The indicators compared month on month at the top of the page.
HEADLINE = (
    "cases",
    "person_times",
    "timely_acceptance_rate",
    "on_time_conclusion_rate",
    "satisfaction_rate",
    "repeat_rate",
    "level_skip_rate",
    "collective_batches",
)
TREND_MONTHS = 12
LIST_LIMIT = 20


def _linked(results: list[Result], scope: Scope) -> list[Result]:
    for r in results:
        r.links = {"num": drill_url(scope, r.key, "num")}
        if r.indicator.is_rate:
            r.links["den"] = drill_url(scope, r.key, "den")
            r.links["miss"] = drill_url(scope, r.key, "miss")
    return results


def _with(scope: Scope, period: periods.Period, **changes) -> Scope:
    values = {
        "user": scope.user,
        "unit": scope.unit,
        "start": period.start,
        "end": period.end,
        "category": scope.category,
        "as_of": scope.today,
        "memo": scope.memo,
    }
    values.update(changes)
    return Scope(**values)


def _headline(scope: Scope, anchor: date) -> tuple[list[Result], dict]:
    """Every indicator of the scope, and the headline ones of the anchor's month against
    last month and a year ago, in one query (a month equal to the scope's period is read
    from the scope's numbers)."""
    months = [
        ("本月", periods.month(anchor.year, anchor.month)),
        ("上月", periods.shift_month(anchor, -1)),
        ("去年同月", periods.month(anchor.year - 1, anchor.month)),
    ]
    asked: list[tuple[Scope, list[str] | None]] = [(scope, None)]
    which = []
    for _, period in months:
        if (period.start, period.end) == (scope.start, scope.end):
            which.append(0)
        else:
            asked.append((_with(scope, period), list(HEADLINE)))
            which.append(len(asked) - 1)
    computed = indicators_compute_periods(asked)
    results = _linked(computed[0], scope)
    columns = []
    for (name, period), i in zip(months, which, strict=True):
        s = asked[i][0]
        by_key = {r.key: r for r in (results if i == 0 else _linked(computed[i], s))}
        columns.append({"name": name, "period": period, "by_key": by_key})
    rows = [
        {
            "indicator": columns[0]["by_key"][key].indicator,
            "cells": [c["by_key"][key] for c in columns],
        }
        for key in HEADLINE
    ]
    return results, {"columns": columns, "rows": rows}


def _charts(scope: Scope, anchor: date) -> dict:
    last = periods.month(anchor.year, anchor.month)
    first = periods.shift_month(anchor, -(TREND_MONTHS - 1))
    trend_scope = _with(scope, periods.custom(first.start, last.end))
    months, counts = unit_month_counts(trend_scope)
    month_periods = [periods.month(int(c.key[:4]), int(c.key[5:])) for c in months]
    trend = {
        "labels": [c.label for c in months],
        "cases": [c.cases for c in months],
        "persons": [c.persons for c in months],
        "urls": [drill_url(_with(scope, p), "cases") for p in month_periods],
    }
    categories = [
        {
            "name": c.name,
            "value": n,
            "url": drill_url(_with(scope, scope_period(scope), category=c), "cases"),
        }
        for c, n in by_category(scope)
    ]
    base = drill_url(scope, "cases")
    channels = [
        {"name": label, "value": n, "url": f"{base}&{urlencode({'channel': value})}"}
        for value, label, n in by_channel(scope)
    ]
    units = child_units(scope.unit, scope.user)
    cells, urls = [], []
    for y, unit in enumerate(units):
        for x, (cell, period) in enumerate(zip(months, month_periods, strict=True)):
            n = counts.get((unit.path, cell.key), 0)
            cells.append([x, y, n])
            urls.append(drill_url(_with(scope, period, unit=unit), "cases"))
    heat = {
        "units": [u.name for u in units],
        "months": trend["labels"],
        "cells": cells,
        "urls": urls,
        "max": max((c[2] for c in cells), default=0),
    }
    return {"trend": trend, "categories": categories, "channels": channels, "heat": heat}


def scope_period(scope: Scope) -> periods.Period:
    return periods.custom(scope.start, scope.end)


def _ledger(**params) -> str:
    return f"{reverse('petitions:list')}?{urlencode({k: v for k, v in params.items() if v})}"


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The leader's dashboard for a unit subtree, a period and optionally a category."""
    if not may_view_dashboard(request.user):
        raise PermissionDenied("统计分析供领导和督查人员使用。")
    params = request.GET
    try:
        scope = scope_from_params(request.user, params)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        params = QueryDict(mutable=True)
        if request.GET.get("unit", "").isdigit():
            params["unit"] = request.GET["unit"]
        scope = scope_from_params(request.user, params)
    today = scope.today
    anchor = min(scope.end, today)
    results, comparison = _headline(scope, anchor)
    late, soon = late_and_at_risk(scope)
    orders = open_supervision_orders(scope)
    this_month = periods.month(today.year, today.month)
    quarter = periods.period_of("quarter", today)
    year = periods.period_of("year", today)
    last_month = periods.shift_month(today, -1)
    unit_q = {"unit": scope.unit.pk, "category": scope.category.pk if scope.category else ""}

    def quick(p: periods.Period) -> str:
        q = {**unit_q, "period_start": p.start.isoformat(), "period_end": p.end.isoformat()}
        return "?" + urlencode({k: v for k, v in q.items() if v != ""})

    context = {
        "scope": scope,
        "results": results,
        "comparison": comparison,
        "charts": _charts(scope, anchor),
        "late": late[:LIST_LIMIT],
        "late_count": late.count(),
        "late_url": _ledger(
            overdue="on", unit=scope.unit.pk, category=unit_q["category"], sort="due"
        ),
        "soon": soon[:LIST_LIMIT],
        "soon_count": soon.count(),
        "orders": orders[:LIST_LIMIT],
        "orders_count": orders.count(),
        "warnings_panel": warnings_panel(request, scope.unit),
        "units": units_visible_to(request.user).order_by("path"),
        "categories": Category.objects.filter(is_active=True).order_by("path"),
        "quick": [
            ("本月", quick(this_month)),
            ("上月", quick(last_month)),
            ("本季度", quick(quarter)),
            ("本年", quick(year)),
        ],
        "today": today,
        "at_risk_until": today + timedelta(days=3),
    }
    return render(request, "analytics/dashboard.html", context)
