"""Pages of emergency plans (versions) and incidents (log, upward report, petitions)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from xinfang.core.errors import DomainError
from xinfang.core.tracking import normalise_tracking_code
from xinfang.petitions.selectors import petitions_visible_to
from xinfang.prevention.forms import (
    EntryForm,
    IncidentForm,
    LinkForm,
    PlanForm,
    SummaryForm,
    UpReportForm,
)
from xinfang.prevention.models import EmergencyPlan, Incident
from xinfang.prevention.selectors import (
    can_organise,
    emergency_plan_get,
    emergency_plan_versions,
    emergency_plans_latest,
    has_role,
    incident_get,
    incidents_visible_to,
)
from xinfang.prevention.services import (
    emergency_plan_publish,
    emergency_plan_refusal,
    incident_close,
    incident_entry_add,
    incident_link_petition,
    incident_open,
    incident_report_up,
)
from xinfang.prevention.services.emergency import INCIDENT_ROLES, PLAN_ROLES
from xinfang.prevention.views.common import (
    ancestors_of,
    deny,
    forbid,
    int_param,
    units_where,
    visible_unit,
)


def _fail(request: HttpRequest, exc: DomainError) -> None:
    if exc.http_status == 403:
        forbid(exc.message)
    messages.error(request, exc.message)


@login_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    """The plans in force in the user's units (latest version of each)."""
    units = units_where(request.user, PLAN_ROLES)
    with_plan = set(emergency_plans_latest(request.user).values_list("unit_id", flat=True))
    return render(
        request,
        "prevention/plan_list.html",
        {
            "plans": emergency_plans_latest(request.user),
            "without_plan": [u for u in units if u.pk not in with_plan][:20],
        },
    )


def plan_contacts(text: str) -> list[tuple[str, str, str]]:
    """Each line of the contacts as (post, name, phone): the phone is the last word if it
    looks like one."""
    rows = []
    for line in text.splitlines():
        words = line.split()
        if not words:
            continue
        phone = ""
        if len(words) > 1 and words[-1].replace("-", "").isdigit():
            phone = words.pop()
        rows.append((words[0], " ".join(words[1:]), phone))
    return rows


@login_required
@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One version of a plan, with the list of all versions."""
    plan = emergency_plan_get(request.user, pk)
    versions = emergency_plan_versions(plan)
    return render(
        request,
        "prevention/plan_detail.html",
        {
            "plan": plan,
            "versions": versions,
            "is_latest": versions[0].pk == plan.pk,
            "may_revise": emergency_plan_refusal(request.user, plan.unit) is None,
            "contacts": plan_contacts(plan.contacts),
        },
    )


@login_required
def plan_new(request: HttpRequest) -> HttpResponse:
    """Issue a plan's first version, or revise the latest one."""
    unit = visible_unit(request.user, int_param(request, "unit"))
    deny(emergency_plan_refusal(request.user, unit))
    latest = EmergencyPlan.objects.filter(unit=unit).order_by("-version").first()
    initial = {"effective_on": timezone.localdate()}
    if latest is not None:
        for name in ("title", "principles", "categories", "responsibilities", "procedures"):
            initial[name] = getattr(latest, name)
        initial["contacts"] = latest.contacts
    else:
        initial["title"] = f"{unit.name}信访突发事件应急预案"
    form = PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        supersedes_id = int_param(request, "supersedes")
        supersedes = EmergencyPlan.objects.filter(pk=supersedes_id, unit=unit).first()
        try:
            plan = emergency_plan_publish(
                actor=request.user, unit=unit, supersedes=supersedes, **form.cleaned_data
            )
        except DomainError as exc:
            _fail(request, exc)
        else:
            messages.success(request, f"已发布第{plan.version}版。")
            return redirect("prevention:plan_detail", pk=plan.pk)
    return render(
        request, "prevention/plan_form.html", {"unit": unit, "form": form, "latest": latest}
    )


@login_required
@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    """Incidents of the user's units, open ones first."""
    qs = incidents_visible_to(request.user)
    return render(
        request,
        "prevention/incident_list.html",
        {
            "open": qs.filter(status=Incident.Status.OPEN),
            "closed": qs.filter(status=Incident.Status.CLOSED)[:30],
            "may_create": bool(units_where(request.user, INCIDENT_ROLES)),
        },
    )


