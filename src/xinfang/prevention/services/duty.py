"""Writes of the duty roster: shifts, swaps, the duty log and petitions registered from it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from xinfang.core.errors import DomainError, InvalidTransition, ValidationFailed, refuse
from xinfang.petitions.identity import validate_phone
from xinfang.petitions.models import Channel, Petition
from xinfang.prevention.models import DutyLogEntry, DutyShift, DutySwap
from xinfang.prevention.services.common import (
    ORGANISING_ROLES,
    PetitionDraft,
    register_petition,
    registration_refusal,
    roles_refusal,
)
from xinfang.units.models import Role, Staff, Unit
from xinfang.units.selectors import roles_over

# A day's duty runs from 08:30 to 08:30 the next morning unless set otherwise.
DEFAULT_HANDOVER = time(8, 30)
LOG_ROLES = frozenset({Role.REGISTRAR, Role.HANDLER, Role.LEADER, Role.ADMIN})


def duty_schedule_refusal(actor: Staff | None, unit: Unit) -> DomainError | None:
    """Why the actor may not put people on duty at the unit (its roster keepers do), or None."""
    return roles_refusal(
        actor, unit, ORGANISING_ROLES, f"只有{unit.name}的登记员、领导或管理员可以排班。"
    )


def duty_swap_refusal(
    actor: Staff | None,
    shift: DutyShift,
    position: str | None = None,
    now: datetime | None = None,
) -> DomainError | None:
    """Why the actor may not hand a post of the shift to someone else, or None: the holder of
    the post (of either post, when none is named) and the roster keepers may, until the shift
    is over."""
    holders = {
        DutySwap.Position.OFFICER: {shift.officer_id},
        DutySwap.Position.LEADER: {shift.leader_id},
    }.get(position, {shift.officer_id, shift.leader_id})
    if actor is None or actor.pk not in holders:
        refusal = roles_refusal(
            actor, shift.unit, ORGANISING_ROLES, "只有排班人员或本人可以登记调班。"
        )
        if refusal is not None:
            return refusal
    if shift.ends_at <= (now or timezone.now()):
        return InvalidTransition("该班次已经结束，不能调班。")
    return None


def _check_people(unit: Unit, officer: Staff | None, leader: Staff | None) -> None:
    if officer is None or leader is None:
        raise ValidationFailed("请选择值班员和带班领导。", {"field": "officer"})
    if not roles_over(officer, unit):
        raise ValidationFailed(
            f"值班员{officer.display_name}不是{unit.name}的工作人员。", {"field": "officer"}
        )
    if Role.LEADER not in roles_over(leader, unit):
        raise ValidationFailed(
            f"带班领导{leader.display_name}不是{unit.name}或其上级单位的领导。",
            {"field": "leader"},
        )


def _window(on_date: date, starts_at: datetime | None, ends_at: datetime | None):
    zone = timezone.get_current_timezone()
    starts_at = starts_at or datetime.combine(on_date, DEFAULT_HANDOVER, tzinfo=zone)
    ends_at = ends_at or starts_at + timedelta(days=1)
    if ends_at <= starts_at:
        raise ValidationFailed("班次的结束时间应晚于开始时间。", {"field": "ends_at"})
    if ends_at - starts_at > timedelta(hours=48):
        raise ValidationFailed("一个班次不能超过48小时。", {"field": "ends_at"})
    return starts_at, ends_at


@transaction.atomic
def duty_shift_create(
    *,
    actor: Staff | None,
    unit: Unit,
    on_date: date,
    officer: Staff,
    leader: Staff,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    officer_phone: str = "",
    leader_phone: str = "",
    note: str = "",
) -> DutyShift:
    """Put an officer and a leader on duty for a unit (by default 08:30 to 08:30 next day).

    Raises:
        NotFound: the unit is outside the actor's units.
        NotPermitted: the actor does not keep the unit's roster.
        ValidationFailed: the people do not belong to the unit, or the shift overlaps another.
    """
    refuse(duty_schedule_refusal(actor, unit))
    if on_date is None:
        raise ValidationFailed("请选择值班日期。", {"field": "on_date"})
    _check_people(unit, officer, leader)
    starts_at, ends_at = _window(on_date, starts_at, ends_at)
    clash = DutyShift.objects.filter(unit=unit, starts_at__lt=ends_at, ends_at__gt=starts_at)
    if clash.exists():
        raise ValidationFailed(
            f"{unit.name}在{timezone.localtime(starts_at):%m月%d日 %H:%M}前后已有班次，时间重叠。",
            {"field": "on_date"},
        )
    return DutyShift.objects.create(
        unit=unit,
        on_date=on_date,
        starts_at=starts_at,
        ends_at=ends_at,
        officer=officer,
        officer_phone=(officer_phone or officer.phone or "").strip()[:30],
        leader=leader,
        leader_phone=(leader_phone or leader.phone or "").strip()[:30],
        note=(note or "").strip()[:200],
        created_by=actor,
    )


@transaction.atomic
def duty_roster_fill(
    *,
    actor: Staff | None,
    unit: Unit,
    first: date,
    last: date,
    officers: Sequence[Staff],
    leaders: Sequence[Staff],
    officer_phones: dict[int, str] | None = None,
    leader_phones: dict[int, str] | None = None,
) -> list[DutyShift]:
    """Fill the days first..last that have no shift yet, taking officers and leaders in turn.

    Raises:
        NotPermitted, NotFound, ValidationFailed: as duty_shift_create.
    """
    if not officers or not leaders:
        raise ValidationFailed("请至少选择一名值班员和一名带班领导。", {"field": "officers"})
    if last < first or (last - first).days > 92:
        raise ValidationFailed("排班区间应为一至九十二天。", {"field": "last"})
    officer_phones = officer_phones or {}
    leader_phones = leader_phones or {}
    taken = set(
        DutyShift.objects.filter(unit=unit, on_date__range=(first, last)).values_list(
            "on_date", flat=True
        )
    )
    made = []
    day, n = first, 0
    while day <= last:
        if day not in taken:
            officer, leader = officers[n % len(officers)], leaders[n % len(leaders)]
            made.append(
                duty_shift_create(
                    actor=actor,
                    unit=unit,
                    on_date=day,
                    officer=officer,
                    leader=leader,
                    officer_phone=officer_phones.get(officer.pk, ""),
                    leader_phone=leader_phones.get(leader.pk, ""),
                )
            )
        day += timedelta(days=1)
        n += 1
    return made


@transaction.atomic
def duty_swap(
    *,
    actor: Staff | None,
    shift: DutyShift,
    position: str,
    to_staff: Staff,
    reason: str,
    phone: str = "",
    now: datetime | None = None,
) -> DutySwap:
    """Hand a shift's officer or leader post to someone else, keeping the record (调班).

    Raises:
        NotFound: the shift's unit is outside the actor's units.
        NotPermitted: the actor neither keeps the roster nor holds the post.
        InvalidTransition: the shift is over.
        ValidationFailed: no reason, the same person, or someone who may not take the post.
    """
    now = now or timezone.now()
    shift = DutyShift.objects.select_for_update().select_related("unit").get(pk=shift.pk)
    if position not in DutySwap.Position.values:
        raise ValidationFailed("请选择调整值班员还是带班领导。", {"field": "position"})
    holder = shift.officer if position == DutySwap.Position.OFFICER else shift.leader
    refuse(duty_swap_refusal(actor, shift, position, now))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写调班原因。", {"field": "reason"})
    if to_staff is None or to_staff.pk == holder.pk:
        raise ValidationFailed("请选择替班人员（不能是原值班人）。", {"field": "to_staff"})
    if position == DutySwap.Position.OFFICER:
        _check_people(shift.unit, to_staff, shift.leader)
        shift.officer = to_staff
        shift.officer_phone = (phone or to_staff.phone or "").strip()[:30]
        shift.save(update_fields=["officer", "officer_phone"])
    else:
        _check_people(shift.unit, shift.officer, to_staff)
        shift.leader = to_staff
        shift.leader_phone = (phone or to_staff.phone or "").strip()[:30]
        shift.save(update_fields=["leader", "leader_phone"])
    return DutySwap.objects.create(
        shift=shift,
        position=position,
        from_staff=holder,
        to_staff=to_staff,
        reason=reason[:200],
        recorded_by=actor,
        recorded_at=now,
    )


def duty_log_refusal(actor: Staff | None, shift: DutyShift) -> DomainError | None:
    """Why the actor may not write in the shift's log: those on duty and the unit's staff do."""
    if actor is not None and actor.pk in (shift.officer_id, shift.leader_id):
        return None
    return roles_refusal(
        actor, shift.unit, LOG_ROLES, "只有当班人员或本单位工作人员可以记录值班情况。"
    )


@transaction.atomic
def duty_log_add(
    *,
    actor: Staff | None,
    shift: DutyShift,
    kind: str,
    summary: str,
    caller: str = "",
    phone: str = "",
    action: str = "",
    at: datetime | None = None,
    now: datetime | None = None,
) -> DutyLogEntry:
    """Record a call, visit or event received during the shift.

    Raises:
        NotFound: the shift's unit is outside the actor's units.
        NotPermitted: the actor is not on the shift and does not work in the unit.
        ValidationFailed: no content, an unknown kind, or a time outside the shift.
    """
    now = now or timezone.now()
    refuse(duty_log_refusal(actor, shift))
    at = at or now
    if kind not in DutyLogEntry.Kind.values:
        raise ValidationFailed("请选择记录类别。", {"field": "kind"})
    summary = (summary or "").strip()
    if not summary:
        raise ValidationFailed("请填写主要内容。", {"field": "summary"})
    if not shift.starts_at <= at <= shift.ends_at or at > now + timedelta(minutes=5):
        raise ValidationFailed("记录时间应在本班次之内，且不晚于现在。", {"field": "at"})
    return DutyLogEntry.objects.create(
        shift=shift,
        at=at,
        kind=kind,
        caller=(caller or "").strip()[:100],
        phone=(phone or "").strip()[:30],
        summary=summary,
        action=(action or "").strip(),
        recorded_by=actor,
    )


def _with_caller_phone(draft: PetitionDraft, phone: str) -> PetitionDraft:
    """The draft with the logged number as the first petitioner's phone, unless the
    registrar gave one, left the case anonymous, or the number is not a phone at all."""
    try:
        phone = validate_phone(phone) if phone else ""
    except ValidationFailed:
        phone = ""
    if not phone or draft.is_anonymous or not draft.petitioners or draft.petitioners[0].phone:
        return draft
    first = replace(draft.petitioners[0], phone=phone)
    return replace(draft, petitioners=[first, *draft.petitioners[1:]])


def duty_log_register_petition(
    *,
    actor: Staff,
    entry: DutyLogEntry,
    draft: PetitionDraft,
    now: datetime | None = None,
) -> Petition:
    """Register the call or visit in a duty log entry as a petition of the shift's unit
    (channel phone or visit, received at the time of the entry) and link it to the entry.
    The logged number becomes the first petitioner's phone when the draft gives none: kept
    encrypted with the petitioner, never copied in plain into the channel details.

    Raises:
        NotFound: the shift's unit is outside the actor's units.
        NotPermitted: the actor does not register petitions at the unit.
        InvalidTransition: the entry has a petition already.
        ValidationFailed: the petition would be incomplete.
    """
    now = now or timezone.now()
    unit = entry.shift.unit
    refuse(registration_refusal(actor, unit))
    with transaction.atomic():
        locked = DutyLogEntry.objects.select_for_update().get(pk=entry.pk)
        if locked.petition_id is not None:
            raise InvalidTransition("该值班记录已经登记为信访件。")
        channel = Channel.PHONE if locked.kind == DutyLogEntry.Kind.CALL else Channel.VISIT
        petition = register_petition(
            actor=actor,
            draft=_with_caller_phone(draft, locked.phone),
            channel=channel,
            receiving_unit=unit,
            received_at=locked.at,
            idempotency_key=f"duty-log:{locked.pk}",
            now=now,
        )
        locked.petition = petition
        locked.save(update_fields=["petition"])
    return petition
