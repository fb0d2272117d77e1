"""Pages of leaders' reception days and outreach visits."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from xinfang.core.errors import DomainError
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import petitions_visible_to
from xinfang.prevention.forms import (
    OutreachForm,
    OutreachRecordForm,
    PetitionDraftForm,
    ReasonForm,
    ReceptionForm,
    SessionRecordForm,
)
from xinfang.prevention.models import OutreachVisit
from xinfang.prevention.roles import ORGANISING_ROLES
from xinfang.prevention.selectors import (
    has_role,
    outreach_visit_get,
    outreach_visits_visible_to,
    reception_session_get,
    reception_sessions_visible_to,
)
from xinfang.prevention.services import (
    outreach_register_petition,
    outreach_register_refusal,
    outreach_visit_cancel,
    outreach_visit_plan,
    outreach_visit_record,
    reception_organise_refusal,
    reception_register_petition,
    reception_register_refusal,
    reception_session_cancel,
    reception_session_create,
    reception_session_publish,
    reception_session_record,
)
from xinfang.prevention.services.reception import OUTREACH_ROLES
from xinfang.prevention.views.common import deny, forbid, units_where
from xinfang.units.models import Role, Staff, Unit


def _leaders(units: list[Unit]):
    paths = {u.path[:i] for u in units for i in range(Unit.steplen, len(u.path) + 1, Unit.steplen)}
    return (
        Staff.objects.filter(
            memberships__unit__path__in=paths, memberships__role=Role.LEADER, is_active=True
        )
        .distinct()
        .order_by("full_name", "username")
    )


def _registered(petition: Petition) -> str:
    """How the success message begins: a repeated submit of the page made no new case."""
    if getattr(petition, "replayed", False):
        return "该登记已经提交过，未重复登记"
    return "已登记"


def _fail(request: HttpRequest, exc: DomainError) -> None:
    if exc.http_status == 403:
        forbid(exc.message)
    messages.error(request, exc.message)


@login_required
def reception_list(request: HttpRequest) -> HttpResponse:
    """Reception days of the user's units: upcoming and past; scheduling a new one."""
    user = request.user
    units = units_where(user, ORGANISING_ROLES)
    form = ReceptionForm(request.POST or None, units=units, leaders=_leaders(units))
    if request.method == "POST":
        if not units:
            forbid("只有登记员、领导或管理员可以安排接访日。")
        if form.is_valid():
            d = form.cleaned_data
            unit = next(u for u in units if u.pk == d["unit"])
            try:
                session = reception_session_create(
                    actor=user,
                    unit=unit,
                    leader=d["leader"],
                    date=d["date"],
                    start_time=d["start_time"],
                    end_time=d["end_time"],
                    place=d["place"],
                    topics=d["topics"],
                    publish=d["publish"],
                )
            except DomainError as exc:
                _fail(request, exc)
            else:
                done = "并已在公众网站公开" if session.is_published else "（尚未公开）"
                messages.success(request, f"已安排{session.date:%m月%d日}领导接访{done}。")
                return redirect("prevention:reception_detail", pk=session.pk)
    today = timezone.localdate()
    sessions = reception_sessions_visible_to(user)
    return render(
        request,
        "prevention/reception_list.html",
        {
            "form": form,
            "may_create": bool(units),
            "upcoming": sessions.filter(date__gte=today).order_by("date", "start_time"),
            "past": sessions.filter(date__lt=today).order_by("-date")[:20],
            "today": today,
        },
    )


@login_required
def reception_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One reception day: publish, cancel, record the outcome, the petitions registered."""
    session = reception_session_get(request.user, pk)
    user = request.user
    may_organise = reception_organise_refusal(user, session) is None
    return render(
        request,
        "prevention/reception_detail.html",
        {
            "session": session,
            "petitions": session.petitions.filter(
                pk__in=petitions_visible_to(request.user).values("pk")
            )
            .select_related("category")
            .order_by("received_at"),
            "may_organise": may_organise,
            "may_register": reception_register_refusal(user, session) is None,
            "record_form": SessionRecordForm(
                initial={"attendance": session.attendance, "outcome": session.outcome}
            ),
            "cancel_form": ReasonForm(),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def reception_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Publish, cancel or record the outcome of a reception day."""
    if action not in ("publish", "cancel", "record"):
        raise Http404("未知的操作。")
    session = reception_session_get(request.user, pk)
    try:
        if action == "publish":
            reception_session_publish(actor=request.user, session=session)
            messages.success(request, "已在公众网站公开。")
        elif action == "cancel":
            form = ReasonForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            reception_session_cancel(actor=request.user, session=session, reason=reason)
            messages.success(request, "已取消该接访日。")
        elif action == "record":
            form = SessionRecordForm(request.POST)
            valid = form.is_valid()
            reception_session_record(
                actor=request.user,
                session=session,
                attendance=form.cleaned_data.get("attendance") if valid else None,
                outcome=form.cleaned_data.get("outcome", "") if valid else "",
            )
            messages.success(request, "已记录接访情况。")
    except DomainError as exc:
        _fail(request, exc)
    return redirect("prevention:reception_detail", pk=pk)


