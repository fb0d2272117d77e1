"""Writes of leaders' reception days (领导接访日) and outreach visits (下访)."""

from __future__ import annotations

from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone

from xinfang.core.errors import DomainError, InvalidTransition, ValidationFailed, refuse
from xinfang.petitions.models import Channel, Petition
from xinfang.prevention.models import OutreachVisit, ReceptionSession
from xinfang.prevention.services.common import (
    ORGANISING_ROLES,
    WORKING_ROLES,
    PetitionDraft,
    register_petition,
    registration_refusal,
    require_roles,
    roles_refusal,
)
from xinfang.units.models import Role, Staff, Unit
from xinfang.units.selectors import roles_over

OUTREACH_ROLES = (WORKING_ROLES - {Role.INFORMANT}) | {Role.ADMIN}


def _check_leader(unit: Unit, leader: Staff | None, what: str) -> None:
    if leader is None:
        raise ValidationFailed(f"请选择{what}。", {"field": "leader"})
    if Role.LEADER not in roles_over(leader, unit):
        raise ValidationFailed(
            f"{leader.display_name}不是{unit.name}或其上级单位的领导，不能作为{what}。",
            {"field": "leader"},
        )


def reception_schedule_refusal(actor: Staff | None, unit: Unit) -> DomainError | None:
    """Why the actor may not schedule a reception day at the unit, or None."""
    return roles_refusal(
        actor, unit, ORGANISING_ROLES, f"只有{unit.name}的登记员、领导或管理员可以安排接访日。"
    )


def reception_organise_refusal(
    actor: Staff | None, session: ReceptionSession
) -> DomainError | None:
    """Why the actor may not publish, cancel or record the reception day: its leader and the
    unit's organisers may."""
    if actor is not None and actor.pk == session.leader_id:
        return None
    return roles_refusal(
        actor, session.unit, ORGANISING_ROLES, "只有接访领导本人或本单位登记员可以办理。"
    )


@transaction.atomic
def reception_session_create(
    *,
    actor: Staff | None,
    unit: Unit,
    leader: Staff,
    date: date,
    start_time: time,
    end_time: time,
    place: str,
    topics: str = "",
    publish: bool = False,
    now: datetime | None = None,
) -> ReceptionSession:
    """Schedule a leader's reception day, published to the public site at once if asked.

    Raises:
        NotFound: the unit is outside the actor's units.
        NotPermitted: the actor does not organise the unit's reception days.
        ValidationFailed: the leader, date, times or place are missing or wrong.
    """
    now = now or timezone.now()
    refuse(reception_schedule_refusal(actor, unit))
    _check_leader(unit, leader, "接访领导")
    if date is None or date < timezone.localdate(now):
        raise ValidationFailed("接访日期不能早于今天。", {"field": "date"})
    if start_time is None or end_time is None or end_time <= start_time:
        raise ValidationFailed("结束时间应晚于开始时间。", {"field": "end_time"})
    place = (place or "").strip()
    if not place:
        raise ValidationFailed("请填写接访地点。", {"field": "place"})
    return ReceptionSession.objects.create(
        unit=unit,
        leader=leader,
        date=date,
        start_time=start_time,
        end_time=end_time,
        place=place[:200],
        topics=(topics or "").strip()[:300],
        is_published=publish,
        published_at=now if publish else None,
        created_by=actor,
    )


@transaction.atomic
def reception_session_publish(
    *, actor: Staff | None, session: ReceptionSession, now: datetime | None = None
) -> ReceptionSession:
    """Publish the reception day on the public site.

    Raises:
        NotPermitted: the actor neither is the leader nor organises the unit's reception days.
        InvalidTransition: it was cancelled, or is over.
    """
    now = now or timezone.now()
    refuse(reception_organise_refusal(actor, session))
    session = ReceptionSession.objects.select_for_update().get(pk=session.pk)
    if session.status != ReceptionSession.Status.PLANNED:
        raise InvalidTransition("已取消或已接访的接访日不能再公开。")
    if session.date < timezone.localdate(now):
        raise InvalidTransition("接访日已过，不能再公开。")
    if not session.is_published:
        session.is_published = True
        session.published_at = now
        session.save(update_fields=["is_published", "published_at"])
    return session


