"""Writes of accountability: proposing a month's items, the unit's explanation, and the
supervisor's decision (confirm, dismiss, record the measure). Each action has one
`*_refusal` predicate that the page, the API and the service ask."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from xinfang.accountability.models import (
    UNDECIDED,
    AccountabilityChange,
    AccountabilityItem,
    Measure,
    Status,
)
from xinfang.accountability.rules import Month, violations_of
from xinfang.core.errors import (
    DomainError,
    InvalidTransition,
    NotFound,
    NotPermitted,
    ValidationFailed,
    refuse,
)
from xinfang.units.models import Role, Staff
from xinfang.units.selectors import roles_over, unit_is_visible_to, unit_parent

EXPLAINERS = frozenset({Role.LEADER})
DECIDERS = frozenset({Role.SUPERVISOR, Role.ADMIN})


# --- proposing ----------------------------------------------------------------------------------


@dataclass
class Proposal:
    month: Month
    found: int
    created: int


def accountability_propose(*, month: Month, now: datetime | None = None) -> Proposal:
    """Propose every violation of the month as an item of the unit that owed the act;
    a violation already proposed (whatever its status) is left alone, so reruns add nothing.
    """
    now = now or timezone.now()
    found = violations_of(month, now)
    existing = set(
        AccountabilityItem.objects.filter(key__in=[v.key for v in found]).values_list(
            "key", flat=True
        )
    )
    created = 0
    for v in found:
        if v.key in existing:
            continue
        try:
            with transaction.atomic():
                item = AccountabilityItem.objects.create(
                    key=v.key,
                    kind=v.kind,
                    unit_id=v.unit_id,
                    month=month.start,
                    due_on=v.due_on,
                    done_on=v.done_on,
                    summary=v.summary[:300],
                    petition_id=v.petition_id,
                    supervision_order_id=v.supervision_order_id,
                    screening_period_id=v.screening_period_id,
                    event_ids=v.event_ids,
                    proposed_at=now,
                )
                AccountabilityChange.objects.create(
                    item=item, action="propose", to_status=Status.PROPOSED, at=now
                )
        except IntegrityError:
            continue  # another run proposed it a moment ago
        created += 1
    return Proposal(month, len(found), created)


# --- who may do what ----------------------------------------------------------------------------


def _visible_refusal(actor: Staff, item: AccountabilityItem) -> DomainError | None:
    if not unit_is_visible_to(actor, item.unit):
        return NotFound("未找到该责任追究事项。")
    return None


def _supervisor_refusal(actor: Staff, item: AccountabilityItem) -> DomainError | None:
    # Decided by a supervisor of a body above the unit, never by the unit itself.
    above = unit_parent(item.unit)
    if actor.is_superuser or (above is not None and roles_over(actor, above) & DECIDERS):
        return None
    return NotPermitted("只有上级单位的督查人员可以作出追究决定。")


def explain_refusal(actor: Staff, item: AccountabilityItem) -> DomainError | None:
    """Why the actor may not answer the item for the unit, or None: a leader of the unit
    (or above it) may, until a supervisor has decided."""
    if refusal := _visible_refusal(actor, item):
        return refusal
    if not roles_over(actor, item.unit) & EXPLAINERS:
        return NotPermitted(f"只有{item.unit.name}的领导可以作出说明。")
    if item.status not in UNDECIDED:
        return InvalidTransition("该事项已有决定，不能再作说明。")
    return None


def confirm_refusal(actor: Staff, item: AccountabilityItem) -> DomainError | None:
    """Why the actor may not confirm the item, or None."""
    if refusal := _visible_refusal(actor, item) or _supervisor_refusal(actor, item):
        return refusal
    if item.status not in UNDECIDED:
        return InvalidTransition("该事项已有决定。")
    return None


def dismiss_refusal(actor: Staff, item: AccountabilityItem) -> DomainError | None:
    """Why the actor may not dismiss the item, or None."""
    return confirm_refusal(actor, item)


def measure_refusal(actor: Staff, item: AccountabilityItem) -> DomainError | None:
    """Why the actor may not record the measure taken, or None: a confirmed item without one."""
    if refusal := _visible_refusal(actor, item) or _supervisor_refusal(actor, item):
        return refusal
    if item.status != Status.CONFIRMED:
        return InvalidTransition("只有已确认的事项可以记录追究措施。")
    if item.measure:
        return InvalidTransition("该事项已记录追究措施。")
    return None


# --- the actions --------------------------------------------------------------------------------


def _text(value: str, what: str, field: str, minimum: int = 4) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise ValidationFailed(f"请填写{what}（至少{minimum}个字）。", {"field": field})
    if len(value) > 5000:
        raise ValidationFailed(f"{what}不能超过5000字。", {"field": field})
    return value


def _measure(value: str, required: bool) -> str:
    value = (value or "").strip()
    if not value and not required:
        return ""
    if value not in Measure.values:
        raise ValidationFailed("请选择追究措施。", {"field": "measure"})
    return value


def _change(
    item: AccountabilityItem,
    actor: Staff,
    action: str,
    refusal: Callable[[Staff, AccountabilityItem], DomainError | None],
    apply: Callable[[AccountabilityItem, datetime], tuple[list[str], str]],
    now: datetime | None,
) -> AccountabilityItem:
    """Lock the item, ask the refusal again on the locked row, apply, save, log the change."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            AccountabilityItem.objects.select_for_update(of=("self",))
            .select_related("unit")
            .filter(pk=item.pk)
            .first()
        )
        if locked is None:
            raise NotFound("未找到该责任追究事项。")
        refuse(refusal(actor, locked))
        before = locked.status
        fields, note = apply(locked, now)
        locked.save(update_fields=fields)
        AccountabilityChange.objects.create(
            item=locked,
            action=action,
            from_status=before,
            to_status=locked.status,
            actor=actor,
            note=note,
            at=now,
        )
    return locked


