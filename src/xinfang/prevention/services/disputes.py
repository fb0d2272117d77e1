"""Writes of disputes: settled (化解), or turned into a petition in one step."""

from __future__ import annotations

import re
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from xinfang.core.errors import (
    DomainError,
    InvalidTransition,
    NotFound,
    NotPermitted,
    ValidationFailed,
    refuse,
)
from xinfang.petitions.models import Category, Channel, Petition
from xinfang.petitions.services import PersonInput
from xinfang.prevention.models import Dispute
from xinfang.prevention.services.common import (
    WORKING_ROLES,
    PetitionDraft,
    register_petition,
    registering_units,
    roles_refusal,
)
from xinfang.units.models import Staff, Unit
from xinfang.units.selectors import unit_is_visible_to

_NAME_SPLIT = re.compile(r"[、，,；;/\s]+")
_BRACKETS = re.compile(r"[（(][^）)]*[）)]")


def _open_refusal(dispute: Dispute) -> InvalidTransition | None:
    if dispute.withdrawn_in_id is not None:
        return InvalidTransition("该纠纷已在更正报告中撤回。")
    if dispute.status == Dispute.Status.RESOLVED:
        return InvalidTransition("该纠纷已经化解。")
    if dispute.status == Dispute.Status.CONVERTED:
        return InvalidTransition("该纠纷已经转为信访件。")
    return None


def _locked_open(dispute: Dispute) -> Dispute:
    locked = Dispute.objects.select_for_update().select_related("unit", "period").get(pk=dispute.pk)
    refuse(_open_refusal(locked))
    return locked


def dispute_resolve_refusal(actor: Staff | None, dispute: Dispute) -> DomainError | None:
    """Why the actor may not record the dispute as settled, or None: the unit's staff may,
    while it is open."""
    message = "只有本单位的工作人员可以登记化解情况。"
    return roles_refusal(actor, dispute.unit, WORKING_ROLES, message) or _open_refusal(dispute)


@transaction.atomic
def dispute_resolve(
    *, actor: Staff | None, dispute: Dispute, resolution: str, now: datetime | None = None
) -> Dispute:
    """Record that a dispute was settled before it became a petition.

    Raises:
        NotFound: the dispute's unit is outside the actor's units.
        NotPermitted: the actor does not work in the unit (or lead it).
        InvalidTransition: it was already settled, converted or withdrawn.
        ValidationFailed: no account of how it was settled.
    """
    now = now or timezone.now()
    refuse(dispute_resolve_refusal(actor, dispute))
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationFailed("请填写化解情况。", {"field": "resolution"})
    locked = _locked_open(dispute)
    locked.status = Dispute.Status.RESOLVED
    locked.resolution = resolution
    locked.resolved_at = now
    locked.resolved_by = actor
    locked.save(update_fields=["status", "resolution", "resolved_at", "resolved_by"])
    return locked


def parties_as_people(parties: str, limit: int = 5) -> list[PersonInput]:
    """The names in a dispute's parties field, as petitioners (at most `limit`)."""
    text = _BRACKETS.sub(" ", parties or "")
    names = [n.strip() for n in _NAME_SPLIT.split(text) if n and n.strip()]
    seen: list[str] = []
    for name in names:
        if name not in seen:
            seen.append(name[:50])
    return [PersonInput(name=n) for n in seen[:limit]]


def dispute_petition_draft(dispute: Dispute) -> PetitionDraft:
    """What the petition made from the dispute says, before the converter adjusts it."""
    lines = [dispute.description or dispute.subject]
    if dispute.measures:
        lines.append(f"已采取的措施：{dispute.measures}")
    if dispute.responsible:
        lines.append(f"化解责任人：{dispute.responsible}")
    lines.append(
        f"（{dispute.unit.name}矛盾纠纷排查发现，排查周期{dispute.period.label}，"
        f"当事人：{dispute.parties}，风险等级：{dispute.get_risk_level_display()}）"
    )
    people = parties_as_people(dispute.parties)
    return PetitionDraft(
        subject=dispute.subject,
        content="\n".join(lines),
        category=dispute.category,
        petitioners=people,
        headcount=max(dispute.people_count, len(people), 1),
        place=dispute.place,
        is_urgent=dispute.risk_level == Dispute.Risk.HIGH,
    )


def dispute_convert_refusal(actor: Staff, dispute: Dispute) -> DomainError | None:
    """Why the actor may not turn the dispute into a petition, or None: they register
    petitions at its unit or one above it, while it is open."""
    if not unit_is_visible_to(actor, dispute.unit):
        return NotFound("未找到该纠纷。")
    if not registering_units(actor, dispute.unit):
        return NotPermitted(
            "您不是该纠纷所在单位或其上级单位的登记员或领导，不能将纠纷转为信访件。"
        )
    return _open_refusal(dispute)


def dispute_convert(
    *,
    actor: Staff,
    dispute: Dispute,
    receiving_unit: Unit | None = None,
    petitioners: list[PersonInput] | None = None,
    subject: str | None = None,
    content: str | None = None,
    category: Category | None = None,
    headcount: int | None = None,
    channel: str = Channel.OUTREACH,
    now: datetime | None = None,
) -> Petition:
    """Turn a dispute into a petition in one step: its subject, facts, category, place and
    parties carried over, registered at the nearest unit (the dispute's own or one above
    it) where the actor registers, and linked both ways (`dispute.petition`,
    `petition.dispute`).

    Raises:
        NotFound: the dispute's unit is outside the actor's units.
        NotPermitted: the actor registers petitions neither at the dispute's unit nor above it.
        InvalidTransition: the dispute was already settled, converted or withdrawn.
        ValidationFailed: the petition would be incomplete.
    """
    now = now or timezone.now()
    refuse(dispute_convert_refusal(actor, dispute))
    choices = registering_units(actor, dispute.unit)
    if receiving_unit is None:
        receiving_unit = choices[0]
    elif receiving_unit.pk not in {u.pk for u in choices}:
        raise NotPermitted(f"您不能在{receiving_unit.name}登记信访件。")
    if channel not in (Channel.OUTREACH, Channel.VISIT):
        raise ValidationFailed("纠纷转信访件的信访方式应为下访或来访。", {"field": "channel"})
    with transaction.atomic():
        locked = _locked_open(dispute)
        draft = dispute_petition_draft(locked)
        if petitioners is not None:
            draft.petitioners = petitioners
        if subject is not None:
            draft.subject = subject
        if content is not None:
            draft.content = content
        if category is not None:
            draft.category = category
        if headcount is not None:
            draft.headcount = headcount
        elif draft.headcount is not None:
            draft.headcount = max(draft.headcount, len(draft.petitioners), 1)
        petition = register_petition(
            actor=actor,
            draft=draft,
            channel=channel,
            receiving_unit=receiving_unit,
            received_at=now,
            idempotency_key=f"dispute:{locked.pk}",
            now=now,
        )
        locked.status = Dispute.Status.CONVERTED
        locked.petition = petition
        locked.converted_at = now
        locked.converted_by = actor
        locked.save(update_fields=["status", "petition", "converted_at", "converted_by"])
    return petition