@transaction.atomic
def reception_session_cancel(
    *, actor: Staff | None, session: ReceptionSession, reason: str
) -> ReceptionSession:
    """Cancel a planned reception day; the public site stops showing it.

    Raises:
        NotPermitted: the actor neither is the leader nor organises the unit's reception days.
        InvalidTransition: it was held or cancelled already.
        ValidationFailed: no reason given.
    """
    refuse(reception_organise_refusal(actor, session))
    session = ReceptionSession.objects.select_for_update().get(pk=session.pk)
    if session.status != ReceptionSession.Status.PLANNED:
        raise InvalidTransition("该接访日已接访或已取消。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写取消原因。", {"field": "reason"})
    session.status = ReceptionSession.Status.CANCELLED
    session.outcome = f"取消原因：{reason}"
    session.save(update_fields=["status", "outcome"])
    return session


@transaction.atomic
def reception_session_record(
    *,
    actor: Staff | None,
    session: ReceptionSession,
    attendance: int,
    outcome: str,
    now: datetime | None = None,
) -> ReceptionSession:
    """Record how many came and what came of the reception day (it may be recorded again).

    Raises:
        NotPermitted: the actor neither is the leader nor organises the unit's reception days.
        InvalidTransition: it was cancelled, or has not taken place yet.
        ValidationFailed: the attendance or the account is missing.
    """
    now = now or timezone.now()
    refuse(reception_organise_refusal(actor, session))
    session = ReceptionSession.objects.select_for_update().get(pk=session.pk)
    if session.status == ReceptionSession.Status.CANCELLED:
        raise InvalidTransition("该接访日已取消。")
    if session.date > timezone.localdate(now):
        raise InvalidTransition("接访日还没到，不能记录接访情况。")
    if attendance is None or attendance < 0 or attendance > 100000:
        raise ValidationFailed("请填写接待人次。", {"field": "attendance"})
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationFailed("请填写接访情况。", {"field": "outcome"})
    session.attendance = attendance
    session.outcome = outcome
    session.status = ReceptionSession.Status.HELD
    session.save(update_fields=["attendance", "outcome", "status"])
    return session


def reception_register_refusal(
    actor: Staff | None, session: ReceptionSession, now: datetime | None = None
) -> DomainError | None:
    """Why the actor may not register a petition received at the reception day, or None:
    the unit's registrars may, once the day has come, unless it was cancelled."""
    refusal = registration_refusal(actor, session.unit)
    if refusal is not None:
        return refusal
    if session.status == ReceptionSession.Status.CANCELLED:
        return InvalidTransition("该接访日已取消。")
    if session.date > timezone.localdate(now):
        return InvalidTransition("接访日还没到，不能登记来访。")
    return None