@login_required
def incident_new(request: HttpRequest) -> HttpResponse:
    """Open the log of a mass or urgent event."""
    units = units_where(request.user, INCIDENT_ROLES)
    if not units:
        forbid("只有工作人员可以登记突发事件。")
    form = IncidentForm(
        request.POST or None,
        units=units,
        initial={"occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")},
    )
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        unit = next(u for u in units if u.pk == d.pop("unit"))
        try:
            incident = incident_open(actor=request.user, unit=unit, **d)
        except DomainError as exc:
            _fail(request, exc)
        else:
            messages.success(request, "已登记。请立即向上级报告，并记录报告时间。")
            return redirect("prevention:incident_detail", pk=incident.pk)
    return render(request, "prevention/incident_new.html", {"form": form})


@login_required
@require_GET
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An incident: its log, its reports up the line, the petitions linked, the forms."""
    incident = incident_get(request.user, pk)
    reports = list(incident.reports.select_related("to_unit", "reported_by"))
    first = reports[0] if reports else None
    delay = None
    if first is not None:
        delay = int((first.reported_at - incident.occurred_at).total_seconds() // 60)
    ancestors = ancestors_of(incident.unit)[::-1]
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    return render(
        request,
        "prevention/incident_detail.html",
        {
            "incident": incident,
            "entries": incident.entries.select_related("recorded_by"),
            "reports": reports,
            "delay": delay,
            "petitions": incident.petitions.filter(
                pk__in=petitions_visible_to(request.user).values("pk")
            ).select_related("category"),
            "may_work": has_role(request.user, incident.unit, INCIDENT_ROLES)
            and incident.status == Incident.Status.OPEN,
            "may_close": can_organise(request.user, incident.unit)
            and incident.status == Incident.Status.OPEN,
            "entry_form": EntryForm(initial={"at": now}),
            "report_form": UpReportForm(units=ancestors, initial={"reported_at": now}),
            "link_form": LinkForm(),
            "close_form": SummaryForm(),
        },
    )


@login_required
@require_POST
def incident_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Add to the log, report up, link a petition, or close the incident."""
    if action not in ("entry", "report", "link", "close"):
        raise Http404("未知的操作。")
    incident = incident_get(request.user, pk)
    user = request.user
    try:
        if action == "entry":
            form = EntryForm(request.POST)
            if form.is_valid():
                incident_entry_add(actor=user, incident=incident, **form.cleaned_data)
                messages.success(request, "已记录。")
            else:
                messages.error(request, "请填写处置情况。")
        elif action == "report":
            ancestors = ancestors_of(incident.unit)
            form = UpReportForm(request.POST, units=ancestors)
            if form.is_valid():
                d = form.cleaned_data
                report = incident_report_up(
                    actor=user,
                    incident=incident,
                    to_unit=next(u for u in ancestors if u.pk == d["to_unit"]),
                    to_whom=d["to_whom"],
                    method=d["method"],
                    reported_at=d["reported_at"],
                    content=d["content"],
                )
                messages.success(
                    request,
                    f"已记录{timezone.localtime(report.reported_at):%H:%M}向{report.to_unit.name}的报告。",
                )
            else:
                messages.error(request, "请选择报告单位并填写报告内容。")
        elif action == "link":
            form = LinkForm(request.POST)
            raw = form.cleaned_data["tracking_code"] if form.is_valid() else ""
            code = normalise_tracking_code(raw)
            petition = (
                petitions_visible_to(user).filter(tracking_code=code).first() if code else None
            )
            if petition is None:
                messages.error(request, "未找到该查询码的信访件。")
            else:
                incident_link_petition(actor=user, incident=incident, petition=petition)
                messages.success(request, f"已关联信访件 {petition.tracking_code_display}。")
        elif action == "close":
            form = SummaryForm(request.POST)
            summary = form.cleaned_data["summary"] if form.is_valid() else ""
            incident_close(actor=user, incident=incident, summary=summary)
            messages.success(request, "事件已处置完毕。")
    except DomainError as exc:
        _fail(request, exc)
    return redirect("prevention:incident_detail", pk=pk)
