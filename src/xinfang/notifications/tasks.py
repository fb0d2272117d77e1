"""Email delivery of notifications and text messages to petitioners, off the request path:
`notify` and `sms.text_queue` write an outbox row in the caller's transaction, the worker
carries it out here (core/outbox.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from xinfang.core.outbox import outbox_handler
from xinfang.notifications.models import Notification, TextMessage
from xinfang.notifications.selectors import received_by
from xinfang.notifications.sms import SMS_TOPIC, sms_gateway

EMAIL_TOPIC = "notifications.email"


@outbox_handler(EMAIL_TOPIC)
def notification_email_send(payload: dict[str, Any]) -> None:
    """Email one notification once. The outbox runs this in a transaction with the row's
    claim: the mark and the row's completion commit together, and a failed send undoes the
    mark so the retry sends it."""
    notification_id = payload["notification_id"]
    updated = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not updated:
        return  # sent before, or the notification is gone
    note = Notification.objects.select_related("recipient").get(pk=notification_id)
    if not note.recipient.email:
        return
    if not received_by(note.recipient).filter(pk=note.pk).exists():
        return  # about an accusation against the recipient's unit: never sent there
    link = f"\n\n{settings.SITE_URL.rstrip('/')}{note.url}" if note.url else ""
    send_mail(
        subject=f"[信访事项办理平台] {note.title}",
        message=f"{note.body}{link}",
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[note.recipient.email],
    )


@outbox_handler(SMS_TOPIC)
def text_message_send(payload: dict[str, Any]) -> None:
    """Send one queued text message through the configured gateway, once.

    A gateway that raises (the network, the provider down) is retried by the outbox with
    growing delays; one that answers "not taken" (a refused number) marks the row failed,
    which a retry would not change."""
    row = TextMessage.objects.select_for_update().filter(pk=payload["text_id"]).first()
    if row is None or row.status != TextMessage.Status.QUEUED:
        return
    gateway = sms_gateway()
    result = gateway.send(row.phone, row.body)
    row.gateway = type(gateway).__name__[:100]
    row.result = (result.reference or result.error)[:200]
    row.status = TextMessage.Status.SENT if result.ok else TextMessage.Status.FAILED
    row.sent_at = timezone.now() if result.ok else None
    row.save(update_fields=["gateway", "result", "status", "sent_at"])
