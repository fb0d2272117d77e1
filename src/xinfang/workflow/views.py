"""Supervision pages: the case page's forms (ownership, orders, extension requests, hearings,
follow-ups) and the lists of orders, owned cases, extension requests and follow-ups.

Each POST view: the case or record the user may see (404 otherwise) → form → one service →
back to where the user was, with the service's message on refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from xinfang.core.errors import DomainError
from xinfang.petitions.selectors import petition_get_for_user, petitions_visible_to
from xinfang.units.models import Staff
from xinfang.workflow import forms as f
from xinfang.workflow import selectors as sel
from xinfang.workflow import services as wf
from xinfang.workflow.models import ExtensionRequest, FollowUp, SupervisionOrder


def _back(request: HttpRequest, petition_id: int, anchor: str = "supervision") -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = ""
    return redirect(target or reverse("petitions:detail", args=[petition_id]) + f"#{anchor}")


def _run(
    request: HttpRequest,
    petition_id: int,
    form,
    call: Callable[[dict[str, Any]], Any],
    done: str,
    anchor: str = "supervision",
) -> HttpResponse:
    """Validate the form, call the service, say what happened, and go back."""
    if not form.is_valid():
        errors = [
            f"{form.fields[k].label}：{v[0]}" if k in form.fields else v[0]
            for k, v in form.errors.items()
        ]
        messages.error(request, "；".join(errors) or "请检查填写的内容。")
        return _back(request, petition_id, anchor)
    try:
        call(form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return _back(request, petition_id, anchor)


def _order(request: HttpRequest, pk: int) -> SupervisionOrder:
    order = (
        SupervisionOrder.objects.filter(pk=pk, petition__in=petitions_visible_to(request.user))
        .select_related("petition", "unit")
        .first()
    )
    if order is None:
        raise Http404("未找到该督办。")
    return order


def _extension(request: HttpRequest, pk: int) -> ExtensionRequest:
    r = (
        ExtensionRequest.objects.filter(pk=pk, petition__in=petitions_visible_to(request.user))
        .select_related("petition")
        .first()
    )
    if r is None:
        raise Http404("未找到该延期申请。")
    return r


def _follow_up(request: HttpRequest, pk: int) -> FollowUp:
    r = (
        FollowUp.objects.filter(pk=pk, petition__in=petitions_visible_to(request.user))
        .select_related("petition")
        .first()
    )
    if r is None:
        raise Http404("未找到该回访。")
    return r


# --- actions on a case -----------------------------------------------------------------------


@login_required
@require_POST
def ownership_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Name or change the leader who owns the case (包案)."""
    p = petition_get_for_user(request.user, pk)
    form = f.OwnershipForm(request.POST, prefix=f.PREFIX["owner"], owners=sel.owner_choices(p))
    return _run(
        request,
        pk,
        form,
        lambda d: wf.ownership_assign(
            petition=p,
            actor=request.user,
            owner=Staff.objects.get(pk=d["owner"]),
            matter=d["matter"],
            target_on=d["target_on"],
        ),
        "已指定包案领导。",
    )


@login_required
@require_POST
def recusal_declare(request: HttpRequest, pk: int) -> HttpResponse:
    """The user declares a conflict of interest and leaves the case (R22 Art.28)."""
    p = petition_get_for_user(request.user, pk)
    form = f.RecusalForm(request.POST)
    return _run(
        request,
        pk,
        form,
        lambda d: wf.recusal_declare(petition=p, actor=request.user, reason=d["reason"]),
        "已声明回避，您不再参与本件的办理。",
    )


@login_required
@require_POST
def order_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue a supervision order on the case."""
    p = petition_get_for_user(request.user, pk)
    return _run(
        request,
        pk,
        f.OrderForm(request.POST, prefix=f.PREFIX["order"]),
        lambda d: wf.supervision_order_issue(
            petition=p,
            actor=request.user,
            level=d["level"],
            requirements=d["requirements"],
            due_on=d["due_on"],
        ),
        "已督办。",
    )


@login_required
@require_POST
def order_respond(request: HttpRequest, pk: int) -> HttpResponse:
    """The ordered unit reports what it did."""
    order = _order(request, pk)
    return _run(
        request,
        order.petition_id,
        f.OrderRespondForm(request.POST),
        lambda d: wf.supervision_order_respond(
            order=order, actor=request.user, response=d["response"]
        ),
        "已反馈督办办理情况。",
    )


@login_required
@require_POST
def order_close(request: HttpRequest, pk: int) -> HttpResponse:
    """The supervisor closes the order."""
    order = _order(request, pk)
    return _run(
        request,
        order.petition_id,
        f.OrderCloseForm(request.POST),
        lambda d: wf.supervision_order_close(order=order, actor=request.user, note=d["note"]),
        "督办已销号。",
    )


@login_required
@require_POST
def extension_request(request: HttpRequest, pk: int) -> HttpResponse:
    """The handler asks for an extension."""
    p = petition_get_for_user(request.user, pk)
    return _run(
        request,
        pk,
        f.ExtensionRequestForm(request.POST, prefix=f.PREFIX["extension"]),
        lambda d: wf.extension_request(
            petition=p, actor=request.user, days=d["days"], reason=d["reason"]
        ),
        "已提交延期申请，等待领导审批。",
    )


@login_required
@require_POST
def extension_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """The leader approves an extension request."""
    r = _extension(request, pk)
    return _run(
        request,
        r.petition_id,
        f.ExtensionApproveForm(request.POST),
        lambda d: wf.extension_approve(request=r, actor=request.user, days=d.get("days")),
        "已批准延期，办结期限已顺延并告知信访人。",
    )


@login_required
@require_POST
def extension_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    """The leader refuses an extension request."""
    r = _extension(request, pk)
    return _run(
        request,
        r.petition_id,
        f.ExtensionRefuseForm(request.POST),
        lambda d: wf.extension_refuse(request=r, actor=request.user, reason=d["reason"]),
        "已不予批准延期。",
    )


@login_required
@require_POST
def hearing_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a hearing held on the case."""
    p = petition_get_for_user(request.user, pk)
    return _run(
        request,
        pk,
        f.HearingForm(request.POST, prefix=f.PREFIX["hearing"]),
        lambda d: wf.hearing_record(petition=p, actor=request.user, **d),
        "已记录听证。",
    )


