"""Verification requests (核查函) about an accusation: the answering body writes to the accused
unit in its own words, the accused unit answers; the case itself never reaches that unit
(R22 Art.30; RULES.md §6)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from xinfang.core.errors import InvalidTransition, NotPermitted, ValidationFailed
from xinfang.notifications.models import Kind
from xinfang.notifications.services import notify
from xinfang.petitions.models import Petition, PetitionParty
from xinfang.units.models import Role, Staff
from xinfang.units.selectors import roles_of
from xinfang.workflow.deadlines import Clock
from xinfang.workflow.models import VerificationRequest
from xinfang.workflow.services.accusation import accusation_check
from xinfang.workflow.services.transition import _record

MIN_TEXT, MAX_TEXT = 10, 2000
MIN_ANSWER, MAX_ANSWER = 4, 5000
# Shown above the form and repeated in the API's description of the field.
REDACTION_NOTE = (
    "核查函将送交被反映单位，只写需要其核实的事项。请勿写入信访人（举报人）的姓名、"
    "联系电话、身份证号码、住址等任何可能暴露其身份的信息，也不要转述或附上信访件原文"
    "（《信访工作条例》第三十条）。"
)
ANSWERING_ROLES = frozenset({Role.REGISTRAR, Role.HANDLER, Role.LEADER})
SEND = "向被反映单位发核查函"


def _identity_in(text: str, petition: Petition) -> str:
    """What of the petitioners' identity the text contains ("" when nothing): names, phones,
    identity numbers and addresses of the case's parties, compared without spaces."""
    flat = "".join(text.split())
    parties = PetitionParty.objects.filter(petition=petition).select_related("petitioner")
    for party in parties:
        person = party.petitioner
        for label, value, shortest in (
            ("姓名", person.name, 2),
            ("联系电话", person.phone, 7),
            ("身份证号码", person.id_number, 8),
            ("住址", person.address, 6),
        ):
            value = "".join((value or "").split())
            if len(value) >= shortest and value in flat:
                return label
    return ""


def verification_request_create(
    *,
    actor: Staff,
    petition: Petition,
    text: str,
    due_on: date | None = None,
    now: datetime | None = None,
) -> VerificationRequest:
    """Send the accused unit a verification request about an accusation: a text of the
    answering body's own, checked for the petitioners' identity; one event in the case.

    Raises:
        ValidationFailed: the text is too short or long, names a petitioner, or the reply
            date is not after today.
        NotPermitted, InvalidTransition, NotFound: see accusation_check.
    """
    text = (text or "").strip()
    if len(text) < MIN_TEXT:
        raise ValidationFailed(f"请写明需要核实的事项（至少{MIN_TEXT}个字）。", {"field": "text"})
    if len(text) > MAX_TEXT:
        raise ValidationFailed(f"核查事项不能超过{MAX_TEXT}字。", {"field": "text"})
    stamp = now or timezone.now()
    made: dict[str, VerificationRequest] = {}

    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        accusation_check(actor, p, marking=False, action=SEND)
        found = _identity_in(text, p)
        if found:
            raise ValidationFailed(
                f"核查函中含有信访人的{found}，请删去后再发送：举报人的身份不得告知被反映单位。",
                {"field": "text"},
            )
        if due_on is not None and due_on <= today:
            raise ValidationFailed("回复期限应在今天之后。", {"field": "due_on"})
        made["request"] = VerificationRequest.objects.create(
            petition=p,
            from_unit=p.responsible_unit,
            to_unit=p.accused_unit,
            text=text,
            due_on=due_on,
            created_by=actor,
            created_at=stamp,
        )
        return {
            "verification": made["request"].pk,
            "to_unit": p.accused_unit_id,
            "to_unit_name": p.accused_unit.name,
            "due_on": due_on.isoformat() if due_on else None,
        }

    _record(
        "verification_request",
        petition=petition,
        actor=actor,
        now=stamp,
        apply=apply,
        then=lambda: _notify_accused_unit(made["request"]),
    )
    return made["request"]


