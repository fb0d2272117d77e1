"""Extension requests (RULES.md §3, Art.34): the handler asks, the head of the body decides;
approval is the `extend` transition itself, so deadlines move exactly as RULES.md §5 says and
the petitioner reads the reason on the public timeline."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from xinfang.core.errors import (
    DeadlineExpired,
    DomainError,
    InvalidTransition,
    NotPermitted,
    ValidationFailed,
    refuse,
)
from xinfang.notifications.models import Kind
from xinfang.notifications.services import notify
from xinfang.petitions.models import Petition
from xinfang.units.models import Role, Staff, Unit
from xinfang.units.selectors import roles_over
from xinfang.workflow.deadlines import Clock
from xinfang.workflow.machine import TRANSITIONS
from xinfang.workflow.models import ExtensionRequest
from xinfang.workflow.services.handling import ALREADY_EXTENDED, petition_extend
from xinfang.workflow.services.recipients import members_of
from xinfang.workflow.services.transition import _record, _require_text

REQUESTERS = frozenset({Role.HANDLER, Role.LEADER})


def leaders_over(unit: Unit) -> set[int]:
    """The leaders of the unit, or of the nearest unit above it that has any."""
    paths = [unit.path] + [
        unit.path[:i] for i in range(len(unit.path) - Unit.steplen, 0, -Unit.steplen)
    ]
    units = dict(Unit.objects.filter(path__in=paths).values_list("path", "pk"))
    found = members_of(units.values(), [Role.LEADER])
    for path in paths:
        if found.get(units.get(path)):
            return found[units[path]]
    return set()


def extension_request_refusal(actor: Staff, p: Petition, today: date) -> DomainError | None:
    """Why the actor may not ask for a longer handling limit now, or None: the case's handler
    (or, while it has none, a handler or leader of the unit) may, once per handling stage,
    before the limit passes and while no request waits."""
    roles = roles_over(actor, p.responsible_unit)
    if not roles & REQUESTERS:
        return NotPermitted(f"您不是{p.responsible_unit.name}的承办人，不能申请延期。")
    if p.handler_id and p.handler_id != actor.pk and Role.LEADER not in roles:
        return NotPermitted(f"本件由{p.handler.display_name}承办，应由承办人申请延期。")
    if p.state not in TRANSITIONS["extend"].sources:
        return InvalidTransition(f"该信访件当前状态为“{p.get_state_display()}”，不能申请延期。")
    if p.extension_days:
        return InvalidTransition(ALREADY_EXTENDED)
    if ExtensionRequest.objects.filter(petition=p, status=ExtensionRequest.Status.PENDING).exists():
        return InvalidTransition("本件已有待审批的延期申请。")
    if p.conclude_by and today > p.conclude_by:
        return DeadlineExpired("办理期限已过，不能再申请延期。")
    return None


def extension_decide_refusal(actor: Staff, p: Petition) -> NotPermitted | None:
    """Why the actor may not decide the case's extension request, or None: a leader over its
    responsible unit may (approval is the `extend` transition and asks its rule too)."""
    if Role.LEADER not in roles_over(actor, p.responsible_unit):
        return NotPermitted(f"您不是{p.responsible_unit.name}的领导，不能审批延期。")
    return None


def extension_request(
    *,
    petition: Petition,
    actor: Staff,
    days: int,
    reason: str,
    now: datetime | None = None,
    version: int | None = None,
) -> ExtensionRequest:
    """The handler asks the leader for a longer handling limit, with the reason.

    Raises:
        NotPermitted: the actor is not the case's handler (or a handler or leader of the
            unit while it has none).
        InvalidTransition: not in handling, already extended in this stage, or a request is
            already waiting.
        DeadlineExpired: the handling limit has passed.
        ValidationFailed: days out of range or no reason.
        NotFound, VersionConflict.
    """
    reason = _require_text(reason, "延期理由", "reason", minimum=4)
    made: dict[str, Any] = {}

    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        refuse(extension_request_refusal(actor, p, today))
        limit = clock.limit("extension_max")
        if not isinstance(days, int) or not 1 <= days <= limit:
            raise ValidationFailed(f"延期天数应为1至{limit}天。", {"field": "days"})
        request = ExtensionRequest.objects.create(
            petition=p,
            requested_by=actor,
            requested_at=now or timezone.now(),
            days=days,
            reason=reason,
        )
        made.update(request=request, petition=p)
        return {"request": request.pk, "days": days, "reason": reason}

    def send() -> None:
        request, p = made["request"], made["petition"]
        notify(
            recipients=list(Staff.objects.filter(pk__in=leaders_over(p.responsible_unit))),
            kind=Kind.EXTENSION,
            title=f"延期申请待审批：{p.subject}"[:200],
            body=f"{actor.display_name}申请延期{days}日。理由：{reason}",
            url=reverse("petitions:detail", args=[p.pk]) + "#supervision",
            petition=p,
            dedupe_key=f"extension:{request.pk}",
        )

    _record(
        "extension_request",
        petition=petition,
        actor=actor,
        now=now,
        version=version,
        apply=apply,
        then=send,
    )
    return made["request"]


def _pending(request: ExtensionRequest) -> ExtensionRequest:
    r = (
        ExtensionRequest.objects.select_for_update(of=("self",))
        .select_related("petition", "requested_by")
        .get(pk=request.pk)
    )
    if r.status != ExtensionRequest.Status.PENDING:
        raise InvalidTransition(f"该延期申请已{r.get_status_display()}。")
    return r


def extension_approve(
    *,
    request: ExtensionRequest,
    actor: Staff,
    days: int | None = None,
    now: datetime | None = None,
) -> ExtensionRequest:
    """The leader approves the request, for its days or fewer: the case is extended through
    the `extend` transition, with the request's reason told to the petitioner.

    Raises:
        InvalidTransition: the request was already decided, or the case already extended.
        NotPermitted, DeadlineExpired, ValidationFailed, NotFound: from the extension.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # The case first, then the request: the order every other writer of both takes.
        Petition.objects.select_for_update(of=("self",)).filter(pk=request.petition_id).first()
        r = _pending(request)
        granted = r.days if days is None else days
        if granted > r.days:
            raise ValidationFailed("批准的天数不能超过申请的天数。", {"field": "days"})
        petition_extend(
            petition=r.petition,
            actor=actor,
            days=granted,
            reason=r.reason,
            request=r.pk,
            now=now,
        )
        r.status = ExtensionRequest.Status.APPROVED
        r.decided_by = actor
        r.decided_at = now
        r.approved_days = granted
        r.save(update_fields=["status", "decided_by", "decided_at", "approved_days"])
        p = Petition.objects.get(pk=r.petition_id)
        notify(
            recipients=[r.requested_by],
            kind=Kind.EXTENSION,
            title=f"延期已批准：{p.subject}"[:200],
            body=(
                f"{actor.display_name}批准延期{granted}日，"
                f"办结期限延至{p.conclude_by:%Y年%m月%d日}。"
            ),
            url=reverse("petitions:detail", args=[p.pk]),
            petition=p,
            dedupe_key=f"extension:{r.pk}:decided",
        )
    return r