def item_explain(
    *, item: AccountabilityItem, actor: Staff, explanation: str, now: datetime | None = None
) -> AccountabilityItem:
    """The unit's answer to the item, before the supervisor decides (a later one replaces it).

    Raises:
        NotFound, NotPermitted, InvalidTransition: see explain_refusal.
        ValidationFailed: no explanation.
    """
    explanation = _text(explanation, "情况说明", "explanation")

    def apply(i: AccountabilityItem, at: datetime) -> tuple[list[str], str]:
        i.explanation, i.explained_by, i.explained_at = explanation, actor, at
        i.status = Status.EXPLAINED
        return ["explanation", "explained_by", "explained_at", "status"], explanation

    return _change(item, actor, "explain", explain_refusal, apply, now)


def item_confirm(
    *,
    item: AccountabilityItem,
    actor: Staff,
    reason: str = "",
    measure: str = "",
    measure_note: str = "",
    now: datetime | None = None,
) -> AccountabilityItem:
    """The supervisor confirms the violation, with the measure taken if already decided.

    Raises:
        NotFound, NotPermitted, InvalidTransition: see confirm_refusal.
        ValidationFailed: an unknown measure.
    """
    measure = _measure(measure, required=False)
    reason = (reason or "").strip()[:5000]

    def apply(i: AccountabilityItem, at: datetime) -> tuple[list[str], str]:
        i.status, i.decision_reason, i.decided_by, i.decided_at = (
            Status.CONFIRMED,
            reason,
            actor,
            at,
        )
        fields = ["status", "decision_reason", "decided_by", "decided_at"]
        note = reason
        if measure:
            i.measure, i.measure_note, i.measure_by, i.measure_at = measure, measure_note, actor, at
            fields += ["measure", "measure_note", "measure_by", "measure_at"]
            note = (
                f"{Measure(measure).label}。{reason}".strip("。")
                if reason
                else Measure(measure).label
            )
        return fields, note

    return _change(item, actor, "confirm", confirm_refusal, apply, now)


def item_dismiss(
    *, item: AccountabilityItem, actor: Staff, reason: str, now: datetime | None = None
) -> AccountabilityItem:
    """The supervisor finds no fault (a reason the unit gave, an error in the record).

    Raises:
        NotFound, NotPermitted, InvalidTransition: see dismiss_refusal.
        ValidationFailed: no reason.
    """
    reason = _text(reason, "不予追究的理由", "reason")

    def apply(i: AccountabilityItem, at: datetime) -> tuple[list[str], str]:
        i.status, i.decision_reason, i.decided_by, i.decided_at = (
            Status.DISMISSED,
            reason,
            actor,
            at,
        )
        return ["status", "decision_reason", "decided_by", "decided_at"], reason

    return _change(item, actor, "dismiss", dismiss_refusal, apply, now)


def item_measure_record(
    *,
    item: AccountabilityItem,
    actor: Staff,
    measure: str,
    note: str = "",
    now: datetime | None = None,
) -> AccountabilityItem:
    """Record the measure taken on a confirmed item (批评教育, 约谈, 通报, 移送纪检监察).

    Raises:
        NotFound, NotPermitted, InvalidTransition: see measure_refusal.
        ValidationFailed: no or an unknown measure.
    """
    measure = _measure(measure, required=True)
    note = (note or "").strip()[:5000]

    def apply(i: AccountabilityItem, at: datetime) -> tuple[list[str], str]:
        i.measure, i.measure_note, i.measure_by, i.measure_at = measure, note, actor, at
        return ["measure", "measure_note", "measure_by", "measure_at"], (
            f"{Measure(measure).label}。{note}" if note else Measure(measure).label
        )

    return _change(item, actor, "measure", measure_refusal, apply, now)


# The decision endpoint's actions, each with its predicate (the page shows what is allowed).
DECISIONS: dict[str, Callable[[Staff, AccountabilityItem], DomainError | None]] = {
    "confirm": confirm_refusal,
    "dismiss": dismiss_refusal,
    "measure": measure_refusal,
}


def item_decide(
    *,
    item: AccountabilityItem,
    actor: Staff,
    decision: str,
    reason: str = "",
    measure: str = "",
    measure_note: str = "",
    now: datetime | None = None,
) -> AccountabilityItem:
    """One entry for the page's and the API's decision form: confirm, dismiss or measure.

    Raises:
        ValidationFailed: an unknown decision; and what the chosen service raises.
    """
    if decision == "confirm":
        return item_confirm(
            item=item,
            actor=actor,
            reason=reason,
            measure=measure,
            measure_note=measure_note,
            now=now,
        )
    if decision == "dismiss":
        return item_dismiss(item=item, actor=actor, reason=reason, now=now)
    if decision == "measure":
        return item_measure_record(
            item=item, actor=actor, measure=measure, note=measure_note or reason, now=now
        )
    raise ValidationFailed("请选择确认、不予追究或记录追究措施。", {"field": "decision"})
