"""Writes of emergency plans (versions) and incidents (log, upward report, petitions)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from xinfang.core.errors import (
    DomainError,
    InvalidTransition,
    ValidationFailed,
    VersionConflict,
    refuse,
)
from xinfang.notifications.services import notify
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import petition_is_visible_to
from xinfang.prevention.models import EmergencyPlan, Incident, IncidentEntry, IncidentReport
from xinfang.prevention.selectors.duty import plan_in_force
from xinfang.prevention.services.common import (
    ORGANISING_ROLES,
    WORKING_ROLES,
    require_roles,
    roles_refusal,
)
from xinfang.units.models import Membership, Role, Staff, Unit

PLAN_ROLES = frozenset({Role.LEADER, Role.ADMIN, Role.REGISTRAR})
INCIDENT_ROLES = WORKING_ROLES | {Role.ADMIN}
# Who is told at once when an incident is opened or reported up.
ALERTED_ROLES = (Role.LEADER, Role.SUPERVISOR)


def emergency_plan_refusal(actor: Staff | None, unit: Unit) -> DomainError | None:
    """Why the actor may not issue or revise the unit's emergency plan, or None."""
    message = f"只有{unit.name}的领导或登记员可以发布应急预案。"
    return roles_refusal(actor, unit, PLAN_ROLES, message)


def _required(value: str, label: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(f"请填写{label}。", {"field": field})
    return value


@transaction.atomic
def emergency_plan_publish(
    *,
    actor: Staff | None,
    unit: Unit,
    title: str,
    principles: str,
    categories: str,
    responsibilities: str,
    contacts: str,
    effective_on: date,
    procedures: str = "",
    change_note: str = "",
    supersedes: EmergencyPlan | None = None,
) -> EmergencyPlan:
    """Issue a new version of the unit's emergency plan; earlier versions stay as issued.

    Raises:
        NotFound: the unit is outside the actor's units.
        NotPermitted: the actor does not keep the unit's plan.
        VersionConflict: a newer version was issued since the one being revised.
        ValidationFailed: a part of the plan is missing.
    """
    refuse(emergency_plan_refusal(actor, unit))
    fields = {
        "title": _required(title, "预案标题", "title")[:200],
        "principles": _required(principles, "工作原则", "principles"),
        "categories": _required(categories, "事件分类分级", "categories"),
        "responsibilities": _required(responsibilities, "组织机构和职责", "responsibilities"),
        "contacts": _required(contacts, "联络方式", "contacts"),
    }
    if effective_on is None:
        raise ValidationFailed("请填写施行日期。", {"field": "effective_on"})
    latest = (
        EmergencyPlan.objects.select_for_update().filter(unit=unit).order_by("-version").first()
    )
    if latest is not None and (supersedes is None or supersedes.pk != latest.pk):
        raise VersionConflict(
            f"{unit.name}的应急预案已有第{latest.version}版，请在最新版本的基础上修订。",
            {"current": latest.pk, "version": latest.version},
        )
    if latest is None and supersedes is not None:
        raise ValidationFailed("要修订的预案不属于该单位。", {"field": "supersedes"})
    return EmergencyPlan.objects.create(
        unit=unit,
        version=latest.version + 1 if latest else 1,
        supersedes=latest,
        procedures=(procedures or "").strip(),
        effective_on=effective_on,
        change_note=(change_note or "").strip()[:200],
        created_by=actor,
        **fields,
    )


def _alert(unit: Unit, incident: Incident, key: str, title: str, body: str) -> None:
    """Tell the leaders and supervisors of the unit and of every unit above it."""
    paths = [unit.path[:i] for i in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)]
    people = {
        m.staff
        for m in Membership.objects.filter(
            unit__path__in=paths, role__in=ALERTED_ROLES
        ).select_related("staff")
    }
    url = reverse("prevention:incident_detail", args=[incident.pk])
    # In the incident's transaction: the alert and its e-mails' outbox rows commit with it.
    notify(recipients=people, kind="incident", title=title, body=body, url=url, dedupe_key=key)


@transaction.atomic
def incident_open(
    *,
    actor: Staff | None,
    unit: Unit,
    title: str,
    kind: str,
    occurred_at: datetime,
    place: str,
    description: str,
    headcount: int = 1,
    now: datetime | None = None,
) -> Incident:
    """Open the log of a mass or urgent event; the plan in force is attached and the
    leaders and supervisors of the unit and above it are alerted at once.

    Raises:
        NotFound: the unit is outside the actor's units.
        NotPermitted: the actor does not work in the unit.
        ValidationFailed: a field is missing, or the time is in the future.
    """
    now = now or timezone.now()
    require_roles(actor, unit, INCIDENT_ROLES, f"只有{unit.name}的工作人员可以登记突发事件。")
    if kind not in Incident.Kind.values:
        raise ValidationFailed("请选择事件类别。", {"field": "kind"})
    if occurred_at is None or occurred_at > now + timedelta(minutes=5):
        raise ValidationFailed("发生时间不能晚于现在。", {"field": "occurred_at"})
    if headcount is None or headcount < 1:
        raise ValidationFailed("涉及人数至少为1。", {"field": "headcount"})
    incident = Incident.objects.create(
        unit=unit,
        plan=plan_in_force(unit),
        title=_required(title, "事件名称", "title")[:200],
        kind=kind,
        occurred_at=occurred_at,
        place=_required(place, "地点", "place")[:200],
        headcount=headcount,
        description=_required(description, "基本情况", "description"),
        created_by=actor,
    )
    _alert(
        unit,
        incident,
        f"incident:{incident.pk}:opened",
        f"突发事件：{unit.name}{incident.title}",
        f"{timezone.localtime(occurred_at):%m月%d日 %H:%M}，{incident.place}，"
        f"约{headcount}人。{incident.description[:200]}",
    )
    return incident


