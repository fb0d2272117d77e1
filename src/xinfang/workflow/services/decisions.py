"""Decisions after registration (RULES.md §2): accept, forward, assign, decline; and the
receiving unit's acknowledgement or return."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from xinfang.core.errors import (
    DeadlineExpired,
    DomainError,
    InvalidTransition,
    NotPermitted,
    ValidationFailed,
)
from xinfang.petitions.models import DeclineReason, Petition, PetitionParty, PetitionUnit, State
from xinfang.petitions.selectors import (
    petition_is_visible_to,
    petitioner_hidden_from,
    same_person_q,
)
from xinfang.units.models import Role, Staff, Unit
from xinfang.units.selectors import roles_of, roles_over
from xinfang.workflow.deadlines import Clock
from xinfang.workflow.services.same_matter import take_up_check, take_up_refusal
from xinfang.workflow.services.standing_aside import recusal_refuse
from xinfang.workflow.services.transition import (
    Given,
    _link,
    _refuse_accused_unit,
    _require_text,
    _transition,
    accused_unit_refusal,
    decision_reopen,
    transition_rule,
)


def named_handler_refusal(p: Petition, actor: Staff) -> NotPermitted | None:
    """A case given to a named handler is theirs (or their leader's) to take up."""
    if (
        p.handler_id
        and p.handler_id != actor.pk
        and Role.LEADER not in roles_over(actor, p.responsible_unit)
    ):
        return NotPermitted(f"本件已交由{p.handler.display_name}承办。")
    return None


NOT_ACCEPTED_BY_ACCUSED = "被反映单位不得受理检举控告本单位的信访件，请转送或交上级处理。"


@transition_rule("accept")
def accept_refusal(actor: Staff, p: Petition, today: date, given: Given) -> DomainError | None:
    """Art.19 (the same matter handled below), and an accusation never accepted by the unit
    it accuses (Art.28)."""
    return take_up_refusal(p, actor, today) or accused_unit_refusal(
        p, p.responsible_unit, NOT_ACCEPTED_BY_ACCUSED
    )


@transition_rule("assign", "forward")
def pass_on_refusal(actor: Staff, p: Petition, today: date, given: Given) -> DomainError | None:
    """Art.19: the same matter handled below within its limit is not taken up again."""
    return take_up_refusal(p, actor, today)


@transition_rule("acknowledge")
def acknowledge_refusal(actor: Staff, p: Petition, today: date, given: Given) -> DomainError | None:
    """A case given to a named handler is acknowledged by them or their leader."""
    return named_handler_refusal(p, actor)


@transition_rule("return")
def return_refusal(actor: Staff, p: Petition, today: date, given: Given) -> DomainError | None:
    """A case is returned within the return limit, and never inside the unit that assigned it."""
    if p.return_by and today > p.return_by:
        return DeadlineExpired(
            f"退回期限（{p.return_by:%Y-%m-%d}）已过，不能退回；请依法办理或报请交办单位协调。",
            {"return_by": p.return_by.isoformat()},
        )
    if p.assigning_unit_id == p.responsible_unit_id:
        return InvalidTransition(
            "本单位内部交办的信访件不能退回；如需更换承办人，请报告领导重新交办。"
        )
    return None


def _may_cite(actor: Staff, petition: Petition, cited: Petition) -> bool:
    """A decline may cite a case the actor sees, or an earlier non-accusation case of the same
    petitioner (found at the desk by the earlier-cases lookup)."""
    if petition_is_visible_to(actor, cited.pk):
        return True
    if cited.is_accusation:
        return False
    return PetitionParty.objects.filter(same_person_q(petition.pk), petition=cited).exists()


def handler_roles(staff: Staff, unit: Unit) -> set[str]:
    """The handling roles the staff member holds in the unit itself."""
    return roles_of(staff, unit) & {Role.HANDLER, Role.LEADER}


DEFAULT_CHANNELS = {
    DeclineReason.LITIGATION: "请依法通过诉讼、仲裁、行政复议等法定途径向有管辖权的机关提出。",
    DeclineReason.DISCIPLINE: "请向有管辖权的纪检监察机关反映。",
    DeclineReason.IN_PROGRESS: "该事项正在办理中，请等待办理机关的答复。",
    DeclineReason.TERMINATED: (
        "该事项已复核终结，不再受理；如有困难，可到当地信访接待场所咨询，"
        "我们将继续做好疏导和帮扶工作。"
    ),
}


def _nearest_with(unit: Unit, field: str) -> Unit | None:
    """The unit itself or the nearest unit above it whose `field` is filled in."""
    if getattr(unit, field):
        return unit
    paths = [unit.path[:i] for i in range(Unit.steplen, len(unit.path), Unit.steplen)]
    return Unit.objects.filter(path__in=paths).exclude(**{field: ""}).order_by("-depth").first()


def decline_channel(reason: str, unit: Unit) -> str:
    """What a decline tells the petitioner to do instead, in the deciding unit's configured
    words (its own or the nearest unit's above: the legal procedure's body, the discipline
    body, the reception place where counselling goes on); the generic sentence where no unit
    has configured one (`/settings/units/`)."""
    if reason == DeclineReason.LITIGATION:
        legal = _nearest_with(unit, "legal_channel")
        if legal is not None:
            return f"请依法通过诉讼、仲裁、行政复议等法定途径提出：{legal.legal_channel}。"
    elif reason == DeclineReason.DISCIPLINE:
        body = _nearest_with(unit, "discipline_channel")
        if body is not None:
            return f"请向纪检监察机关反映：{body.discipline_channel}。"
    elif reason == DeclineReason.TERMINATED:
        place = _nearest_with(unit, "reception_place")
        if place is not None:
            hours = f"（{place.reception_hours}）" if place.reception_hours else ""
            phone = f"，电话 {place.hotline}" if place.hotline else ""
            return (
                "该事项已复核终结，不再受理；如有困难，可到"
                f"{place.reception_place}{hours}咨询{phone}，我们将继续做好疏导和帮扶工作。"
            )
    return DEFAULT_CHANNELS[reason]


def petition_accept(
    *,
    petition: Petition,
    actor: Staff,
    note: str = "",
    override_reason: str = "",
    now: datetime | None = None,
    version: int | None = None,
) -> Petition:
    """Accept the case for handling by its unit; the 60-day handling clock starts today.

    Raises:
        InvalidTransition: the same matter is being handled below (R22 Art.19).
        ValidationFailed: a leader taking up such a matter gave no reason.
        NotPermitted, VersionConflict, NotFound.
    """

    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        taken = take_up_check(p, today, override_reason)
        p.decision, p.decided_on, p.accepted_on = "accept", today, today
        clock.set(p, "conclude_by", today)
        _link(p, p.responsible_unit, PetitionUnit.Relation.RESPONSIBLE)
        return {
            "note": note.strip(),
            "conclude_by": p.conclude_by.isoformat(),
            "timely": today <= p.decide_by,
            **taken,
        }

    return _transition(
        "accept", petition=petition, actor=actor, now=now, version=version, apply=apply
    )


def petition_forward(
    *,
    petition: Petition,
    actor: Staff,
    to_unit: Unit | None = None,
    to_body: str = "",
    reason: str = "",
    override_reason: str = "",
    now: datetime | None = None,
    version: int | None = None,
) -> Petition:
    """Send the case to the body that has jurisdiction: a unit in the system, or one outside.

    Raises:
        ValidationFailed: no destination, the destination is the case's own unit, or a
            leader taking up a matter late below gave no reason.
        InvalidTransition: the same matter is being handled below (R22 Art.19).
        NotPermitted, VersionConflict, NotFound.
    """
    to_body = (to_body or "").strip()[:100]
    if (to_unit is None) == (not to_body):
        raise ValidationFailed(
            "请选择转送的单位，或填写系统外的有权处理机关。", {"field": "to_unit"}
        )

    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        data: dict[str, Any] = {
            "reason": reason.strip(),
            **take_up_check(p, today, override_reason),
        }
        p.decision, p.decided_on = "forward", today
        if to_unit is not None:
            if to_unit.pk == p.responsible_unit_id:
                raise ValidationFailed("不能转送给本单位。", {"field": "to_unit"})
            _refuse_accused_unit(p, to_unit)
            p.assigning_unit = p.responsible_unit
            p.responsible_unit = to_unit
            clock.set(p, "acknowledge_by", today)
            clock.set(p, "return_by", today)
            _link(p, p.assigning_unit, PetitionUnit.Relation.ASSIGNING)
            _link(p, to_unit, PetitionUnit.Relation.RESPONSIBLE)
            data |= {
                "to_unit": to_unit.pk,
                "to_unit_name": to_unit.name,
                "acknowledge_by": p.acknowledge_by.isoformat(),
            }
        else:
            p.forwarded_to_body = to_body
            data |= {"to_body": to_body}
        data["timely"] = today <= p.decide_by
        return data

    return _transition(
        "forward", petition=petition, actor=actor, now=now, version=version, apply=apply
    )


def petition_assign(
    *,
    petition: Petition,
    actor: Staff,
    to_unit: Unit,
    handler: Staff | None = None,
    due_on: date | None = None,
    instructions: str = "",
    override_reason: str = "",
    now: datetime | None = None,
    version: int | None = None,
) -> Petition:
    """Assign the case to a subordinate unit, or to a named handler of the unit itself,
    which must handle it and report back by a date.

    Raises:
        ValidationFailed: the unit is not subordinate, the handler is not one of its
            handlers, the date is past the legal limit, or a leader taking up a matter late
            below gave no reason.
        InvalidTransition: the same matter is being handled below (R22 Art.19).
        NotPermitted, VersionConflict, NotFound.
    """

    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        taken = take_up_check(p, today, override_reason)
        current = p.responsible_unit
        below = to_unit.path.startswith(current.path) and to_unit.depth > current.depth
        if not below and not (to_unit.pk == current.pk and handler is not None):
            raise ValidationFailed(
                f"只能交办给{current.name}的下级单位，或本单位的承办人。", {"field": "to_unit"}
            )
        _refuse_accused_unit(p, to_unit)
        if handler is not None:
            if not handler_roles(handler, to_unit):
                raise ValidationFailed(
                    f"{handler.display_name}不是{to_unit.name}的承办人。", {"field": "handler"}
                )
            if petitioner_hidden_from(handler, p):
                raise ValidationFailed("该承办人属于被反映单位，应当回避。", {"field": "handler"})
            recusal_refuse(handler, p, who=handler.display_name)
        legal = clock.due("conclude_by", today).date
        if due_on is not None and not (today < due_on <= legal):
            raise ValidationFailed(
                f"办结期限应在今天之后、法定期限 {legal:%Y-%m-%d} 之前。", {"field": "due_on"}
            )
        p.decision, p.decided_on, p.accepted_on = "assign", today, today
        p.assigning_unit, p.responsible_unit = current, to_unit
        p.handler = handler
        clock.set(p, "acknowledge_by", today)
        clock.set(p, "return_by", today)
        days = (due_on - today).days if due_on else None
        clock.set(p, "conclude_by", today, days=days)
        if p.conclude_by < p.acknowledge_by:
            # A case due before the usual 15 days must be acknowledged by its due date too,
            # so the earlier date is the one that binds while it waits for acknowledgement.
            clock.set(p, "acknowledge_by", today, days=(p.conclude_by - today).days)
        _link(p, current, PetitionUnit.Relation.ASSIGNING)
        _link(p, to_unit, PetitionUnit.Relation.RESPONSIBLE)
        return {
            "to_unit": to_unit.pk,
            "to_unit_name": to_unit.name,
            "handler": handler.pk if handler else None,
            "handler_name": handler.display_name if handler else "",
            "instructions": instructions.strip(),
            "conclude_by": p.conclude_by.isoformat(),
            "acknowledge_by": p.acknowledge_by.isoformat(),
            "timely": today <= p.decide_by,
            **taken,
        }

    return _transition(
        "assign", petition=petition, actor=actor, now=now, version=version, apply=apply
    )


def petition_decline(
    *,
    petition: Petition,
    actor: Staff,
    reason: str,
    channel: str = "",
    cited: Petition | None = None,
    note: str = "",
    now: datetime | None = None,
    version: int | None = None,
) -> Petition:
    """Decline the case with the reason and the proper channel the petitioner is told.

    Raises:
        ValidationFailed: unknown reason, or a terminated matter without the earlier case.
        NotPermitted, InvalidTransition, VersionConflict, NotFound.
    """
    if reason not in DeclineReason.values:
        raise ValidationFailed("请选择不予受理的理由。", {"field": "reason"})
    if reason == DeclineReason.TERMINATED and (cited is None or cited.state != State.TERMINATED):
        raise ValidationFailed(
            "以“已终结”为由不予受理，须引用已终结的原信访件。", {"field": "cited"}
        )
    if reason == DeclineReason.IN_PROGRESS and cited is not None and cited.pk == petition.pk:
        raise ValidationFailed("不能引用本件。", {"field": "cited"})
    if cited is not None and not _may_cite(actor, petition, cited):
        raise ValidationFailed("引用的原信访件不存在。", {"field": "cited"})
    channel = (channel or "").strip() or decline_channel(reason, petition.responsible_unit)

    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        p.decision, p.decided_on, p.decline_reason = "decline", today, reason
        if reason == DeclineReason.LITIGATION:
            # 诉访分离: it leaves the petition track and the indicators.
            p.is_litigation = True
        data = {
            "reason": reason,
            "reason_text": DeclineReason(reason).label,
            "channel": channel,
            "note": note.strip(),
            "timely": today <= p.decide_by,
        }
        if cited is not None:
            data |= {
                "cited": cited.pk,
                "cited_tracking_code": cited.tracking_code,
                "cited_state": cited.get_state_display(),
                # The petitioner's own earlier case may be named to them; another person's
                # case on the same matter only as such (portal, notices).
                "cited_same_person": PetitionParty.objects.filter(
                    same_person_q(p.pk), petition=cited
                ).exists(),
            }
        return data

    return _transition(
        "decline", petition=petition, actor=actor, now=now, version=version, apply=apply
    )


def petition_acknowledge(
    *,
    petition: Petition,
    actor: Staff,
    note: str = "",
    now: datetime | None = None,
    version: int | None = None,
) -> Petition:
    """The receiving unit confirms it has the forwarded or assigned case (and tells the
    petitioner); a forwarded case is accepted by it from today.

    Raises:
        NotPermitted, InvalidTransition, VersionConflict, NotFound.
    """

    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        if p.decision == "forward":
            p.accepted_on = today
            clock.set(p, "conclude_by", today)
        return {
            "note": note.strip(),
            "conclude_by": p.conclude_by.isoformat(),
            "timely": today <= p.acknowledge_by,
        }

    return _transition(
        "acknowledge", petition=petition, actor=actor, now=now, version=version, apply=apply
    )


def petition_return(
    *,
    petition: Petition,
    actor: Staff,
    reason: str,
    now: datetime | None = None,
    version: int | None = None,
) -> Petition:
    """Send a case back as not this unit's matter, with reasons, within the return limit.

    Raises:
        ValidationFailed: no reasons given.
        DeadlineExpired: the 5-working-day limit has passed.
        NotPermitted, InvalidTransition, VersionConflict, NotFound.
    """
    reason = _require_text(reason, "退回理由", "reason", minimum=4)

    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        returned_from = p.responsible_unit
        p.responsible_unit = p.assigning_unit
        p.assigning_unit = None
        p.handler = None  # the handler named below has no part in the re-decision
        decision_reopen(p, today, clock)
        return {
            "reason": reason,
            "from_unit": returned_from.pk,
            "from_unit_name": returned_from.name,
            "decide_by": p.decide_by.isoformat(),
        }

    return _transition(
        "return", petition=petition, actor=actor, now=now, version=version, apply=apply
    )