@login_required
def reception_register(request: HttpRequest, pk: int) -> HttpResponse:
    """Register a petition received at the reception day (channel 领导接访)."""
    session = reception_session_get(request.user, pk)
    deny(reception_register_refusal(request.user, session))
    form = PetitionDraftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            petition = reception_register_petition(
                actor=request.user,
                session=session,
                draft=form.to_draft(),
                idempotency_key=form.idempotency_key(),
            )
        except DomainError as exc:
            _fail(request, exc)
        else:
            messages.success(
                request,
                f"{_registered(petition)}，查询码 {petition.tracking_code_display}；"
                f"接访领导{session.leader.display_name}。",
            )
            if "again" in request.POST:
                return redirect("prevention:reception_register", pk=pk)
            return redirect("prevention:reception_detail", pk=pk)
    return render(request, "prevention/reception_register.html", {"session": session, "form": form})


@login_required
def outreach_list(request: HttpRequest) -> HttpResponse:
    """Outreach visits of the user's units; planning a new one."""
    user = request.user
    units = units_where(user, OUTREACH_ROLES)
    form = OutreachForm(request.POST or None, units=units, leaders=_leaders(units))
    if request.method == "POST":
        if not units:
            forbid("只有本单位工作人员可以安排下访。")
        if form.is_valid():
            d = form.cleaned_data
            unit = next(u for u in units if u.pk == d["unit"])
            try:
                visit = outreach_visit_plan(
                    actor=user,
                    unit=unit,
                    leader=d["leader"],
                    planned_on=d["planned_on"],
                    place=d["place"],
                    visitees=d["visitees"],
                    purpose=d["purpose"],
                    officials=d["officials"],
                )
            except DomainError as exc:
                _fail(request, exc)
            else:
                messages.success(request, "已安排下访。")
                return redirect("prevention:outreach_detail", pk=visit.pk)
    visits = outreach_visits_visible_to(user)
    return render(
        request,
        "prevention/outreach_list.html",
        {
            "form": form,
            "may_create": bool(units),
            "planned": visits.filter(status=OutreachVisit.Status.PLANNED).order_by("planned_on"),
            "done": visits.exclude(status=OutreachVisit.Status.PLANNED).order_by("-planned_on")[
                :30
            ],
        },
    )


@login_required
def outreach_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One outreach visit: record it, cancel it, register what was raised."""
    visit = outreach_visit_get(request.user, pk)
    user = request.user
    return render(
        request,
        "prevention/outreach_detail.html",
        {
            "visit": visit,
            "petitions": visit.petitions.filter(
                pk__in=petitions_visible_to(request.user).values("pk")
            ).select_related("category"),
            "may_work": has_role(user, visit.unit, OUTREACH_ROLES),
            "may_register": outreach_register_refusal(user, visit) is None,
            "record_form": OutreachRecordForm(
                initial={
                    "visited_on": visit.visited_on or min(visit.planned_on, timezone.localdate()),
                    "matters_raised": visit.matters_raised,
                    "outcome": visit.outcome,
                }
            ),
            "cancel_form": ReasonForm(),
        },
    )


@login_required
@require_POST
def outreach_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Record or cancel an outreach visit."""
    if action not in ("record", "cancel"):
        raise Http404("未知的操作。")
    visit = outreach_visit_get(request.user, pk)
    try:
        if action == "record":
            form = OutreachRecordForm(request.POST)
            valid = form.is_valid()
            outreach_visit_record(
                actor=request.user,
                visit=visit,
                visited_on=form.cleaned_data.get("visited_on") if valid else None,
                matters_raised=form.cleaned_data.get("matters_raised", "") if valid else "",
                outcome=form.cleaned_data.get("outcome", "") if valid else "",
            )
            messages.success(request, "已记录下访情况。")
        elif action == "cancel":
            form = ReasonForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            outreach_visit_cancel(actor=request.user, visit=visit, reason=reason)
            messages.success(request, "已取消该下访。")
    except DomainError as exc:
        _fail(request, exc)
    return redirect("prevention:outreach_detail", pk=pk)


@login_required
def outreach_register(request: HttpRequest, pk: int) -> HttpResponse:
    """Register a matter raised on the visit as a petition (channel 下访)."""
    visit = outreach_visit_get(request.user, pk)
    deny(outreach_register_refusal(request.user, visit))
    form = PetitionDraftForm(
        request.POST or None, initial={"content": visit.matters_raised, "place": visit.place}
    )
    if request.method == "POST" and form.is_valid():
        try:
            petition = outreach_register_petition(
                actor=request.user,
                visit=visit,
                draft=form.to_draft(),
                idempotency_key=form.idempotency_key(),
            )
        except DomainError as exc:
            _fail(request, exc)
        else:
            messages.success(
                request, f"{_registered(petition)}，查询码 {petition.tracking_code_display}。"
            )
            return redirect("prevention:outreach_detail", pk=pk)
    return render(request, "prevention/outreach_register.html", {"visit": visit, "form": form})