@login_required
@require_POST
def case_note_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a step to the case's running log (办理记录), with its files."""
    p = petition_get_for_user(request.user, pk)
    return _run(
        request,
        pk,
        f.CaseNoteForm(request.POST, request.FILES, prefix="note"),
        lambda d: wf.case_note_add(petition=p, actor=request.user, **d),
        "已保存办理记录。",
        anchor="case-log",
    )


@login_required
@require_POST
def follow_up_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a follow-up visit or call; a recurred problem may be registered again at once."""
    follow_up = _follow_up(request, pk)

    def call(d: dict[str, Any]) -> None:
        wf.follow_up_record(
            follow_up=follow_up,
            actor=request.user,
            method=d["method"],
            finding=d["finding"],
            petitioner_view=d["petitioner_view"],
            note=d["note"],
        )
        if d["reopen"] and d["finding"] == FollowUp.Finding.RECURRED:
            try:
                new = wf.follow_up_reopen(follow_up=follow_up, actor=request.user)
            except DomainError as exc:
                messages.warning(request, f"回访已记录，但未能重新登记：{exc.message}")
            else:
                messages.info(
                    request, f"已重新登记为新的信访件，查询码 {new.tracking_code_display}。"
                )

    return _run(request, follow_up.petition_id, f.FollowUpForm(request.POST), call, "已记录回访。")


@login_required
@require_POST
def follow_up_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """Register the recurred problem found at a follow-up as a new, linked case."""
    follow_up = _follow_up(request, pk)
    try:
        new = wf.follow_up_reopen(follow_up=follow_up, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(request, follow_up.petition_id)
    messages.success(request, f"已重新登记为新的信访件，查询码 {new.tracking_code_display}。")
    return redirect("petitions:detail", pk=new.pk)


# --- lists -------------------------------------------------------------------------------------


def _page(request: HttpRequest, qs, size: int = 30):
    return Paginator(qs, size).get_page(request.GET.get("page"))


@login_required
@require_GET
def supervision_list(request: HttpRequest) -> HttpResponse:
    """Supervision orders: for supervisors those they watch, for units those to answer."""
    today = timezone.localdate()
    counts = sel.order_counts(request.user, today)
    tab = request.GET.get("status") or ("overdue" if counts["overdue"] else "open")
    if tab not in sel.ORDER_TABS:
        tab = "open"
    page = _page(request, sel.orders_tab(request.user, tab, today))
    rows = [sel.OrderRow.of(o, request.user, today) for o in page]
    return render(
        request,
        "workflow/supervision.html",
        {
            "tabs": [(k, label, counts[k]) for k, (label, _) in sel.ORDER_TABS.items()],
            "tab": tab,
            "page": page,
            "rows": rows,
            "today": today,
        },
    )


@login_required
@require_GET
def owned_list(request: HttpRequest) -> HttpResponse:
    """My owned cases (包案): open ones with their targets, and those handed on."""
    today = timezone.localdate()
    active = list(sel.ownerships_of(request.user))
    flagged = sel.flagged_ids([o.petition_id for o in active])
    return render(
        request,
        "workflow/owned.html",
        {
            "active": active,
            "flagged": flagged,
            "ended": sel.ownerships_of(request.user, active=False)[:30],
            "today": today,
        },
    )


@login_required
@require_GET
def extension_list(request: HttpRequest) -> HttpResponse:
    """Extension requests waiting for my decision, and my own requests."""
    return render(
        request,
        "workflow/extensions.html",
        {
            "to_decide": sel.extension_requests_to_decide(request.user),
            "mine": sel.extension_requests_mine(request.user)[:30],
            "today": timezone.localdate(),
        },
    )


@login_required
@require_GET
def follow_up_list(request: HttpRequest) -> HttpResponse:
    """Follow-ups due in my units (this week, late ones first) and those recorded."""
    today = timezone.localdate()
    return render(
        request,
        "workflow/follow_ups.html",
        {
            "due": sel.follow_ups_due(request.user, today),
            "recorded": _page(request, sel.follow_ups_recorded(request.user)),
            "today": today,
            "form": f.FollowUpForm(),
        },
    )
