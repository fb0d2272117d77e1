"""My notifications page, the unread badge (htmx) and the per-kind preferences."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from xinfang.core.errors import DomainError
from xinfang.notifications.models import Kind
from xinfang.notifications.selectors import inbox, preferences_of, unread_count
from xinfang.notifications.services import notification_mark_read, preferences_save


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The inbox, newest first."""
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(inbox(request.user, unread_only=unread_only), 30).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/list.html",
        {"page": page, "unread_only": unread_only, "preferences": preferences_of(request.user)},
    )


@login_required
def notification_badge(request: HttpRequest) -> HttpResponse:
    """The unread count for the top bar, refreshed by htmx."""
    return render(request, "notifications/_badge.html", {"unread": unread_count(request.user)})


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one read and go to what it is about."""
    try:
        notification_mark_read(actor=request.user, notification_id=pk)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("notifications:list")
    target = request.POST.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(target if target and safe else "notifications:list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    changed = notification_mark_read(actor=request.user)
    messages.success(request, f"已将 {changed} 条通知标为已读。")
    return redirect("notifications:list")


@login_required
@require_POST
def preferences_update(request: HttpRequest) -> HttpResponse:
    """Save which kinds arrive in the inbox and which by email."""
    posted = request.POST
    choices = {
        kind: (posted.get(f"{kind}_in_app") == "on", posted.get(f"{kind}_email") == "on")
        for kind in Kind.values
    }
    preferences_save(actor=request.user, choices=choices)
    messages.success(request, "通知设置已保存。")
    return redirect("notifications:list")
