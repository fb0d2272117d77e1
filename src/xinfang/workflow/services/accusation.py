"""Marking a registered case as an accusation (检举控告), or unmarking it: an audited action of
the answering body that moves the case away from the unit it accuses (R22 Arts.28, 30;
RULES.md §6).

The answering body is the case's responsible unit when that lies outside the accused unit's
subtree, else the body just above the accused unit (as at registration). Its registrars and
leaders may mark or unmark, provided they hold no post in the accused subtree themselves.
`accusation_check` is the one rule; the case page, the API and the services all ask it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone

from xinfang.core.errors import (
    DomainError,
    InvalidTransition,
    NotFound,
    NotPermitted,
    ValidationFailed,
)
from xinfang.petitions.models import Petition, PetitionUnit, State
from xinfang.petitions.selectors import petition_is_visible_to
from xinfang.units.models import Membership, Role, Staff, Unit
from xinfang.units.selectors import roles_over, unit_parent
from xinfang.workflow.deadlines import Clock
from xinfang.workflow.models import Ownership
from xinfang.workflow.services.standing_aside import recusal_reason
from xinfang.workflow.services.transition import (
    _link,
    _record,
    _require_text,
    decision_reopen,
)

MARKING_ROLES = frozenset({Role.REGISTRAR, Role.LEADER})
# Before a decision the case only changes hands; while a unit in the accused subtree handles
# it, that handling is withdrawn and the answering body decides afresh.
DECIDING = frozenset({State.REGISTERED, State.RETURNED})
HANDLING = frozenset(
    {State.ACCEPTED, State.ASSIGNED, State.FORWARDED, State.ACKNOWLEDGED, State.IN_PROGRESS}
)
REVIEWING = frozenset({State.REVIEW_REQUESTED, State.RE_REVIEW_REQUESTED})
# Links that give a unit a part in the case; the receiving unit's link stays (its registrar
# keeps a receipt, see petitions.selectors.visibility).
WITHDRAWN_RELATIONS = (
    PetitionUnit.Relation.RESPONSIBLE,
    PetitionUnit.Relation.ASSIGNING,
    PetitionUnit.Relation.CO_HANDLING,
)
MAX_NAME = 100


def _within(unit: Unit | None, accused: Unit) -> bool:
    return unit is not None and unit.path.startswith(accused.path)


def member_of_subtree(staff: Staff, accused: Unit) -> bool:
    """True when the staff member holds any post in the accused unit or a unit under it."""
    return Membership.objects.filter(staff=staff, unit__path__startswith=accused.path).exists()


def accusation_answering_unit(petition: Petition, accused: Unit) -> Unit | None:
    """The unit that answers the case once it accuses `accused`: its responsible unit when
    that lies outside the accused subtree, else the body just above the accused unit; None
    when the accused unit has nothing above it."""
    if not _within(petition.responsible_unit, accused):
        return petition.responsible_unit
    return unit_parent(accused)


def accusation_check(
    actor: Staff,
    petition: Petition,
    *,
    marking: bool,
    accused: Unit | None = None,
    action: str = "",
) -> Unit:
    """The unit that will answer the case if the actor marks it as accusing `accused` (or,
    with marking=False, acts on the accusation as its answering body: unmarks it, writes to
    the accused unit); the rule itself. `action` names the act in the refusals.

    Raises:
        NotFound: the actor cannot see the case.
        InvalidTransition: the case is (not) an accusation already, or its stage no longer
            lets it leave the accused unit.
        NotPermitted: the actor is in the accused subtree, not a registrar or leader of the
            answering body, or must stand aside.
    """
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise NotPermitted("请先登录。")
    if not petition_is_visible_to(actor, petition.pk):
        raise NotFound("未找到该信访件。")
    if marking and petition.is_accusation:
        raise InvalidTransition("本件已标记为检举控告。")
    action = action or ("将本件标记为检举控告" if marking else "取消本件的检举控告标记")
    if not marking and not petition.is_accusation:
        raise InvalidTransition(f"本件不是检举控告，不能{action}。")
    accused = accused if marking else petition.accused_unit
    if accused is None:
        raise ValidationFailed(
            "请选择被反映的单位（被反映人所在的单位）。", {"field": "accused_unit"}
        )
    answering = accusation_answering_unit(petition, accused)
    if answering is None:
        raise InvalidTransition(
            f"{accused.name}是系统内最高一级单位，没有上级机关可以办理；"
            "请转送有管辖权的纪检监察机关。"
        )
    if member_of_subtree(actor, accused):
        raise NotPermitted(
            f"您在{accused.name}或其下级单位任职，属于被反映一方，不能{action}；"
            "请报告上级机关办理。"
        )
    inside = _within(petition.responsible_unit, accused)
    if marking and inside and petition.state not in DECIDING | HANDLING:
        raise InvalidTransition(
            f"本件已由{petition.responsible_unit.name}作出处理（{petition.get_state_display()}），"
            "不能再改由上级机关办理；请通过复查、复核程序处理。"
        )
    if marking and petition.state in REVIEWING:
        body = petition.re_reviewing_unit or petition.reviewing_unit
        if _within(body, accused):
            raise InvalidTransition(
                f"复查（复核）机关{body.name}属于被反映单位，不能标记；请报告上级机关处理。"
            )
    if marking and petition.forwarded_to_body and inside:
        raise InvalidTransition("本件已转送系统外机关办理，不能再改由上级机关办理。")
    if not actor.is_superuser and not roles_over(actor, answering) & MARKING_ROLES:
        raise NotPermitted(f"只有{answering.name}的登记员或领导可以{action}。")
    reason = recusal_reason(actor, petition)
    if reason is not None:
        raise NotPermitted(f"您{reason}，不能参与办理本件。", {"recusal": reason})
    return answering


def accusation_refusal(
    actor: Staff,
    petition: Petition,
    *,
    marking: bool,
    accused: Unit | None = None,
    action: str = "",
) -> str:
    """Why the actor may not mark (or unmark, or act as the answering body on) the case, in
    Chinese; "" when they may."""
    try:
        accusation_check(actor, petition, marking=marking, accused=accused, action=action)
    except DomainError as exc:
        return exc.message
    return ""


def may_mark_accusation(actor: Staff, petition: Petition) -> bool:
    """True when the case page offers the actor the marking form: the case is not an
    accusation yet and the actor is a registrar or leader of its responsible unit or a unit
    above it (which accused unit they then name decides who answers it)."""
    if petition.is_accusation or not getattr(actor, "is_authenticated", False):
        return False
    unit = petition.responsible_unit
    paths = [unit.path[:i] for i in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)]
    roles = Membership.objects.filter(staff=actor, unit__path__in=paths, role__in=MARKING_ROLES)
    return (actor.is_superuser or roles.exists()) and petition_is_visible_to(actor, petition.pk)


def may_unmark_accusation(actor: Staff, petition: Petition) -> bool:
    """True when the actor may take the accusation mark off the case."""
    return petition.is_accusation and not accusation_refusal(actor, petition, marking=False)


def _withdraw(
    p: Petition, accused: Unit, today: date, clock: Clock, stamp: datetime
) -> dict[str, Any]:
    """Take the case out of the accused subtree's hands, in the locked case."""
    data: dict[str, Any] = {}
    answering = accusation_answering_unit(p, accused)
    if _within(p.responsible_unit, accused):
        data |= {"from_unit": p.responsible_unit_id, "from_unit_name": p.responsible_unit.name}
        if p.state in HANDLING:
            # Like a return (decisions.petition_return): the answering body decides afresh.
            p.state = State.RETURNED
            decision_reopen(p, today, clock)
            data["decide_by"] = p.decide_by.isoformat()
        p.responsible_unit = answering
        _link(p, answering, PetitionUnit.Relation.RESPONSIBLE)
        data |= {"to_unit": answering.pk, "to_unit_name": answering.name}
    if p.assigning_unit_id and _within(p.assigning_unit, accused):
        p.assigning_unit = unit_parent(accused)
    moved = "from_unit" in data
    if p.handler_id and (moved or member_of_subtree(p.handler, accused)):
        # A handler named below has no part in the re-decision, nor one in the accused unit.
        data["handler_removed"] = p.handler.display_name
        p.handler = None
    owners = Ownership.objects.filter(
        petition=p,
        active=True,
        owner__in=Membership.objects.filter(unit__path__startswith=accused.path).values("staff_id"),
    )
    ended = list(owners.values_list("owner__full_name", flat=True))
    owners.update(active=False, ended_at=stamp, end_reason="包案人属于被反映单位（检举控告）")
    links = PetitionUnit.objects.filter(
        petition=p, relation__in=WITHDRAWN_RELATIONS, unit__path__startswith=accused.path
    )
    withdrawn = sorted(set(links.values_list("unit__name", flat=True)))
    links.delete()
    if withdrawn:
        data["withdrawn_units"] = withdrawn
    if ended:
        data["owners_removed"] = ended
    return data