def _open(incident: Incident) -> Incident:
    locked = Incident.objects.select_for_update().select_related("unit").get(pk=incident.pk)
    if locked.status == Incident.Status.CLOSED:
        raise InvalidTransition("该事件已处置完毕。")
    return locked


@transaction.atomic
def incident_entry_add(
    *,
    actor: Staff | None,
    incident: Incident,
    text: str,
    responders: str = "",
    at: datetime | None = None,
    now: datetime | None = None,
) -> IncidentEntry:
    """Add a time-stamped line to the incident log.

    Raises:
        NotPermitted: the actor does not work in the unit.
        InvalidTransition: the incident is closed.
        ValidationFailed: no text, or a time before the event or in the future.
    """
    now = now or timezone.now()
    require_roles(actor, incident.unit, INCIDENT_ROLES, "只有本单位工作人员可以记录处置情况。")
    incident = _open(incident)
    at = at or now
    if at < incident.occurred_at or at > now + timedelta(minutes=5):
        raise ValidationFailed("记录时间应在事件发生之后、现在之前。", {"field": "at"})
    return IncidentEntry.objects.create(
        incident=incident,
        at=at,
        text=_required(text, "处置情况", "text"),
        responders=(responders or "").strip()[:200],
        recorded_by=actor,
    )


@transaction.atomic
def incident_report_up(
    *,
    actor: Staff | None,
    incident: Incident,
    content: str,
    to_unit: Unit | None = None,
    to_whom: str = "",
    method: str = IncidentReport.Method.PHONE,
    reported_at: datetime | None = None,
    now: datetime | None = None,
) -> IncidentReport:
    """Record the report of the incident up the line (R22 Art.25: at once, never late or
    concealed) with its time; the receiving unit's leaders and supervisors are alerted.

    Raises:
        NotPermitted: the actor does not work in the unit.
        ValidationFailed: the unit reported to is not above the incident's unit, no content,
            or a time before the event or in the future.
    """
    now = now or timezone.now()
    require_roles(actor, incident.unit, INCIDENT_ROLES, "只有本单位工作人员可以报告事件。")
    unit = incident.unit
    if to_unit is None:
        to_unit = Unit.objects.filter(path=unit.path[: -Unit.steplen]).first()
    if to_unit is None or not (unit.path.startswith(to_unit.path) and to_unit.pk != unit.pk):
        raise ValidationFailed("请选择上级单位报告。", {"field": "to_unit"})
    if method not in IncidentReport.Method.values:
        raise ValidationFailed("请选择报告方式。", {"field": "method"})
    reported_at = reported_at or now
    if reported_at < incident.occurred_at or reported_at > now + timedelta(minutes=5):
        raise ValidationFailed("报告时间应在事件发生之后、现在之前。", {"field": "reported_at"})
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    report = IncidentReport.objects.create(
        incident=locked,
        to_unit=to_unit,
        to_whom=(to_whom or "").strip()[:100],
        method=method,
        reported_at=reported_at,
        content=_required(content, "报告内容", "content"),
        is_initial=not locked.reports.exists(),
        reported_by=actor,
    )
    _alert(
        to_unit,
        locked,
        f"incident:{locked.pk}:report:{report.pk}",
        f"{unit.name}报告突发事件：{locked.title}",
        report.content[:300],
    )
    return report


@transaction.atomic
def incident_link_petition(*, actor: Staff, incident: Incident, petition: Petition) -> Incident:
    """Link a petition to the incident (both must be visible to the actor).

    Raises:
        NotPermitted: the actor does not work in the incident's unit.
        ValidationFailed: the petition is not one the actor can see.
    """
    require_roles(actor, incident.unit, INCIDENT_ROLES, "只有本单位工作人员可以关联信访件。")
    if not petition_is_visible_to(actor, petition.pk):
        raise ValidationFailed("未找到该信访件。", {"field": "petition"})
    incident.petitions.add(petition)
    return incident


@transaction.atomic
def incident_close(
    *, actor: Staff | None, incident: Incident, summary: str, now: datetime | None = None
) -> Incident:
    """Close the incident with the result of its handling.

    Raises:
        NotPermitted: the actor does not lead or organise the unit.
        InvalidTransition: it is closed already.
        ValidationFailed: no summary given.
    """
    now = now or timezone.now()
    require_roles(actor, incident.unit, ORGANISING_ROLES, "只有本单位领导或登记员可以结束事件。")
    locked = _open(incident)
    locked.summary = _required(summary, "处置结果", "summary")
    locked.status = Incident.Status.CLOSED
    locked.closed_at = now
    locked.save(update_fields=["summary", "status", "closed_at"])
    return locked
