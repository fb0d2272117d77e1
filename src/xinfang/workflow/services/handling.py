"""Handling (RULES.md §3): start, extend, conclude with the written reply."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone

from xinfang.core.errors import (
    DeadlineExpired,
    DomainError,
    InvalidTransition,
    NotPermitted,
    ValidationFailed,
)
from xinfang.petitions.models import Outcome, Petition, Reply
from xinfang.petitions.selectors import petitioner_hidden_from
from xinfang.units.models import Staff
from xinfang.workflow.deadlines import Clock
from xinfang.workflow.models import ExtensionRequest
from xinfang.workflow.services.decisions import handler_roles, named_handler_refusal
from xinfang.workflow.services.follow_ups import follow_up_schedule
from xinfang.workflow.services.standing_aside import recusal_refusal
from xinfang.workflow.services.transition import (
    Given,
    _issue_reply,
    _require_text,
    _transition,
    transition_rule,
)


def petition_start(
    *,
    petition: Petition,
    actor: Staff,
    handler: Staff | None = None,
    now: datetime | None = None,
    version: int | None = None,
) -> Petition:
    """Start handling; the actor (or the named handler) becomes the case's handler.

    Raises:
        NotPermitted: the handler belongs to the unit an accusation names (Art.28).
        InvalidTransition, VersionConflict, NotFound.
    """
    handler = handler or actor

    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        p.handler = handler
        return {"handler": handler.pk, "handler_name": handler.display_name}

    return _transition(
        "start",
        petition=petition,
        actor=actor,
        now=now,
        version=version,
        given={"handler": handler},
        apply=apply,
    )


@transition_rule("start")
def start_refusal(actor: Staff, p: Petition, today: date, given: Given) -> DomainError | None:
    """A named handler's case is started by them or their leader; the handler (the actor
    unless `given` names one) handles in the unit and need not stand aside (Art.28)."""
    refusal = named_handler_refusal(p, actor)
    if refusal is not None:
        return refusal
    handler = given.get("handler") or actor
    if handler != actor and not handler_roles(handler, p.responsible_unit):
        return ValidationFailed(
            f"{handler.display_name}不是{p.responsible_unit.name}的承办人。",
            {"field": "handler"},
        )
    if petitioner_hidden_from(handler, p):
        return NotPermitted("承办人属于被反映单位，应当回避，不能承办本件。")
    return recusal_refusal(handler, p, who=handler.display_name)


# Art.34: one extension per handling stage, whether a leader extends or a handler asks.
ALREADY_EXTENDED = "本件已延期一次，不能再次延期。"


@transition_rule("extend")
def extend_refusal(actor: Staff, p: Petition, today: date, given: Given) -> DomainError | None:
    """One extension per handling stage, granted before the handling limit passes."""
    if p.extension_days:
        return InvalidTransition(ALREADY_EXTENDED)
    if p.conclude_by and today > p.conclude_by:
        return DeadlineExpired("办理期限已过，不能再延期。")
    return None


def petition_extend(
    *,
    petition: Petition,
    actor: Staff,
    days: int,
    reason: str,
    request: int | None = None,
    now: datetime | None = None,
    version: int | None = None,
) -> Petition:
    """Extend the handling limit once, by at most the configured days, with the reason the
    petitioner is told; `request` names the handler's extension request being approved.

    Raises:
        ValidationFailed: days out of range or no reason.
        InvalidTransition: already extended in this handling stage.
        DeadlineExpired: the handling limit has already passed.
        NotPermitted, VersionConflict, NotFound.
    """
    reason = _require_text(reason, "延期理由", "reason", minimum=4)

    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        limit = clock.limit("extension_max")
        if not isinstance(days, int) or not 1 <= days <= limit:
            raise ValidationFailed(f"延期天数应为1至{limit}天。", {"field": "days"})
        old = p.conclude_by
        basis = p.deadline_basis["conclude_by"]
        # Days paused by a hearing in this stage stay paused (RULES.md §5).
        paused = basis.get("paused", 0)
        p.extension_days = days
        clock.set(
            p,
            "conclude_by",
            date.fromisoformat(basis["start"]),
            days=basis["days"],
            extra=days + paused,
        )
        if paused:
            p.deadline_basis["conclude_by"]["paused"] = paused
        data: dict[str, Any] = {
            "days": days,
            "reason": reason,
            "from": old.isoformat(),
            "conclude_by": p.conclude_by.isoformat(),
        }
        settled = request
        if settled is None:
            # A leader extending directly settles a handler's request still waiting.
            waiting = ExtensionRequest.objects.filter(
                petition=p, status=ExtensionRequest.Status.PENDING
            )
            settled = waiting.values_list("pk", flat=True).first()
            waiting.update(
                status=ExtensionRequest.Status.APPROVED,
                decided_by=actor,
                decided_at=now or timezone.now(),
                approved_days=days,
            )
        if settled is not None:
            data["request"] = settled
            asked = ExtensionRequest.objects.select_related("requested_by").get(pk=settled)
            data["requested_by_name"] = asked.requested_by.display_name
        # R22 Art.34: the head of the body approves; the case shows who.
        data["approved_by_name"] = actor.display_name
        return data

    return _transition(
        "extend", petition=petition, actor=actor, now=now, version=version, apply=apply
    )


def petition_conclude(
    *,
    petition: Petition,
    actor: Staff,
    reply: dict[str, str] | None = None,
    delivered_on: date | None = None,
    now: datetime | None = None,
    version: int | None = None,
) -> Petition:
    """Approve and issue the written reply; the review window opens from its delivery.

    Raises:
        ValidationFailed: no draft and no reply given, or a part of the reply is missing.
        NotPermitted, InvalidTransition, VersionConflict, NotFound.
    """

    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        issued = _issue_reply(
            p,
            stage=Reply.Stage.HANDLING,
            actor=actor,
            fields=reply,
            today=today,
            delivered_on=delivered_on,
            outcomes=Outcome,
        )
        p.concluded_on, p.reply_delivered_on = today, issued.delivered_on
        clock.set(p, "review_request_by", issued.delivered_on)
        # The follow-up visit (Art.32) is scheduled with the conclusion, not by the next job.
        visit = follow_up_schedule(petition=p, concluded_on=today, now=now)
        return {
            "reply": issued.pk,
            "outcome": issued.outcome,
            "on_time": p.conclude_by is None or today <= p.conclude_by,
            "review_request_by": p.review_request_by.isoformat(),
            **({"follow_up_on": visit.due_on.isoformat()} if visit else {}),
        }

    return _transition(
        "conclude", petition=petition, actor=actor, now=now, version=version, apply=apply
    )
