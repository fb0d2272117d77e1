"""Permission checks and petition registration shared by the prevention services."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from xinfang.core.errors import NotFound, NotPermitted, ValidationFailed
from xinfang.petitions.models import Category, Difficulty, Petition
from xinfang.petitions.services import PersonInput
from xinfang.prevention.roles import (  # noqa: F401  (re-exported)
    FILING_ROLES,
    ORGANISING_ROLES,
    OVERSEEING_ROLES,
    WORKING_ROLES,
)
from xinfang.units.models import Membership, Staff, Unit
from xinfang.units.roles import REGISTERING_ROLES
from xinfang.units.selectors import roles_over, unit_is_visible_to
from xinfang.workflow.services import petition_register


def require_visible(actor: Staff | None, unit: Unit, what: str = "该单位") -> None:
    """Raises NotFound when the unit lies outside the actor's units (None is the system)."""
    if actor is not None and not unit_is_visible_to(actor, unit):
        raise NotFound(f"未找到{what}。")


def require_roles(actor: Staff | None, unit: Unit, roles: Iterable[str], message: str) -> None:
    """Raises NotFound outside the actor's units, NotPermitted without one of the roles."""
    if actor is None or actor.is_superuser:
        return
    require_visible(actor, unit)
    if not (roles_over(actor, unit) & set(roles)):
        raise NotPermitted(message)


def registering_units(actor: Staff, unit: Unit) -> list[Unit]:
    """The unit and its ancestors where the actor registers petitions, nearest first."""
    paths = [unit.path[:i] for i in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)]
    held = (
        Membership.objects.filter(staff=actor, role__in=REGISTERING_ROLES, unit__path__in=paths)
        .select_related("unit")
        .order_by("-unit__depth")
    )
    seen: dict[int, Unit] = {}
    for membership in held:
        seen.setdefault(membership.unit_id, membership.unit)
    return list(seen.values())


@dataclass
class PetitionDraft:
    """What a prevention page collects to register a petition on the spot."""

    subject: str
    content: str
    category: Category | None
    petitioners: list[PersonInput] = field(default_factory=list)
    headcount: int | None = None
    place: str = ""
    is_anonymous: bool = False
    is_urgent: bool = False
    difficulty: str = Difficulty.MINOR


def register_petition(
    *,
    actor: Staff | None,
    draft: PetitionDraft,
    channel: str,
    receiving_unit: Unit,
    received_at: datetime,
    channel_details: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Petition:
    """Register the draft through the petitions service (which checks the registrar).

    Raises:
        NotPermitted: the actor does not register petitions at the receiving unit.
        ValidationFailed: the draft is incomplete.
    """
    if draft.category is None:
        raise ValidationFailed("请选择问题分类。", {"field": "category"})
    return petition_register(
        actor=actor,
        channel=channel,
        received_at=received_at,
        receiving_unit=receiving_unit,
        subject=draft.subject,
        content=draft.content,
        category=draft.category,
        petitioners=draft.petitioners,
        headcount=draft.headcount,
        place=draft.place,
        is_anonymous=draft.is_anonymous,
        is_urgent=draft.is_urgent,
        difficulty=draft.difficulty,
        channel_details=channel_details,
        idempotency_key=idempotency_key,
        now=now,
    )
