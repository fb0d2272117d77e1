"""Marking a collective case as a collective visit to Beijing or the provincial capital
(进京/赴省集体访), or taking the mark off: an audited action of the registrars, leaders and
supervisors over the case, one event in its history. The assessment's veto item
(analytics.indicators `capital_collective_batches`) counts the marked cases.

`capital_visit_refusal` is the one rule; the case page, the API and the service ask it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from xinfang.core.errors import DomainError, NotPermitted, ValidationFailed
from xinfang.petitions.models import CapitalVisit, Petition
from xinfang.units.models import Role, Staff
from xinfang.units.selectors import roles_over
from xinfang.workflow.deadlines import Clock
from xinfang.workflow.services.transition import _record, _require_text

MARKING_ROLES = frozenset({Role.REGISTRAR, Role.LEADER, Role.SUPERVISOR})
MARK, UNMARK = "capital_visit_mark", "capital_visit_unmark"


def may_mark_capital_visit(user: Staff, p: Petition) -> bool:
    """The user holds a marking role over the case's responsible or receiving unit."""
    if user.is_superuser:
        return True
    return bool(
        (roles_over(user, p.responsible_unit) | roles_over(user, p.receiving_unit)) & MARKING_ROLES
    )


def capital_visit_refusal(user: Staff, p: Petition, kind: str) -> DomainError | None:
    """Why the user may not set the case's mark to `kind` ("" takes it off), or None."""
    if not may_mark_capital_visit(user, p):
        return NotPermitted("只有登记人员、领导或督查人员可以标记进京/赴省集体访。")
    if kind and kind not in CapitalVisit.values:
        return ValidationFailed("标记应为进京集体访或赴省集体访。", {"field": "kind"})
    if kind and not p.is_collective:
        return ValidationFailed("只有集体访才能标记为进京或赴省集体访。", {"field": "kind"})
    if kind == p.capital_visit:
        message = "本件已是该标记。" if kind else "本件没有进京/赴省集体访标记。"
        return ValidationFailed(message, {"field": "kind"})
    return None


def petition_capital_visit_mark(
    *,
    petition: Petition,
    actor: Staff,
    kind: str,
    note: str,
    now: datetime | None = None,
    version: int | None = None,
) -> Petition:
    """Set the case's 进京/赴省集体访 mark (`kind` "beijing" or "province"), or take it off
    (`kind` ""), with a note; one event in the case's history.

    Raises:
        ValidationFailed: no note, an unknown kind, a case that is not collective, no change.
        NotPermitted: not a registrar, leader or supervisor over the case; VersionConflict.
    """
    note = _require_text(note, "标记说明", "note", minimum=2)
    kind = kind or ""

    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        refusal = capital_visit_refusal(actor, p, kind)
        if refusal is not None:
            raise refusal
        previous = p.capital_visit
        p.capital_visit = kind
        return {
            "_kind": MARK if kind else UNMARK,
            "capital_visit": kind,
            "label": CapitalVisit(kind).label if kind else "",
            "previous": previous,
            "note": note,
        }

    return _record(MARK, petition=petition, actor=actor, now=now, version=version, apply=apply)


def capital_visit_event_text(d: dict[str, Any]) -> tuple[str, str]:
    """The timeline's headline and detail of a marking or an unmarking."""
    head = f"标记为{d['label']}" if d.get("label") else "取消进京/赴省集体访标记"
    return head, f"说明：{d.get('note', '')}"


CAPITAL_VISIT_EVENTS = {MARK: capital_visit_event_text, UNMARK: capital_visit_event_text}