def _notify_accused_unit(request: VerificationRequest) -> None:
    """Tell the accused unit's staff a letter is waiting: a link to the letter, never the case."""
    staff = Staff.objects.filter(
        memberships__unit=request.to_unit, memberships__role__in=ANSWERING_ROLES, is_active=True
    ).distinct()
    notify(
        recipients=staff,
        kind=Kind.GENERAL,
        title=f"收到{request.from_unit.name}的核查函（第 {request.pk} 号），请核查后回复",
        url=reverse("workflow:verification_detail", args=[request.pk]),
        dedupe_key=f"verification:{request.pk}",
    )


def may_answer_verification(actor: Staff, request: VerificationRequest) -> bool:
    """True for a registrar, handler or leader of the unit the request was sent to."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    return bool(roles_of(actor, request.to_unit) & ANSWERING_ROLES)


def verification_answer(
    *,
    actor: Staff,
    request: VerificationRequest,
    answer: str,
    now: datetime | None = None,
) -> VerificationRequest:
    """The accused unit answers a verification request, once; the answer is one event in the
    case (recorded without an actor who could be traced to the case, by name only).

    Raises:
        NotPermitted: the actor is not in the unit the request was sent to.
        ValidationFailed: the answer is too short or long.
        InvalidTransition: it was answered already.
    """
    if not may_answer_verification(actor, request):
        raise NotPermitted(f"只有{request.to_unit.name}的工作人员可以回复该核查函。")
    answer = (answer or "").strip()
    if len(answer) < MIN_ANSWER:
        raise ValidationFailed(f"请填写核查情况（至少{MIN_ANSWER}个字）。", {"field": "answer"})
    if len(answer) > MAX_ANSWER:
        raise ValidationFailed(f"核查情况不能超过{MAX_ANSWER}字。", {"field": "answer"})
    stamp = now or timezone.now()
    with transaction.atomic():
        locked = VerificationRequest.objects.select_for_update().get(pk=request.pk)
        if locked.is_answered:
            raise InvalidTransition(
                f"该核查函已于{timezone.localtime(locked.answered_at):%Y-%m-%d %H:%M}回复。"
            )
        locked.answer, locked.answered_by, locked.answered_at = answer, actor, stamp
        locked.save(update_fields=["answer", "answered_by", "answered_at"])

        def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
            return {
                "verification": locked.pk,
                "unit_name": locked.to_unit.name,
                "answered_by_name": actor.display_name,
            }

        # The accused side cannot see the case: the event is written for it, not by it.
        _record("verification_answer", petition=locked.petition, actor=None, now=stamp, apply=apply)
        _notify_answering_body(locked)
    return locked


def _notify_answering_body(request: VerificationRequest) -> None:
    """Tell the one who sent the letter that it was answered, with a link to the case."""
    notify(
        recipients=[request.created_by],
        kind=Kind.GENERAL,
        title=f"{request.to_unit.name}已回复核查函（第 {request.pk} 号）",
        url=reverse("petitions:detail", args=[request.petition_id]) + "#accusation",
        petition=request.petition,
        dedupe_key=f"verification-answer:{request.pk}",
    )


def verification_event_text(kind: str, d: dict[str, Any]) -> tuple[str, str]:
    """The timeline's headline and detail for a verification request or its answer."""
    if kind == "verification_answer":
        return f"{d.get('unit_name', '')}回复核查函", f"回复人 {d.get('answered_by_name', '')}"
    due = f"，回复期限 {d['due_on']}" if d.get("due_on") else ""
    return f"向{d.get('to_unit_name', '')}发核查函", f"核查函编号 {d.get('verification')}{due}"


VERIFICATION_EVENTS = {
    "verification_request": lambda d: verification_event_text("verification_request", d),
    "verification_answer": lambda d: verification_event_text("verification_answer", d),
}
