"""The assessment ranking (/analytics/ranking/): sibling units of a parent ranked for a month
under the scheme in force then, the published (frozen) ranking by default; publishing it;
the ranking and the dashboard's indicator table as .xlsx."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from xinfang.analytics import periods
from xinfang.analytics.assessment import (
    Ranking,
    month_of,
    publish_refusal,
    ranking_for,
    ranking_publish,
    scheme_codes,
)
from xinfang.analytics.exports import XLSX, indicator_sheet, ranking_sheet, workbook_tempfile
from xinfang.analytics.indicators import indicators_compute
from xinfang.analytics.selectors import (
    _int,
    default_unit_for,
    may_view_indicators,
    scope_from_params,
)
from xinfang.analytics.views import may_view_dashboard
from xinfang.core.errors import DomainError, NotFound, NotPermitted, ValidationFailed
from xinfang.units.models import Staff, Unit
from xinfang.units.selectors import units_visible_to

PARENT_KINDS = (Unit.Kind.CITY, Unit.Kind.DISTRICT)


@dataclass
class Choice:
    code: str
    parent: Unit
    period: periods.Period
    live: bool


def choice_from_params(user: Staff, params: Mapping[str, str]) -> Choice:
    """The scheme code, parent unit, month and live flag a request names.

    Raises:
        NotFound: no scheme, or a unit the user may not see.
        NotPermitted: the user may not read the unit's indicators.
        ValidationFailed: a malformed month or id.
    """
    codes = [c for c, _ in scheme_codes()]
    code = (params.get("scheme") or "").strip() or (codes[0] if codes else "")
    if code not in codes:
        raise NotFound("未找到该考核方案。", {"field": "scheme"})
    unit_id = _int(params, "unit")
    if unit_id is None:
        parent = default_unit_for(user)
    else:
        parent = units_visible_to(user).filter(pk=unit_id).first()
    if parent is None:
        raise NotFound("未找到该单位，或您无权查看。", {"field": "unit"})
    if not may_view_indicators(user, parent):
        raise NotPermitted("信息员不能查看考核排名。")
    period = month_of(params.get("period"), timezone.localdate())
    return Choice(code, parent, period, params.get("live") == "1")


def _choice(request: HttpRequest) -> Choice:
    if not may_view_dashboard(request.user):
        raise PermissionDenied("考核排名供领导和督查人员使用。")
    try:
        return choice_from_params(request.user, request.GET)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except ValidationFailed as exc:
        raise Http404(exc.message) from exc


def _query(c: Choice, **extra) -> str:
    q = {"scheme": c.code, "unit": c.parent.pk, "period": f"{c.period.start:%Y-%m}", **extra}
    return urlencode(q)


def _ranking(request: HttpRequest, c: Choice) -> Ranking:
    try:
        return ranking_for(request.user, c.code, c.parent, c.period, live=c.live)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
@require_GET
def ranking_page(request: HttpRequest) -> HttpResponse:
    """The month's ranking of the parent's units: scores, the indicators behind them,
    breaches in red, how each score was made; every number links to its cases."""
    c = _choice(request)
    try:
        ranking = ranking_for(request.user, c.code, c.parent, c.period, live=c.live)
    except NotFound:
        # A month before the scheme's first version: the page says so, the chooser stays.
        ranking = None
    refusal = publish_refusal(request.user, c.code, c.parent, c.period)
    today = timezone.localdate()
    months = [periods.shift_month(today, -i) for i in range(0, 13)]
    context = {
        "choice": c,
        "ranking": ranking,
        "schemes": scheme_codes(),
        "parents": units_visible_to(request.user).filter(kind__in=PARENT_KINDS).order_by("path"),
        "months": months,
        "may_publish": refusal is None,
        "query": _query(c),
        "live_query": _query(c, live="1"),
    }
    return render(request, "analytics/ranking.html", context)


@login_required
@require_POST
def ranking_publish_view(request: HttpRequest) -> HttpResponse:
    """Publish (freeze) the month's ranking."""
    c = _choice(request)
    try:
        ranking_publish(request.user, c.code, c.parent, c.period)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"{c.period.label}考核排名已发布；此后数据变化不影响已发布的排名。"
        )
    return redirect(f"{reverse('analytics:ranking')}?{_query(c)}")


@login_required
@require_GET
def ranking_export(request: HttpRequest) -> HttpResponse:
    """The ranking shown on the page, as .xlsx."""
    c = _choice(request)
    ranking = _ranking(request, c)
    spool = workbook_tempfile(lambda wb, now: ranking_sheet(wb, ranking, now))
    name = f"{c.parent.name}{c.period.label}考核排名.xlsx"
    return FileResponse(spool, as_attachment=True, filename=name, content_type=XLSX)


@login_required
@require_GET
def indicators_export(request: HttpRequest) -> HttpResponse:
    """The dashboard's indicator table for its scope (same parameters), as .xlsx."""
    if not may_view_dashboard(request.user):
        raise PermissionDenied("统计分析供领导和督查人员使用。")
    try:
        scope = scope_from_params(request.user, request.GET)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except ValidationFailed as exc:
        raise Http404(exc.message) from exc
    results = indicators_compute(scope)
    spool = workbook_tempfile(lambda wb, now: indicator_sheet(wb, scope, results, now))
    name = f"{scope.unit.name}统计指标{scope.start:%Y%m%d}-{scope.end:%Y%m%d}.xlsx"
    return FileResponse(spool, as_attachment=True, filename=name, content_type=XLSX)
