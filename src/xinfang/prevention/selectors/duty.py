"""Reads of the duty roster, reception days, outreach visits, emergency plans, incidents."""

from __future__ import annotations

import calendar
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from xinfang.prevention.models import (
    DutyShift,
    EmergencyPlan,
    Incident,
    OutreachVisit,
    ReceptionSession,
)
from xinfang.prevention.selectors.common import get_scoped, scoped
from xinfang.units.models import Membership, Staff, Unit
from xinfang.units.selectors import units_visible_to


def duty_today_for(user: Staff, *, today: date | None = None) -> list[DutyShift]:
    """Today's duty of the user's own units and of every unit above them, nearest first:
    for the workbench card (`prevention/_duty_today.html`)."""
    if not user.is_authenticated:
        return []
    today = today or timezone.localdate()
    paths = set()
    for path in Membership.objects.filter(staff=user).values_list("unit__path", flat=True):
        paths.update(path[:i] for i in range(Unit.steplen, len(path) + 1, Unit.steplen))
    if not paths:
        return []
    return list(
        DutyShift.objects.filter(unit__path__in=paths, on_date=today)
        .select_related("unit", "officer", "leader")
        .order_by("-unit__depth", "starts_at")
    )


def duty_month(user: Staff, *, unit: Unit, year: int, month: int) -> list[DutyShift]:
    """The unit's shifts in the month, with how many log entries and swaps each has."""
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    return list(
        scoped(DutyShift.objects.filter(unit=unit, on_date__range=(first, last)), user)
        .select_related("officer", "leader")
        .annotate(n_log=Count("log", distinct=True), n_swaps=Count("swaps", distinct=True))
        .order_by("starts_at")
    )


def duty_shift_get(user: Staff, pk: int) -> DutyShift:
    """One shift the user may see.

    Raises:
        Http404: it does not exist or lies outside the user's units.
    """
    qs = DutyShift.objects.select_related("unit", "officer", "leader")
    return get_scoped(qs, user, pk, "班次")


def duty_units_for(user: Staff) -> QuerySet[Unit]:
    """The units whose roster the user may look at: their own, and those below with shifts."""
    own = Membership.objects.filter(staff=user).values("unit_id")
    with_shifts = DutyShift.objects.filter(unit=OuterRef("pk"))
    visible = units_visible_to(user)
    return visible.filter(Q(pk__in=own) | Exists(with_shifts)).order_by("path")


def reception_sessions_visible_to(user: Staff) -> QuerySet[ReceptionSession]:
    """Reception days of the units the user may see."""
    return scoped(ReceptionSession.objects.all(), user).select_related("unit", "leader")


def reception_session_get(user: Staff, pk: int) -> ReceptionSession:
    """One reception day the user may see.

    Raises:
        Http404: it does not exist or lies outside the user's units.
    """
    qs = ReceptionSession.objects.select_related("unit", "leader")
    return get_scoped(qs, user, pk, "接访日")


def outreach_visits_visible_to(user: Staff) -> QuerySet[OutreachVisit]:
    """Outreach visits of the units the user may see."""
    return scoped(OutreachVisit.objects.all(), user).select_related("unit", "leader")


def outreach_visit_get(user: Staff, pk: int) -> OutreachVisit:
    """One outreach visit the user may see.

    Raises:
        Http404: it does not exist or lies outside the user's units.
    """
    qs = OutreachVisit.objects.select_related("unit", "leader")
    return get_scoped(qs, user, pk, "下访记录")


def emergency_plans_latest(user: Staff) -> QuerySet[EmergencyPlan]:
    """The latest version of each plan the user may see."""
    newer = EmergencyPlan.objects.filter(unit=OuterRef("unit"), version__gt=OuterRef("version"))
    return (
        scoped(EmergencyPlan.objects.all(), user)
        .filter(~Exists(newer))
        .select_related("unit", "created_by")
        .order_by("unit__path")
    )


def emergency_plan_get(user: Staff, pk: int) -> EmergencyPlan:
    """One plan version the user may see.

    Raises:
        Http404: it does not exist or lies outside the user's units.
    """
    qs = EmergencyPlan.objects.select_related("unit", "created_by", "supersedes")
    return get_scoped(qs, user, pk, "应急预案")


def emergency_plan_versions(plan: EmergencyPlan) -> list[EmergencyPlan]:
    """Every version of the plan's unit, newest first."""
    return list(
        EmergencyPlan.objects.filter(unit_id=plan.unit_id)
        .select_related("created_by")
        .order_by("-version")
    )


def plan_in_force(unit: Unit) -> EmergencyPlan | None:
    """The latest version of the plan of the unit, or of the nearest unit above it."""
    paths = [unit.path[:i] for i in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)]
    return (
        EmergencyPlan.objects.filter(unit__path__in=paths)
        .select_related("unit")
        .order_by("-unit__depth", "-version")
        .first()
    )


def incidents_visible_to(user: Staff) -> QuerySet[Incident]:
    """Incidents of the units the user may see, newest first."""
    return (
        scoped(Incident.objects.all(), user)
        .select_related("unit")
        .annotate(n_reports=Count("reports"))
        .order_by("-occurred_at", "-id")
    )


def incident_get(user: Staff, pk: int) -> Incident:
    """One incident the user may see.

    Raises:
        Http404: it does not exist or lies outside the user's units.
    """
    qs = Incident.objects.select_related("unit", "plan", "created_by")
    return get_scoped(qs, user, pk, "突发事件")