def petition_accusation_mark(
    *,
    petition: Petition,
    actor: Staff,
    accused_unit: Unit,
    reason: str,
    accused_person: str = "",
    accused_post: str = "",
    now: datetime | None = None,
    version: int | None = None,
) -> Petition:
    """Mark a registered case as an accusation against a unit (and optionally one of its
    officials): the answering body takes it over, handling and co-handling inside the accused
    subtree are withdrawn, and the marking is one event in the case's history.

    Raises:
        ValidationFailed: no reason, no accused unit, or a name that is too long.
        NotPermitted, InvalidTransition, NotFound (see accusation_check); VersionConflict.
    """
    reason = _require_text(reason, "标记为检举控告的理由", "reason", minimum=4)
    accused_person = (accused_person or "").strip()
    accused_post = (accused_post or "").strip()
    if len(accused_person) > MAX_NAME or len(accused_post) > MAX_NAME:
        raise ValidationFailed("被反映人姓名或职务过长。", {"field": "accused_person"})
    if accused_unit is None or not accused_unit.is_active:
        raise ValidationFailed(
            "请选择被反映的单位（被反映人所在的单位）。", {"field": "accused_unit"}
        )

    stamp = now or timezone.now()

    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        accusation_check(actor, p, marking=True, accused=accused_unit)
        p.is_accusation = True
        p.accused_unit = accused_unit
        p.accused_person, p.accused_post = accused_person, accused_post
        return {
            "reason": reason,
            "accused_unit": accused_unit.pk,
            "accused_unit_name": accused_unit.name,
            "accused_person": accused_person,
            "accused_post": accused_post,
            **_withdraw(p, accused_unit, today, clock, stamp),
        }

    return _record(
        "accusation_mark", petition=petition, actor=actor, now=stamp, version=version, apply=apply
    )


