"""Email delivery of notifications, off the request path."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from huey.contrib.djhuey import db_task

from xinfang.notifications.models import Notification
from xinfang.notifications.selectors import received_by


@db_task(retries=3, retry_delay=60)
def notification_email_task(notification_id: int) -> bool:
    """Email one notification once; a retry after success sends nothing."""
    note = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if note is None or not received_by(note.recipient).filter(pk=note.pk).exists():
        return False  # about an accusation against the recipient's unit: never sent there
    updated = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not updated:
        return False
    link = f"\n\n{settings.SITE_URL.rstrip('/')}{note.url}" if note.url else ""
    try:
        send_mail(
            subject=f"[信访事项办理平台] {note.title}",
            message=f"{note.body}{link}",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[note.recipient.email],
        )
    except Exception:
        # Let the retry send it: clear the mark set above.
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise
    return True
