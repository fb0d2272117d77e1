"""The warnings page (/analytics/warnings/): by level, filtered, each acknowledged with a
note and linked to its cases in the ledger; and the admins' screen of the warning rules."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from xinfang.analytics.warning_models import Level, RuleKind
from xinfang.analytics.warnings import (
    acknowledge_refusal,
    level_counts,
    warning_acknowledge,
    warning_cases,
    warning_filter,
    warning_get,
    warning_rule_update,
    warning_rules,
    warnings_visible_to,
)
from xinfang.analytics.warnings_drill import warning_ledger_url
from xinfang.core.changes import Kind, config_changes
from xinfang.core.errors import DomainError, NotFound
from xinfang.units.services import is_admin

LIST_LIMIT = 200
LEVEL_CLASSES = {1: "primary", 2: "warning", 3: "orange", 4: "danger"}


def _decorate(request: HttpRequest, rows) -> list:
    out = []
    for w in rows:
        w.visible_cases = warning_cases(request.user, w).count()
        w.ledger_url = warning_ledger_url(w) if w.visible_cases else ""
        w.css = LEVEL_CLASSES[w.level]
        w.may_acknowledge = acknowledge_refusal(request.user, w) is None
        out.append(w)
    return out


def _level_nav(counts: dict[int, int]) -> list[tuple[int, str, int]]:
    """Red first: each level with its number of open warnings."""
    return [(v, label, counts.get(v, 0)) for v, label in reversed(Level.choices)]


PANEL_LIMIT = 8


def warnings_panel(request: HttpRequest, unit) -> dict:
    """The dashboard's panel: the open warnings in the dashboard's unit subtree, highest first."""
    qs = warning_filter(warnings_visible_to(request.user), status="open", unit=unit)
    return {
        "rows": _decorate(request, qs[:PANEL_LIMIT]),
        "count": qs.count(),
        "levels": _level_nav(level_counts(qs)),
    }


@login_required
@require_GET
def warning_list(request: HttpRequest) -> HttpResponse:
    visible = warnings_visible_to(request.user)
    g = request.GET
    status = g.get("status", "open")
    qs = warning_filter(visible, level=g.get("level", ""), rule=g.get("rule", ""), status=status)
    return render(
        request,
        "analytics/warnings.html",
        {
            "warnings": _decorate(request, qs[:LIST_LIMIT]),
            "total": qs.count(),
            "level_nav": _level_nav(level_counts(warning_filter(visible, status="open"))),
            "levels": Level.choices,
            "rules": RuleKind.choices,
            "level": g.get("level", ""),
            "rule": g.get("rule", ""),
            "status": status,
            "is_admin": is_admin(request.user),
        },
    )


@login_required
@require_GET
def warning_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        w = warning_get(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return render(request, "analytics/warning_detail.html", {"w": _decorate(request, [w])[0]})


@login_required
@require_POST
def warning_acknowledge_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        warning_acknowledge(actor=request.user, warning_id=pk, note=request.POST.get("note", ""))
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "预警已签收。")
    return redirect("analytics:warning_detail", pk=pk)


@login_required
def warning_rules_page(request: HttpRequest) -> HttpResponse:
    """The rules, each with its window and level thresholds; admins change them here."""
    if not is_admin(request.user):
        raise PermissionDenied("只有管理员可以调整预警规则。")
    if request.method == "POST":
        try:
            warning_rule_update(
                actor=request.user, kind=request.POST.get("kind", ""), values=request.POST
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "预警规则已保存；下一次检测按新规则进行。")
        return redirect("analytics:warning_rules")
    return render(
        request,
        "analytics/warning_rules.html",
        {
            "rules": list(warning_rules().values()),
            "changes": config_changes(Kind.WARNING_RULE, limit=10),
            "changes_kind": Kind.WARNING_RULE,
        },
    )
