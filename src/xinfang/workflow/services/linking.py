"""Linking a case to another case on the same matter (同一事项) after registration.

A registrar links the new case at registration (`petition_register(same_matter_as=…)`, from
the similar-cases panel); afterwards the staff of the case's units link it here, each link
an event in the case's history. Links point at the first case of the group
(`same_matter_root`), so a group is one case and the cases linked to it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from xinfang.core.errors import DomainError, NotFound, NotPermitted, ValidationFailed, refuse
from xinfang.petitions.models import EventKind, Petition
from xinfang.petitions.selectors import petitions_visible_to
from xinfang.petitions.selectors.similar import matter_case_ids, same_matter_root
from xinfang.units.models import Role, Staff
from xinfang.units.selectors import roles_over
from xinfang.workflow.deadlines import Clock
from xinfang.workflow.services.transition import _record

# Who links: the staff who register, handle or lead for the receiving or answering unit.
LINKING_ROLES = frozenset({Role.REGISTRAR, Role.HANDLER, Role.LEADER})


_NO_OTHER = object()


def same_matter_link_refusal(
    actor: Staff, petition: Petition, other: Petition | object | None = _NO_OTHER
) -> DomainError | None:
    """Why the actor may not link `petition` to `other` as the same matter, or None; without
    `other`, whether the actor may link the case at all. The one rule the case page (is the
    form shown), the API and the service ask."""
    visible = petitions_visible_to(actor)
    if not visible.filter(pk=petition.pk).exists():
        return NotFound("未找到该信访件。")
    if not actor.is_superuser and not (
        (roles_over(actor, petition.responsible_unit) | roles_over(actor, petition.receiving_unit))
        & LINKING_ROLES
    ):
        return NotPermitted("只有本件登记单位或责任单位的登记员、承办人或领导可以关联同一事项。")
    if other is _NO_OTHER:
        return None
    if not isinstance(other, Petition) or not visible.filter(pk=other.pk).exists():
        return ValidationFailed("要关联的信访件不存在。", {"field": "other"})
    if other.pk == petition.pk:
        return ValidationFailed("不能把信访件关联到它自己。", {"field": "other"})
    if other.pk in matter_case_ids(petition):
        return ValidationFailed(
            f"{other.tracking_code_display}已与本件关联为同一事项（或是其重复访）。",
            {"field": "other"},
        )
    return None


def petition_same_matter_link(
    *, actor: Staff, petition: Petition, other: Petition, now: datetime | None = None
) -> Petition:
    """Link the case to another case on the same matter (to the first case of its group).

    Raises:
        NotFound: the actor cannot see the case.
        NotPermitted: the actor has no part in the case's receiving or answering unit.
        ValidationFailed: the other case is unknown to the actor, the case itself, or already
            of the same matter.
    """

    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        refuse(same_matter_link_refusal(actor, p, other))
        root = same_matter_root(other)
        if root.pk == p.pk:
            # The other case's group starts here: link it the other way round instead.
            raise ValidationFailed(
                f"{other.tracking_code_display}已与本件关联为同一事项。", {"field": "other"}
            )
        before = p.same_matter_as_id
        p.same_matter_as = root
        return {
            "same_matter_as": root.pk,
            "tracking_code": root.tracking_code,
            "chosen_case": other.pk,
            "replaced_case": before,
        }

    return _record(EventKind.SAME_MATTER_LINK, petition=petition, actor=actor, now=now, apply=apply)