def extension_refuse(
    *,
    request: ExtensionRequest,
    actor: Staff,
    reason: str,
    now: datetime | None = None,
) -> ExtensionRequest:
    """The leader refuses the request, with the reason the handler is told.

    Raises:
        NotPermitted: the actor is not a leader over the responsible unit.
        InvalidTransition: the request was already decided.
        ValidationFailed: no reason.
        NotFound.
    """
    reason = _require_text(reason, "不予批准的理由", "reason", minimum=2)
    made: dict[str, Any] = {}

    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        refuse(extension_decide_refusal(actor, p))
        r = _pending(request)
        r.status = ExtensionRequest.Status.REFUSED
        r.decided_by = actor
        r.decided_at = now or timezone.now()
        r.refusal_reason = reason
        r.save(update_fields=["status", "decided_by", "decided_at", "refusal_reason"])
        made.update(request=r, petition=p)
        return {"request": r.pk, "days": r.days, "reason": reason}

    def send() -> None:
        r, p = made["request"], made["petition"]
        notify(
            recipients=[r.requested_by],
            kind=Kind.EXTENSION,
            title=f"延期未获批准：{p.subject}"[:200],
            body=f"{actor.display_name}未批准延期。理由：{reason}",
            url=reverse("petitions:detail", args=[p.pk]),
            petition=p,
            dedupe_key=f"extension:{r.pk}:decided",
        )

    _record(
        "extension_refuse",
        petition=request.petition,
        actor=actor,
        now=now,
        apply=apply,
        then=send,
    )
    return made["request"]