def reception_register_petition(
    *,
    actor: Staff,
    session: ReceptionSession,
    draft: PetitionDraft,
    received_at: datetime | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Petition:
    """Register a petition received at the reception day: channel `reception`, the session
    and its leader in the channel details (the leader is the case's owner), linked to the
    session. A repeated call with the same idempotency key returns the first case.

    Raises:
        NotFound: the session's unit is outside the actor's units.
        NotPermitted: the actor does not register petitions at the unit.
        InvalidTransition: the session was cancelled or has not begun.
        ValidationFailed: the petition would be incomplete.
    """
    now = now or timezone.now()
    zone = timezone.get_current_timezone()
    session = ReceptionSession.objects.select_related("unit").get(pk=session.pk)
    refuse(reception_register_refusal(actor, session, now))
    if received_at is None:
        started = datetime.combine(session.date, session.start_time, tzinfo=zone)
        ended = datetime.combine(session.date, session.end_time, tzinfo=zone)
        received_at = now if started <= now <= ended else started
    with transaction.atomic():
        petition = register_petition(
            actor=actor,
            draft=draft,
            channel=Channel.RECEPTION,
            receiving_unit=session.unit,
            received_at=received_at,
            channel_details={
                "reception_session": session.pk,
                "reception_leader": session.leader_id,
            },
            idempotency_key=idempotency_key,
            now=now,
        )
        session.petitions.add(petition)
    return petition


@transaction.atomic
def outreach_visit_plan(
    *,
    actor: Staff | None,
    unit: Unit,
    leader: Staff,
    planned_on: date,
    place: str,
    visitees: str,
    purpose: str = "",
    officials: str = "",
) -> OutreachVisit:
    """Plan a visit down to the people, led by a leader of the unit or above it.

    Raises:
        NotFound: the unit is outside the actor's units.
        NotPermitted: the actor does not work in the unit.
        ValidationFailed: the leader, date, place or people to visit are missing.
    """
    require_roles(actor, unit, OUTREACH_ROLES, f"只有{unit.name}的工作人员可以安排下访。")
    _check_leader(unit, leader, "带队领导")
    if planned_on is None:
        raise ValidationFailed("请选择计划日期。", {"field": "planned_on"})
    place, visitees = (place or "").strip(), (visitees or "").strip()
    if not place:
        raise ValidationFailed("请填写下访地点。", {"field": "place"})
    if not visitees:
        raise ValidationFailed("请填写走访对象。", {"field": "visitees"})
    return OutreachVisit.objects.create(
        unit=unit,
        leader=leader,
        planned_on=planned_on,
        place=place[:200],
        visitees=visitees[:200],
        purpose=(purpose or "").strip()[:300],
        officials=(officials or "").strip()[:200],
        created_by=actor,
    )


@transaction.atomic
def outreach_visit_record(
    *,
    actor: Staff | None,
    visit: OutreachVisit,
    visited_on: date,
    matters_raised: str,
    outcome: str = "",
    now: datetime | None = None,
) -> OutreachVisit:
    """Record that the visit took place: when, what the people raised, what was done.

    Raises:
        NotPermitted: the actor does not work in the unit.
        InvalidTransition: the visit was cancelled.
        ValidationFailed: the date is in the future, or nothing is recorded.
    """
    now = now or timezone.now()
    require_roles(actor, visit.unit, OUTREACH_ROLES, "只有本单位工作人员可以记录下访情况。")
    visit = OutreachVisit.objects.select_for_update().get(pk=visit.pk)
    if visit.status == OutreachVisit.Status.CANCELLED:
        raise InvalidTransition("该下访已取消。")
    if visited_on is None or visited_on > timezone.localdate(now):
        raise ValidationFailed("下访日期不能晚于今天。", {"field": "visited_on"})
    matters_raised = (matters_raised or "").strip()
    if not matters_raised:
        raise ValidationFailed("请填写群众反映的问题（没有问题请写“无”）。", {"field": "matters"})
    visit.visited_on = visited_on
    visit.matters_raised = matters_raised
    visit.outcome = (outcome or "").strip()
    visit.status = OutreachVisit.Status.DONE
    visit.save(update_fields=["visited_on", "matters_raised", "outcome", "status"])
    return visit


@transaction.atomic
def outreach_visit_cancel(
    *, actor: Staff | None, visit: OutreachVisit, reason: str
) -> OutreachVisit:
    """Cancel a planned visit.

    Raises:
        NotPermitted: the actor does not work in the unit.
        InvalidTransition: it took place or was cancelled already.
        ValidationFailed: no reason given.
    """
    require_roles(actor, visit.unit, OUTREACH_ROLES, "只有本单位工作人员可以取消下访。")
    visit = OutreachVisit.objects.select_for_update().get(pk=visit.pk)
    if visit.status != OutreachVisit.Status.PLANNED:
        raise InvalidTransition("该下访已完成或已取消。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写取消原因。", {"field": "reason"})
    visit.status = OutreachVisit.Status.CANCELLED
    visit.outcome = f"取消原因：{reason}"
    visit.save(update_fields=["status", "outcome"])
    return visit


def outreach_register_refusal(actor: Staff | None, visit: OutreachVisit) -> DomainError | None:
    """Why the actor may not register a matter raised on the visit, or None: the unit's
    registrars may, once the visit is recorded as done."""
    refusal = registration_refusal(actor, visit.unit)
    if refusal is not None:
        return refusal
    if visit.status != OutreachVisit.Status.DONE or visit.visited_on is None:
        return InvalidTransition("请先记录下访情况，再登记反映的问题。")
    return None


def outreach_register_petition(
    *,
    actor: Staff,
    visit: OutreachVisit,
    draft: PetitionDraft,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Petition:
    """Register a matter raised on the visit as a petition (channel `outreach`), linked to
    the visit. A repeated call with the same idempotency key returns the first case.

    Raises:
        NotFound: the visit's unit is outside the actor's units.
        NotPermitted: the actor does not register petitions at the unit.
        InvalidTransition: the visit has not been recorded as done.
        ValidationFailed: the petition would be incomplete.
    """
    now = now or timezone.now()
    visit = OutreachVisit.objects.select_related("unit").get(pk=visit.pk)
    refuse(outreach_register_refusal(actor, visit))
    zone = timezone.get_current_timezone()
    received_at = min(now, datetime.combine(visit.visited_on, time(12), tzinfo=zone))
    with transaction.atomic():
        petition = register_petition(
            actor=actor,
            draft=draft,
            channel=Channel.OUTREACH,
            receiving_unit=visit.unit,
            received_at=received_at,
            channel_details={"outreach_visit": visit.pk},
            idempotency_key=idempotency_key,
            now=now,
        )
        visit.petitions.add(petition)
    return petition
