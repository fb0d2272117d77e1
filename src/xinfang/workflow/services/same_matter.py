"""R22 Art.19: a matter still being handled by a lower body within its limit is not taken up
again higher up. One rule, asked by the case page, the API and the decision services.

The same matter is a case of the same petitioner (identity number or phone, by blind index)
in the same top-level category, or the case this one was registered as a repeat of. Taking
it up means accepting, assigning or forwarding; the case is declined instead, with that
reason and the open case cited. Where the lower body has let its limit pass, a leader may
still take it up, with the reason recorded in the case's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from xinfang.core.errors import InvalidTransition, ValidationFailed
from xinfang.petitions.models import Category, Petition, State
from xinfang.petitions.selectors import same_person_q
from xinfang.units.models import Role, Staff, Unit
from xinfang.units.selectors import roles_over

TAKING_UP = frozenset({"accept", "assign", "forward"})
HANDLING = frozenset(
    {State.ASSIGNED, State.FORWARDED, State.ACCEPTED, State.ACKNOWLEDGED, State.IN_PROGRESS}
)


@dataclass(frozen=True)
class PendingBelow:
    """The open case on the same matter at a lower body, and whether its limit has passed."""

    case: Petition
    limit: date | None
    overdue: bool

    @property
    def summary(self) -> str:
        c = self.case
        due = f"，办理期限至{self.limit:%Y-%m-%d}" if self.limit else ""
        return (
            f"{c.responsible_unit.name}正在办理（{c.tracking_code}，{c.get_state_display()}{due}）"
        )


def pending_below(p: Petition, today: date) -> PendingBelow | None:
    """The open case on the same matter that a body below this case's unit is handling."""
    unit = p.responsible_unit
    same_person = same_person_q(p.pk, prefix="parties__")
    top = p.category.path[: Category.steplen]
    same_matter = (same_person & Q(category__path__startswith=top)) | Q(pk=p.repeat_of_id or 0)
    found = (
        Petition.objects.open()
        .filter(same_matter)
        .filter(responsible_unit__path__startswith=unit.path)
        .exclude(responsible_unit=unit)
        .exclude(pk=p.pk)
        # An accusation against this very unit is never shown to it (RULES.md §6).
        .exclude(is_accusation=True, accused_unit__path__in=_prefixes(unit.path))
        .select_related("responsible_unit")
        .order_by("received_at", "pk")
        .first()
    )
    if found is None:
        return None
    # The lower body's limit is its handling limit (Art.34) once it has one, else the
    # deadline that binds it now (a decision, a review).
    limit = found.conclude_by if found.state in HANDLING else found.due_on
    return PendingBelow(found, limit, overdue=bool(limit and limit < today))


def _prefixes(path: str) -> list[str]:
    return [path[:i] for i in range(Unit.steplen, len(path) + 1, Unit.steplen)]


def take_up_refusal(
    p: Petition, actor: Staff, today: date, override_reason: str = ""
) -> tuple[str, dict[str, str]] | None:
    """Why the actor may not accept, assign or forward this case now (message, extra), or
    None when nothing in Art.19 stands in the way."""
    pending = pending_below(p, today)
    if pending is None:
        return None
    extra = {"cited": str(pending.case.pk), "reason": "in_progress"}
    if not pending.overdue:
        return (
            f"同一事项{pending.summary}，尚在办理期限内。依照《信访工作条例》第十九条，"
            "上级机关不再受理；请以“同一事项正在办理中”为由不予受理并告知信访人。",
            extra,
        )
    if Role.LEADER not in roles_over(actor, p.responsible_unit):
        return (
            f"同一事项{pending.summary}，已超过办理期限；是否由本机关受理，须由领导决定并写明理由。",
            extra,
        )
    if not (override_reason or "").strip():
        return (
            f"同一事项{pending.summary}，已超过办理期限。决定由本机关受理的，请写明理由。",
            {**extra, "field": "override_reason"},
        )
    return None


def take_up_check(p: Petition, actor: Staff, today: date, override_reason: str) -> dict:
    """For the decision services: refuse as `take_up_refusal` says, else return what the
    event records when a leader takes up a matter a lower body let run late.

    Raises:
        InvalidTransition: the matter is being handled below within its limit, or the actor
            is not a leader.
        ValidationFailed: a leader gave no reason.
    """
    refusal = take_up_refusal(p, actor, today, override_reason)
    if refusal is not None:
        message, extra = refusal
        raise (ValidationFailed if "field" in extra else InvalidTransition)(message, extra)
    pending = pending_below(p, today)
    if pending is None:
        return {}
    return {
        "override_reason": override_reason.strip(),
        "same_matter_case": pending.case.pk,
        "same_matter_tracking_code": pending.case.tracking_code,
    }
