"""Who is told when a case moves: the unit it lands on learns at once, not at the first
deadline reminder. The notices are written with the change; their e-mails go out after the
commit, through the outbox (core/outbox.py)."""

from __future__ import annotations

from xinfang.notifications.models import Kind
from xinfang.notifications.services import notify
from xinfang.petitions.models import Petition
from xinfang.units.models import Role, Staff, Unit
from xinfang.units.selectors import unit_parent
from xinfang.workflow.deadlines import limit_words, limits_text
from xinfang.workflow.services.recipients import members_of, supervisors_above

RECEIVERS = (Role.REGISTRAR, Role.HANDLER, Role.LEADER)
DECIDERS = (Role.REGISTRAR, Role.LEADER)


def _staff(ids: set[int], actor: Staff | None) -> list[Staff]:
    skip = actor.pk if actor is not None else None
    return list(Staff.objects.filter(pk__in=ids - {skip}, is_active=True))


def _unit_members(unit: Unit | None, roles) -> set[int]:
    return members_of([unit.pk], roles).get(unit.pk, set()) if unit else set()


def _notify_after_commit(recipients: list[Staff], p: Petition, **message) -> None:
    """Notify in the case's transaction: the inbox rows and the outbox rows of the e-mails
    commit with the change, so a rollback tells no one and a commit cannot lose them."""
    if recipients:
        notify(recipients=recipients, url=f"/petitions/{p.pk}/", petition=p, **message)


def transition_notify(name: str, p: Petition, actor: Staff | None, seq: int) -> None:
    """After the commit, tell the people the transition hands the case to."""
    if name == "assign":
        ids = {p.handler_id} if p.handler_id else _unit_members(p.responsible_unit, RECEIVERS)
        kind, title = Kind.ASSIGNMENT, f"新交办件：{p.subject}"
        body = f"{p.assigning_unit.name if p.assigning_unit else ''}交办，请在期限内签收并办理。"
    elif name == "forward" and not p.forwarded_to_body:
        ids = _unit_members(p.responsible_unit, RECEIVERS)
        kind, title = Kind.ASSIGNMENT, f"转送来的信访件：{p.subject}"
        body = limits_text(
            "请在{acknowledge_by}内签收并告知信访人；不属于本单位职责的，{return_by}内退回。"
        )
    elif name == "return":
        ids = _unit_members(p.responsible_unit, DECIDERS)
        kind, title = Kind.ASSIGNMENT, f"信访件被退回：{p.subject}"
        body = "下级单位认为不属于其职责，已退回，请重新作出处理决定。"
    elif name in ("request_review", "request_re_review"):
        body_unit = p.reviewing_unit if name == "request_review" else p.re_reviewing_unit
        ids = _unit_members(body_unit, (Role.REGISTRAR, Role.LEADER))
        label = "复查" if name == "request_review" else "复核"
        kind, title = Kind.GENERAL, f"信访人申请{label}：{p.subject}"
        key = "review_conclude_by" if name == "request_review" else "re_review_conclude_by"
        body = f"请在{limit_words(key)}内出具{label}意见。"
    else:
        return
    _notify_after_commit(
        _staff({i for i in ids if i}, actor),
        p,
        kind=kind,
        title=title,
        body=body,
        dedupe_key=f"transition:{p.pk}:{seq}",
    )


def draft_ready_notify(p: Petition, actor: Staff) -> None:
    """A handler saved a draft reply: the unit's leaders have something to approve."""
    _notify_after_commit(
        _staff(_unit_members(p.responsible_unit, (Role.LEADER,)), actor),
        p,
        kind=Kind.APPROVAL,
        title=f"待审批答复：{p.subject}",
        body=f"{actor.display_name}已起草答复意见，请审核签发。",
        dedupe_key=f"draft:{p.pk}:{p.version}",
    )


def urgent_notify(p: Petition, actor: Staff | None) -> None:
    """A major or urgent matter goes up the line at once (R22 Art.25, RULES.md §6)."""
    unit = p.responsible_unit
    ids = _unit_members(unit, (Role.LEADER,))
    ids |= supervisors_above([unit.pk]).get(unit.pk, set())
    ids |= _unit_members(unit_parent(unit), (Role.LEADER, Role.SUPERVISOR))
    _notify_after_commit(
        _staff(ids, actor),
        p,
        kind=Kind.INCIDENT,
        title=f"重大紧急信访事项：{p.subject}",
        body=f"{unit.name}登记了一件重大紧急信访事项，请立即研究处置。",
        dedupe_key=f"urgent:{p.pk}",
    )
