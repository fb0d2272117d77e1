"""Adding and removing co-handling units (协办单位) after registration: each an event in the
case's history, under the rule of petitions/selectors/co_handling.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from xinfang.core.errors import NotPermitted, ValidationFailed
from xinfang.petitions.models import Petition, PetitionUnit
from xinfang.petitions.selectors.co_handling import co_handling_refusal
from xinfang.units.models import Role, Staff, Unit
from xinfang.units.selectors import roles_over
from xinfang.workflow.deadlines import Clock
from xinfang.workflow.services.transition import _record, _require_text

# Who arranges co-handling: the answering unit's registrars and leaders (or those above).
ARRANGING_ROLES = frozenset({Role.REGISTRAR, Role.LEADER})


def may_arrange_co_handling(actor: Staff, petition: Petition) -> bool:
    """True when the actor may add or remove the case's co-handling units."""
    return actor.is_superuser or bool(
        roles_over(actor, petition.responsible_unit) & ARRANGING_ROLES
    )


def _check_actor(actor: Staff, p: Petition) -> None:
    if not may_arrange_co_handling(actor, p):
        raise NotPermitted(f"只有{p.responsible_unit.name}的登记员或领导可以安排协办单位。")


def co_handling_add(
    *, petition: Petition, actor: Staff, unit: Unit, now: datetime | None = None
) -> Petition:
    """Ask a unit to co-handle the case; it then sees the case.

    Raises:
        NotFound: the actor cannot see the case.
        NotPermitted: the actor does not arrange the answering unit's work.
        ValidationFailed: the unit may not co-handle it (the rule above), or already does.
    """

    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        _check_actor(actor, p)
        refusal = co_handling_refusal(
            unit, p.responsible_unit, is_accusation=p.is_accusation, accused_unit=p.accused_unit
        )
        if refusal:
            raise ValidationFailed(refusal, {"field": "unit"})
        _, created = PetitionUnit.objects.get_or_create(
            petition=p, unit=unit, relation=PetitionUnit.Relation.CO_HANDLING
        )
        if not created:
            raise ValidationFailed(f"{unit.name}已是本件的协办单位。", {"field": "unit"})
        return {"unit": unit.pk, "unit_name": unit.name}

    return _record("co_handling_add", petition=petition, actor=actor, now=now, apply=apply)


def co_handling_remove(
    *, petition: Petition, actor: Staff, unit: Unit, reason: str, now: datetime | None = None
) -> Petition:
    """End a unit's co-handling, with the reason; it no longer sees the case through that link.

    Raises:
        NotFound: the actor cannot see the case.
        NotPermitted: the actor does not arrange the answering unit's work.
        ValidationFailed: no reason, or the unit does not co-handle the case.
    """
    reason = _require_text(reason, "撤销协办的理由", "reason")

    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        _check_actor(actor, p)
        deleted, _ = PetitionUnit.objects.filter(
            petition=p, unit=unit, relation=PetitionUnit.Relation.CO_HANDLING
        ).delete()
        if not deleted:
            raise ValidationFailed(f"{unit.name}不是本件的协办单位。", {"field": "unit"})
        return {"unit": unit.pk, "unit_name": unit.name, "reason": reason}

    return _record("co_handling_remove", petition=petition, actor=actor, now=now, apply=apply)
