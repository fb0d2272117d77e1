"""Verification requests (核查函): the answering body writes to the accused unit in its own
words, never the reporter's identity; the accused unit answers without reaching the case."""

from __future__ import annotations

from datetime import date

import pytest

from tests.petitions.factories import person, register
from tests.workflow.conftest import at
from xinfang.core.errors import InvalidTransition, NotFound, NotPermitted, ValidationFailed
from xinfang.notifications.models import Notification
from xinfang.petitions.history import chain_verify
from xinfang.petitions.models import Petition
from xinfang.workflow.models import VerificationRequest
from xinfang.workflow.services.verification import (
    may_answer_verification,
    verification_answer,
    verification_request_create,
)
from xinfang.workflow.verification_selectors import (
    verification_inbox,
    verification_inbox_get,
    verification_pending_count,
    verification_requests_of,
)

WHEN = at(2025, 3, 3)
TEXT = "请核实东城街道城管中队2025年2月对沿街商户的检查记录及收费依据，并书面说明。"


@pytest.fixture
def accusation(org, dc_registrar):
    return register(
        dc_registrar,
        org.dongcheng,
        at=WHEN,
        people=[person("赵秀英", phone="13912345678")],
        is_accusation=True,
        accused_unit=org.dongcheng,
        accused_person="李某",
    )


def test_it_sends_a_request_and_records_it_in_the_case(accusation, cn_leader, org):
    request = verification_request_create(
        actor=cn_leader, petition=accusation, text=TEXT, due_on=date(2025, 3, 20), now=WHEN
    )

    assert request.to_unit == org.dongcheng and request.from_unit == org.district
    assert request.text == TEXT and not request.is_answered
    p = Petition.objects.get(pk=accusation.pk)
    event = p.events.order_by("-seq").first()
    assert event.kind == "verification_request" and event.data["verification"] == request.pk
    assert TEXT not in str(event.data)  # the letter is its own record
    assert chain_verify(p, list(p.events.order_by("seq"))) == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("请核实赵秀英反映的城管中队收费问题并书面说明。", "姓名"),
        ("请核实反映人（电话139 1234 5678）所说的收费问题。", "联系电话"),
        ("请核实。", "至少10个字"),
    ],
)
def test_it_refuses_a_text_that_names_the_reporter(accusation, cn_leader, text, words):
    with pytest.raises(ValidationFailed) as caught:
        verification_request_create(actor=cn_leader, petition=accusation, text=text, now=WHEN)
    assert words in caught.value.message
    assert not VerificationRequest.objects.exists()
    assert Petition.objects.get(pk=accusation.pk).version == accusation.version


def test_only_the_answering_body_sends_one(accusation, dc_registrar, xc_handler, org):
    # The accused unit's registrar: refused, or (once accusations are hidden from the accused
    # subtree) not even told the case exists.
    with pytest.raises((NotPermitted, NotFound)):
        verification_request_create(actor=dc_registrar, petition=accusation, text=TEXT)
    with pytest.raises(NotFound):
        verification_request_create(actor=xc_handler, petition=accusation, text=TEXT)
    plain = register(dc_registrar, org.dongcheng, at=WHEN)
    from tests.conftest import _member

    leader = _member("cn_leader2", org.district, "leader")
    with pytest.raises(InvalidTransition, match="不是检举控告"):
        verification_request_create(actor=leader, petition=plain, text=TEXT)
    assert not VerificationRequest.objects.exists()


def test_the_accused_unit_answers_once_and_the_case_shows_it(
    accusation, cn_leader, dc_leader, xc_handler
):
    request = verification_request_create(actor=cn_leader, petition=accusation, text=TEXT)
    assert list(verification_inbox(dc_leader)) == [request]
    (note,) = Notification.objects.filter(recipient=dc_leader)
    assert note.petition is None and note.url == f"/verification-requests/{request.pk}/"
    assert accusation.tracking_code not in note.title + note.body
    assert verification_pending_count(dc_leader) == 1
    assert list(verification_inbox(xc_handler)) == []
    assert not may_answer_verification(xc_handler, request)
    with pytest.raises(NotPermitted):
        verification_answer(actor=xc_handler, request=request, answer="经核查情况属实。")

    answered = verification_answer(
        actor=dc_leader,
        request=verification_inbox_get(dc_leader, request.pk),
        answer="经核查无此事。",
    )

    assert answered.answer == "经核查无此事。" and answered.answered_by == dc_leader
    assert verification_pending_count(dc_leader) == 0
    assert verification_requests_of(accusation)[0].answer == "经核查无此事。"
    assert Notification.objects.filter(recipient=cn_leader, petition=accusation).exists()
    p = Petition.objects.get(pk=accusation.pk)
    last = p.events.order_by("-seq").first()
    assert last.kind == "verification_answer" and last.actor is None
    assert chain_verify(p, list(p.events.order_by("seq"))) == []
    with pytest.raises(InvalidTransition, match="已于"):
        verification_answer(actor=dc_leader, request=answered, answer="再补充一点情况。")
    with pytest.raises(ValidationFailed):
        verification_answer(actor=dc_leader, request=request, answer="")
