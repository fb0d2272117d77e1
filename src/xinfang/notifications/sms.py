"""Text messages (短信) to petitioners: one small gateway interface, the outbox that every
message is written to first, and the service that queues a message for the worker.

A gateway is any class with `send(number, text) -> SendResult`; settings.SMS_GATEWAY names
it by dotted path. The default, `OutboxGateway`, sends nothing: it writes the message to the
log, and the outbox row (`TextMessage`, listed in the admin as 短信发件箱) is the record. A
provider's code (its signing, its templates, its HTTP calls) lives in its own class behind
this interface and nowhere else.

Queueing writes the row and an outbox job in the caller's transaction (core/outbox.py), so a
case change that rolls back texts no one, and the worker sends after the commit.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from xinfang.core.crypto import blind_index
from xinfang.core.outbox import outbox_put
from xinfang.notifications.models import TextMessage

log = logging.getLogger("xinfang.sms")

SMS_TOPIC = "notifications.sms"
DEFAULT_GATEWAY = "xinfang.notifications.sms.OutboxGateway"
# Only a mainland mobile number receives a text; a landline is skipped.
_MOBILE = re.compile(r"1[3-9]\d{9}")
# Longer texts are split into several paid segments by the carriers; ours stay within two.
MAX_LENGTH = 140


@dataclass(frozen=True)
class SendResult:
    """What a gateway answered: whether it took the message, and its reference or error."""

    ok: bool
    reference: str = ""
    error: str = ""


class Gateway(Protocol):
    """The one interface a text-message provider implements."""

    def send(self, number: str, text: str) -> SendResult: ...


class OutboxGateway:
    """The default gateway: the message stays in the outbox and is written to the log."""

    def send(self, number: str, text: str) -> SendResult:
        log.info("短信（未接入短信平台，仅记入发件箱）尾号%s：%s", number[-4:], text)
        return SendResult(ok=True, reference="outbox")


@cache
def _gateway_class(path: str) -> type:
    return import_string(path)


def sms_gateway() -> Gateway:
    """The configured gateway (settings.SMS_GATEWAY, a dotted path), a new instance."""
    return _gateway_class(getattr(settings, "SMS_GATEWAY", "") or DEFAULT_GATEWAY)()


def is_mobile(number: str) -> bool:
    """True for a mainland mobile number as registration stores it (11 digits)."""
    return bool(_MOBILE.fullmatch(number or ""))


def text_queue(
    *,
    petition: Any,
    numbers: list[str],
    body: str,
    event_kind: str,
    event_seq: int,
    now: datetime | None = None,
) -> list[TextMessage]:
    """Write one outbox message per mobile number for a case event and have the worker send
    it after the commit; a number texted for this event before is skipped. Returns the rows
    written now.

    The caller decides whether the petitioner agreed and what the text may say; this only
    records and queues.
    """
    rows: list[TextMessage] = []
    body = body[:MAX_LENGTH]
    for number in dict.fromkeys(n for n in numbers if is_mobile(n)):
        key = f"{petition.pk}:{event_seq}:{blind_index('phone', number)}"
        try:
            with transaction.atomic():
                row = TextMessage.objects.create(
                    petition=petition,
                    event_kind=event_kind,
                    event_seq=event_seq,
                    phone=number,
                    phone_tail=number[-4:],
                    body=body,
                    dedupe_key=key,
                    created_at=now or timezone.now(),
                )
        except IntegrityError:
            continue
        outbox_put(topic=SMS_TOPIC, payload={"text_id": row.pk}, dedupe_key=f"sms:{row.pk}")
        rows.append(row)
    return rows
