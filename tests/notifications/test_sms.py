"""Text messages to petitioners: consent at registration, the outbox and the gateway, the
workflow events that text, and an accusation's reporter kept unrecognisable."""

from __future__ import annotations

import logging

import pytest
from django.db import connection

from tests.petitions.factories import REPLY, accuse, person, register
from tests.workflow.conftest import at
from xinfang.core.errors import ValidationFailed
from xinfang.core.outbox import outbox_drain
from xinfang.notifications.models import TextMessage
from xinfang.notifications.sms import SendResult
from xinfang.workflow import services as wf
from xinfang.workflow.services.texts import petitioner_text

WHEN = at(2025, 3, 3)
MOBILE = "13912345678"
SENT: list[tuple[str, str]] = []


class RecordingGateway:
    """A stand-in provider: records what it was asked to send."""

    def send(self, number: str, text: str) -> SendResult:
        SENT.append((number, text))
        return SendResult(ok=True, reference=f"ref-{len(SENT)}")


class RefusingGateway:
    def send(self, number: str, text: str) -> SendResult:
        return SendResult(ok=False, error="号码无效")


@pytest.fixture(autouse=True)
def _clear_sent():
    SENT.clear()


def _accepted(org, registrar, leader, **kwargs):
    p = register(registrar, org.dongcheng, at=WHEN, people=[person(phone=MOBILE)], **kwargs)
    return wf.petition_accept(petition=p, actor=leader, now=WHEN)


def test_it_texts_nothing_without_consent(org, dc_registrar, dc_leader):
    p = _accepted(org, dc_registrar, dc_leader)

    assert p.sms_consent is False
    assert not TextMessage.objects.exists()


def test_it_texts_acceptance_through_the_outbox_after_consent(
    org, dc_registrar, dc_leader, settings, caplog
):
    p = _accepted(org, dc_registrar, dc_leader, sms_consent=True)

    row = TextMessage.objects.get()
    assert row.petition_id == p.pk and row.event_kind == "accept"
    assert row.status == TextMessage.Status.QUEUED and row.phone_tail == "5678"
    assert "已受理" in row.body and "小区门口下水道堵塞" in row.body
    # The default gateway keeps the message in the outbox and writes it to the log.
    with caplog.at_level(logging.INFO, logger="xinfang.sms"):
        outbox_drain()
    row.refresh_from_db()
    assert row.status == TextMessage.Status.SENT and row.result == "outbox"
    assert "尾号5678" in caplog.text and "已受理" in caplog.text


def test_it_keeps_the_number_encrypted_at_rest(org, dc_registrar, dc_leader):
    _accepted(org, dc_registrar, dc_leader, sms_consent=True)

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT phone FROM {TextMessage._meta.db_table}")
        (stored,) = cursor.fetchone()
    assert MOBILE not in stored
    assert TextMessage.objects.get().phone == MOBILE


def test_it_sends_through_the_gateway_settings_name(org, dc_registrar, dc_leader, settings):
    settings.SMS_GATEWAY = "tests.notifications.test_sms.RecordingGateway"
    _accepted(org, dc_registrar, dc_leader, sms_consent=True)

    outbox_drain()

    assert len(SENT) == 1 and SENT[0][0] == MOBILE
    assert TextMessage.objects.get().result == "ref-1"


def test_it_marks_a_refused_message_failed(org, dc_registrar, dc_leader, settings):
    settings.SMS_GATEWAY = "tests.notifications.test_sms.RefusingGateway"
    _accepted(org, dc_registrar, dc_leader, sms_consent=True)

    outbox_drain()

    row = TextMessage.objects.get()
    assert row.status == TextMessage.Status.FAILED and row.result == "号码无效"


def test_it_texts_the_extension_the_reply_and_the_review_window(
    org, dc_registrar, dc_leader, dc_handler
):
    p = _accepted(org, dc_registrar, dc_leader, sms_consent=True)
    p = wf.petition_start(petition=p, actor=dc_handler, now=WHEN)
    p = wf.petition_extend(petition=p, actor=dc_leader, days=30, reason="需要现场测量", now=WHEN)
    p = wf.petition_conclude(petition=p, actor=dc_leader, reply=REPLY, now=WHEN)

    bodies = dict(TextMessage.objects.values_list("event_kind", "body"))
    assert set(bodies) == {"accept", "extend", "conclude"}
    assert "延长30日" in bodies["extend"]
    window = p.review_request_by
    assert f"{window.month}月{window.day}日前" in bodies["conclude"]
    assert "申请复查" in bodies["conclude"]


def test_it_texts_a_forward_naming_the_unit(org, dc_registrar, dc_leader):
    p = register(
        dc_registrar, org.dongcheng, at=WHEN, people=[person(phone=MOBILE)], sms_consent=True
    )
    wf.petition_forward(petition=p, actor=dc_leader, to_unit=org.xicheng, now=WHEN)

    assert org.xicheng.name in TextMessage.objects.get(event_kind="forward").body


def test_it_skips_a_landline_and_wants_a_mobile_for_consent(org, dc_registrar):
    with pytest.raises(ValidationFailed) as caught:
        register(
            dc_registrar,
            org.dongcheng,
            at=WHEN,
            people=[person(phone="0571-87654321")],
            sms_consent=True,
        )
    assert "手机号码" in caught.value.message
    with pytest.raises(ValidationFailed):
        register(dc_registrar, org.dongcheng, at=WHEN, people=[person()], sms_consent=True)


def _accusation_with_consent(registrar, unit, subject: str, content: str):
    """An accusation against `unit` registered there, its reporter agreeing to texts."""
    p = accuse(registrar, unit, unit, subject=subject, content=content, phone=MOBILE)
    p.sms_consent = True
    p.save(update_fields=["sms_consent"])
    return p


def test_it_names_nothing_of_an_accusation_in_the_text(org, dc_registrar, cn_leader):
    p = _accusation_with_consent(
        dc_registrar,
        org.dongcheng,
        "举报街道副主任李四收受红包",
        "东城街道副主任李四收受拆迁户红包。",
    )

    wf.petition_accept(petition=p, actor=cn_leader, now=WHEN)

    body = TextMessage.objects.get().body
    assert "已受理" in body
    for revealing in ("李四", "红包", "举报", "检举", "东城", "城南", p.subject[:6]):
        assert revealing not in body


def test_it_never_lets_the_accused_unit_text_the_reporter(org, dc_registrar, dc_leader):
    p = _accusation_with_consent(dc_registrar, org.dongcheng, "举报街道干部", "街道干部吃拿卡要。")

    # Whatever step a member of the accused unit could reach, it texts no one.
    assert petitioner_text("accept", p, dc_leader, seq=99) == 0
    assert not TextMessage.objects.exists()


def test_it_texts_an_event_once(org, dc_registrar, dc_leader):
    p = _accepted(org, dc_registrar, dc_leader, sms_consent=True)
    seq = p.events.get(kind="accept").seq

    assert petitioner_text("accept", p, dc_leader, seq) == 0
    assert TextMessage.objects.count() == 1
