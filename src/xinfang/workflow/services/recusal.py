"""回避 (R22 Art.28): staff with a direct interest in a case take no part in it.

A staff member must stand aside when they are a party to the case (their identity number or
personal phone, matched by blind index, is a petitioner's or representative's), when they
are the official it complains about, or when they declared a conflict of interest on it.
`recusal_reason` (services/standing_aside.py, below the transition helpers that ask it) is the
one rule: the workflow asks it for every staff member who acts on a
case, is named its handler or owner, or approves for it; pages hide such people from their
pickers with `recused_staff_ids`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinfang.core.crypto import blind_index
from xinfang.core.errors import InvalidTransition, NotPermitted
from xinfang.petitions.identity import validate_id_number, validate_phone
from xinfang.petitions.models import TERMINAL_STATES, Petition
from xinfang.petitions.selectors import petition_is_visible_to
from xinfang.units.models import Staff
from xinfang.units.services import is_admin
from xinfang.workflow.deadlines import Clock
from xinfang.workflow.models import Ownership, Recusal
from xinfang.workflow.services.transition import _record, _require_text


def recusal_declare(
    *,
    petition: Petition,
    actor: Staff,
    reason: str,
    now: datetime | None = None,
) -> Recusal:
    """The actor declares a conflict of interest: they leave the case (as its handler or
    owner) and take no part in it from now on; the declaration is one event.

    Raises:
        ValidationFailed: no reason.
        InvalidTransition: already declared, or the case is finished.
        NotFound.
    """
    reason = _require_text(reason, "回避理由", "reason", minimum=2)
    stamp = now or timezone.now()
    made: dict[str, Any] = {}

    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        refusal = recusal_declare_refusal(actor, p)
        if refusal is not None:
            raise refusal
        made["recusal"] = Recusal.objects.create(
            petition=p, staff=actor, reason=reason, declared_at=stamp
        )
        removed = []
        if p.handler_id == actor.pk:
            p.handler = None
            removed.append("handler")
        owned = Ownership.objects.filter(petition=p, owner=actor, active=True).first()
        if owned is not None:
            owned.active, owned.ended_at, owned.end_reason = False, stamp, "包案领导声明回避"
            owned.save(update_fields=["active", "ended_at", "end_reason"])
            removed.append("owner")
        return {
            "staff": actor.pk,
            "staff_name": actor.display_name,
            "reason": reason,
            "removed": removed,
        }

    _record("recusal", petition=petition, actor=actor, now=now, apply=apply)
    return made["recusal"]


def recusal_declare_refusal(actor: Staff, p: Petition) -> InvalidTransition | None:
    """Why the actor may not declare a conflict of interest in the case, or None: anyone who
    sees an unfinished case may, once (`_record` refuses the rest with NotFound)."""
    if p.state in TERMINAL_STATES:
        return InvalidTransition(f"该信访件{p.get_state_display()}，无需声明回避。")
    if Recusal.objects.filter(petition=p, staff=actor).exists():
        return InvalidTransition("您已就本件声明回避。")
    return None


def may_declare_recusal(actor: Staff, p: Petition) -> bool:
    """True when the case page offers the actor a declaration (`recusal_declare_refusal`)."""
    return recusal_declare_refusal(actor, p) is None and petition_is_visible_to(actor, p.pk)


@transaction.atomic
def staff_identity_set(
    *, actor: Staff, staff: Staff, id_number: str = "", phone: str = ""
) -> Staff:
    """Record (or clear) a staff member's identity number and personal phone, kept encrypted
    and blind-indexed, used only to find the cases they must stand aside from.

    Raises:
        NotPermitted: the actor is neither an admin nor the staff member.
        ValidationFailed: a malformed identity number or phone (from petitions.identity).
    """
    if not (is_admin(actor) or actor.pk == staff.pk):
        raise NotPermitted("只有管理员或本人可以登记回避核对信息。")
    id_number = validate_id_number(id_number.strip()) if (id_number or "").strip() else ""
    phone = validate_phone(phone.strip()) if (phone or "").strip() else ""
    staff.id_number = id_number
    staff.id_number_index = blind_index("id_number", id_number) if id_number else ""
    staff.personal_phone = phone
    staff.personal_phone_index = blind_index("phone", phone) if phone else ""
    staff.save(
        update_fields=["id_number", "id_number_index", "personal_phone", "personal_phone_index"]
    )
    return staff
