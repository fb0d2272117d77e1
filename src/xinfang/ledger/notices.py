"""The written notices of a case (issue 15; RULES.md §§2–4): which apply, what each states,
rendered as .docx from a Word template an administrator may replace (docxtpl).

One predicate per kind (`notice_applies`): the case page offers a notice exactly when it
holds, and the API refuses the same. Who a notice goes to decides what it may name: a
notice to the petitioner names the petitioner; a notice to a unit (交办单, 督办通知) never
names an accuser (RULES.md §6), whoever the unit is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

from xinfang.petitions.models import (
    DeclineReason,
    EventKind,
    Petition,
    PetitionEvent,
    PetitionParty,
    Reply,
)
from xinfang.units.selectors import unit_parent
from xinfang.workflow.presenters import decline_cited_words
from xinfang.workflow.services.transition import reviewing_body

DEFAULTS = Path(__file__).resolve().parent / "notice_templates"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PETITIONER, UNIT, FILE = "petitioner", "unit", "file"
WINDOW_DAYS = 30  # RULES.md §4: review and re-review are asked for within 30 days
ACCUSER_WITHHELD = "（检举控告件，不提供信访人信息）"


class Delivery:
    """How a notice reached its addressee."""

    CHOICES = [
        ("in_person", "当面送达"),
        ("post", "邮寄送达"),
        ("sms", "短信告知"),
        ("online", "网上告知"),
    ]
    LABELS = dict(CHOICES)


@dataclass(frozen=True)
class NoticeKind:
    key: str
    title: str
    audience: str  # PETITIONER, UNIT or FILE (the case file)
    applies: Callable[[Petition], bool]
    fields: Callable[[Petition], dict[str, Any]]

    @property
    def filename(self) -> str:
        return f"{self.key}.docx"


# --- what the case holds ---------------------------------------------------------------------


def _last(p: Petition, *kinds: str) -> PetitionEvent | None:
    return p.events.filter(kind__in=kinds).order_by("-seq").first()


def _issued_reply(p: Petition, stage: str) -> Reply | None:
    return p.replies.filter(stage=stage, status=Reply.Status.ISSUED).order_by("-issued_on").first()


def _addressable(p: Petition) -> bool:
    """A written notice can go to the petitioner: named, not anonymous (RULES.md §2)."""
    return not p.is_anonymous and _petitioner_party(p) is not None


def _petitioner_party(p: Petition) -> PetitionParty | None:
    return (
        p.parties.filter(role=PetitionParty.Role.PETITIONER)
        .select_related("petitioner")
        .order_by("position")
        .first()
    )


def _d(value: date | str | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value.year}年{value.month}月{value.day}日"


def _common(p: Petition) -> dict[str, Any]:
    return {
        "tracking_code": p.tracking_code_display,
        "subject": p.subject,
        "received_on": _d(p.received_on),
        "channel": p.get_channel_display(),
        "receiving_unit": p.receiving_unit.name,
        "responsible_unit": p.responsible_unit.name if p.responsible_unit_id else "",
        "reviewing_unit": p.reviewing_unit.name if p.reviewing_unit_id else "",
        "re_reviewing_unit": p.re_reviewing_unit.name if p.re_reviewing_unit_id else "",
    }


def _to_petitioner(p: Petition) -> dict[str, Any]:
    party = _petitioner_party(p)
    person = party.petitioner if party else None
    return {
        "petitioner_name": person.name if person else "",
        "address": person.address if person else "",
    }


# --- the kinds ---------------------------------------------------------------------------------


def _accept(p: Petition) -> dict[str, Any]:
    e = _last(p, EventKind.ACCEPT)
    data = e.data if e else {}
    return {
        "unit_name": p.receiving_unit.name,
        "accepted_on": _d(p.accepted_on),
        "conclude_by": _d(data.get("conclude_by") or p.conclude_by),
    }


def _decline(p: Petition) -> dict[str, Any]:
    e = _last(p, EventKind.DECLINE)
    data = e.data if e else {}
    reason = data.get("reason_text") or (
        DeclineReason(p.decline_reason).label if p.decline_reason in DeclineReason.values else ""
    )
    return {
        "unit_name": p.receiving_unit.name,
        "decided_on": _d(p.decided_on),
        "reason": reason,
        "go_instead": data.get("channel", ""),
        "cited": decline_cited_words(data, public=True),
    }


def _passed_on(p: Petition) -> dict[str, Any]:
    e = _last(p, EventKind.FORWARD, EventKind.ASSIGN)
    data = e.data if e else {}
    word = "交办" if e and e.kind == EventKind.ASSIGN else "转送"
    return {
        "unit_name": p.receiving_unit.name,
        "action": word,
        "to_unit": data.get("to_unit_name") or data.get("to_body", ""),
        "decided_on": _d(p.decided_on or (e.at.date() if e else None)),
    }


def _extend(p: Petition) -> dict[str, Any]:
    e = _last(p, EventKind.EXTEND)
    data = e.data if e else {}
    return {
        "unit_name": p.responsible_unit.name if p.responsible_unit_id else "",
        "reason": data.get("reason", ""),
        "days": data.get("days", ""),
        "from_date": _d(data.get("from")),
        "new_date": _d(data.get("conclude_by") or p.conclude_by),
    }


def _answer(stage: str, body: Callable[[Petition], Any]) -> Callable[[Petition], dict[str, Any]]:
    def fields(p: Petition) -> dict[str, Any]:
        r = _issued_reply(p, stage)
        window_body = body(p)
        return {
            "request": r.request if r else "",
            "facts": r.facts if r else "",
            "decision": r.decision if r else "",
            "legal_basis": r.legal_basis if r else "",
            "outcome": r.outcome_label if r else "",
            "issued_on": _d(r.issued_on if r else None),
            "window_days": WINDOW_DAYS,
            "window_body": window_body.name if window_body else "",
        }

    return fields


def _supervise(p: Petition) -> dict[str, Any]:
    e = _last(p, EventKind.SUPERVISE)
    data = e.data if e else {}
    return {
        "level": data.get("level_label", "督办"),
        "to_unit": data.get("unit_name", ""),
        "requirements": data.get("requirements", ""),
        "due_on": _d(data.get("due_on")),
        "issued_by": e.actor_name if e else "",
        "issued_on": _d(e.at.date() if e else None),
    }


def _register_form(p: Petition) -> dict[str, Any]:
    names = (
        "匿名"
        if p.is_anonymous
        else "、".join(
            party.petitioner.name
            for party in p.parties.select_related("petitioner").order_by("position")
        )
    )
    return {
        "petitioner_names": names,
        "headcount": p.headcount,
        "content": p.content,
        "category": p.category.name if p.category_id else "",
        "state": p.get_state_display(),
        "accused": p.accused_unit.name if p.accused_unit_id else p.accused_person,
    }


def _assign_slip(p: Petition) -> dict[str, Any]:
    e = _last(p, EventKind.ASSIGN)
    data = e.data if e else {}
    return {
        "from_unit": p.assigning_unit.name if p.assigning_unit_id else p.receiving_unit.name,
        "to_unit": data.get("to_unit_name", ""),
        "conclude_by": _d(data.get("conclude_by") or p.conclude_by),
        "instructions": data.get("instructions", ""),
        # A unit-bound slip never names an accuser (RULES.md §6).
        "petitioner_names": ACCUSER_WITHHELD
        if p.is_accusation or p.is_anonymous
        else "、".join(
            party.petitioner.name
            for party in p.parties.select_related("petitioner").order_by("position")
        ),
        "content": p.content,
    }


KINDS: list[NoticeKind] = [
    NoticeKind(
        "accept", "受理告知书", PETITIONER,
        lambda p: _addressable(p) and _last(p, EventKind.ACCEPT) is not None, _accept,
    ),
    NoticeKind(
        "decline", "不予受理告知书", PETITIONER,
        lambda p: _addressable(p) and _last(p, EventKind.DECLINE) is not None, _decline,
    ),
    NoticeKind(
        "forward", "转送/交办告知书", PETITIONER,
        lambda p: _addressable(p) and _last(p, EventKind.FORWARD, EventKind.ASSIGN) is not None,
        _passed_on,
    ),
    NoticeKind(
        "extend", "延期告知书", PETITIONER,
        lambda p: _addressable(p) and _last(p, EventKind.EXTEND) is not None, _extend,
    ),
    NoticeKind(
        "reply", "答复意见书", PETITIONER,
        lambda p: _addressable(p) and _issued_reply(p, Reply.Stage.HANDLING) is not None,
        _answer(Reply.Stage.HANDLING, reviewing_body),
    ),
    NoticeKind(
        "review", "复查意见书", PETITIONER,
        lambda p: _addressable(p) and _issued_reply(p, Reply.Stage.REVIEW) is not None,
        _answer(Reply.Stage.REVIEW, lambda p: unit_parent(p.reviewing_unit)),
    ),
    NoticeKind(
        "re_review", "复核意见书", PETITIONER,
        lambda p: _addressable(p) and _issued_reply(p, Reply.Stage.RE_REVIEW) is not None,
        _answer(Reply.Stage.RE_REVIEW, lambda p: None),
    ),
    NoticeKind(
        "supervision", "督办通知", UNIT,
        lambda p: _last(p, EventKind.SUPERVISE) is not None, _supervise,
    ),
    NoticeKind(
        "assign_slip", "交办单", UNIT,
        lambda p: _last(p, EventKind.ASSIGN) is not None, _assign_slip,
    ),
    NoticeKind("register_form", "信访事项登记表", FILE, lambda p: True, _register_form),
]  # fmt: skip
BY_KEY = {k.key: k for k in KINDS}


def notice_applies(petition: Petition, key: str) -> bool:
    """Whether the case holds what this notice states (one predicate per kind)."""
    kind = BY_KEY.get(key)
    return kind is not None and kind.applies(petition)


def notices_applying(petition: Petition) -> list[NoticeKind]:
    return [k for k in KINDS if k.applies(petition)]


ANSWER_STAGES = {
    "reply": Reply.Stage.HANDLING,
    "review": Reply.Stage.REVIEW,
    "re_review": Reply.Stage.RE_REVIEW,
}


def notice_delivered_on(petition: Petition, key: str) -> date | None:
    """The delivery date the case already holds for this notice: an answer's delivery date,
    given when it was concluded (the date its review window already runs from)."""
    stage = ANSWER_STAGES.get(key)
    reply = _issued_reply(petition, stage) if stage else None
    return reply.delivered_on if reply else None


def notice_fields(petition: Petition, key: str) -> dict[str, Any]:
    """Everything the notice's template may print."""
    kind = BY_KEY[key]
    fields = {"title": kind.title, **_common(petition), **kind.fields(petition)}
    if kind.audience == PETITIONER:
        fields |= _to_petitioner(petition)
    return fields


def notice_render(template: Path | BytesIO, fields: dict[str, Any]) -> bytes:
    """The filled document."""
    # docxtpl (python-docx, jinja2: about 25 MiB) only in the process that writes one.
    from docxtpl import DocxTemplate

    doc = DocxTemplate(template)
    doc.render(fields, autoescape=True)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()
