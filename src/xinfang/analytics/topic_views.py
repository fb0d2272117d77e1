"""The hot-topics page (/analytics/topics/): the clusters of similar cases in a window of 7,
30 or 90 days, each with its words, count, trend, units and places, linked to its cases."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from xinfang.analytics.topics import (
    WINDOWS,
    topics_for,
    topics_latest,
    topics_pending,
    topics_request,
    topics_view_refusal,
    window_checked,
)
from xinfang.core.errors import DomainError, ValidationFailed

TREND_CLASSES = {"new": "text-bg-danger", "up": "text-bg-warning", "flat": "text-bg-light border"}


def _allowed(request: HttpRequest) -> None:
    refusal = topics_view_refusal(request.user)
    if refusal:
        raise PermissionDenied(refusal.message)


@login_required
@require_GET
def topics_page(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    try:
        window = window_checked(request.GET.get("window"))
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        window = window_checked(None)
    run = topics_latest(window)
    topics = topics_for(request.user, run) if run else []
    for t in topics:
        t.css = TREND_CLASSES.get(t.trend, "text-bg-secondary")
    context = {
        "window": window,
        "windows": WINDOWS,
        "run": run,
        "topics": topics,
        "pending": topics_pending(window),
    }
    return render(request, "analytics/topics.html", context)


@login_required
@require_POST
def topics_refresh(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    try:
        window = window_checked(request.POST.get("window"))
        if topics_pending(window) is None:
            topics_request(window)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("analytics:topics")
    messages.success(request, f"已开始重新计算近 {window} 天的热点，完成后刷新本页即可看到。")
    return redirect(f"{request.path.rsplit('refresh/', 1)[0]}?window={window}")
