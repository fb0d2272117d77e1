"""Text messages to the petitioner at the steps the regulations say they must be told of
(R22 Arts.22-23, 32, 34-36): acceptance, forwarding or assignment, a decline, an extension,
the reply and the review window it opens. Sent only when they agreed at registration.

The messages are written in the transition's transaction (notifications.sms.text_queue) and
sent by the worker after the commit.

An accusation's reporter (RULES.md §6) is texted so that a shared phone gives nothing away:
the text names only the tracking code, never the subject, the accused, a unit or the word
检举; and no step taken by a member of the accused unit (who should never act on it) texts
at all, so the accused cannot cause a message to the reporter.
"""

from __future__ import annotations

from datetime import date, datetime

from xinfang.notifications.sms import text_queue
from xinfang.petitions.models import Petition, PetitionParty
from xinfang.units.models import Membership, Staff, Unit

# The transitions a petitioner is told of by text, each the existing workflow event.
TEXTED = frozenset(
    {
        "accept",
        "forward",
        "assign",
        "decline",
        "extend",
        "conclude",
        "conclude_review",
        "conclude_re_review",
    }
)
SUBJECT_CHARS = 16


def _day(d: date | None) -> str:
    return f"{d.month}月{d.day}日" if d else ""


def _lead(p: Petition) -> str:
    code = p.tracking_code_display
    if p.is_accusation:
        return f"您反映的事项（查询码{code}）"
    subject = p.subject if len(p.subject) <= SUBJECT_CHARS else p.subject[:SUBJECT_CHARS] + "…"
    return f"您反映的“{subject}”（查询码{code}）"


def _where(p: Petition) -> str:
    """Who has the case now, unnamed for an accusation."""
    if p.is_accusation:
        return "有权处理的机关"
    return p.forwarded_to_body or p.responsible_unit.name


def petitioner_text_body(name: str, p: Petition) -> str:
    """The text for a transition of the case ("" when the step is not texted)."""
    lead = _lead(p)
    if name == "accept":
        return f"{lead}已受理，将于{_day(p.conclude_by)}前书面答复。"
    if name in ("forward", "assign"):
        verb = "转送" if name == "forward" else "交由"
        return f"{lead}已{verb}{_where(p)}办理，办理单位将告知您进展。"
    if name == "decline":
        return f"{lead}不予受理，理由和可选途径见书面告知书。"
    if name == "extend":
        return f"{lead}办理期限依法延长{p.extension_days}日，至{_day(p.conclude_by)}。"
    if name == "conclude":
        return (
            f"{lead}已办结并出具答复意见。如不服，可于{_day(p.review_request_by)}前"
            "向上一级机关申请复查。"
        )
    if name == "conclude_review":
        return (
            f"{lead}复查意见已出具。如不服，可于{_day(p.re_review_request_by)}前"
            "向上一级机关申请复核。"
        )
    if name == "conclude_re_review":
        return f"{lead}复核意见已出具，详见书面复核意见。"
    return ""


def _in_accused_unit(actor: Staff | None, p: Petition) -> bool:
    if actor is None or not p.accused_unit_id:
        return False
    accused = Unit.objects.filter(pk=p.accused_unit_id).values_list("path", flat=True).first()
    return (
        bool(accused)
        and Membership.objects.filter(staff=actor, unit__path__startswith=accused).exists()
    )


def petitioner_numbers(p: Petition) -> list[str]:
    """The phones of the case's petitioners and representatives, first petitioner first."""
    parties = PetitionParty.objects.filter(petition=p).select_related("petitioner")
    return [party.petitioner.phone for party in parties if party.petitioner.phone]


def petitioner_text(
    name: str, p: Petition, actor: Staff | None, seq: int, now: datetime | None = None
) -> int:
    """Queue the text a transition owes the petitioner, when they agreed to texts; return
    how many messages were written (0: not texted, no consent, no mobile, or withheld)."""
    if name not in TEXTED or not p.sms_consent or p.is_anonymous:
        return 0
    if p.is_accusation and _in_accused_unit(actor, p):
        return 0
    body = petitioner_text_body(name, p)
    if not body:
        return 0
    rows = text_queue(
        petition=p,
        numbers=petitioner_numbers(p),
        body=body,
        event_kind=name,
        event_seq=seq,
        now=now,
    )
    return len(rows)