def petition_accusation_unmark(
    *,
    petition: Petition,
    actor: Staff,
    reason: str,
    now: datetime | None = None,
    version: int | None = None,
) -> Petition:
    """Take the accusation mark off a case (it is an ordinary complaint after all): the unit
    it names stays recorded as the unit complained about, the case stays where it is, and the
    unmarking is one event in the case's history.

    Raises:
        ValidationFailed: no reason.
        NotPermitted, InvalidTransition, NotFound (see accusation_check); VersionConflict.
    """
    reason = _require_text(reason, "取消检举控告标记的理由", "reason", minimum=4)

    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        accusation_check(actor, p, marking=False)
        p.is_accusation = False
        return {
            "reason": reason,
            "accused_unit": p.accused_unit_id,
            "accused_unit_name": p.accused_unit.name if p.accused_unit_id else "",
        }

    return _record(
        "accusation_unmark", petition=petition, actor=actor, now=now, version=version, apply=apply
    )


def accusation_event_text(kind: str, d: dict[str, Any]) -> tuple[str, str]:
    """The timeline's headline and detail for a marking or an unmarking."""
    if kind == "accusation_unmark":
        return "取消检举控告标记", f"理由：{d.get('reason', '')}"
    who = "，".join(x for x in (d.get("accused_post"), d.get("accused_person")) if x)
    head = f"标记为检举控告（被反映单位：{d.get('accused_unit_name', '')}" + (
        f"，{who}）" if who else "）"
    )
    detail = f"理由：{d.get('reason', '')}"
    if d.get("to_unit_name"):
        detail += f"；改由{d['to_unit_name']}办理"
    if d.get("withdrawn_units"):
        detail += f"；撤回{'、'.join(d['withdrawn_units'])}的办理和协办"
    return head, detail


ACCUSATION_EVENTS = {
    "accusation_mark": lambda d: accusation_event_text("accusation_mark", d),
    "accusation_unmark": lambda d: accusation_event_text("accusation_unmark", d),
}
