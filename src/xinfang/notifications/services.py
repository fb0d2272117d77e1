"""Sending notifications: once per recipient and key, in the inbox and by email as chosen."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from xinfang.core.errors import NotFound
from xinfang.notifications.models import Kind, Notification, Preference
from xinfang.units.models import Staff


def _choices(staff_ids: list[int], kind: str) -> dict[int, tuple[bool, bool]]:
    rows = Preference.objects.filter(staff_id__in=staff_ids, kind=kind)
    return {p.staff_id: (p.in_app, p.email) for p in rows}


def notify(
    *,
    recipients: Iterable[Staff],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    petition=None,
    dedupe_key: str,
) -> list[Notification]:
    """Send one notification to each recipient unless they already have one with this key.

    Returns the notifications created now (an empty list when all were sent before). Email
    goes out after the commit, through the job queue, to those who chose it.
    """
    people = {r.pk: r for r in recipients if r is not None and r.is_active}
    if not people:
        return []
    choices = _choices(list(people), kind)
    created: list[Notification] = []
    for staff_id, staff in people.items():
        in_app, email = choices.get(staff_id, (True, False))
        if not in_app and not email:
            continue
        try:
            with transaction.atomic():
                note = Notification.objects.create(
                    recipient=staff,
                    kind=kind,
                    title=title[:200],
                    body=body,
                    url=url,
                    petition=petition,
                    dedupe_key=dedupe_key[:200],
                    # A purely e-mailed message is born read: it does not wait in the inbox.
                    read_at=None if in_app else timezone.now(),
                )
        except IntegrityError:
            continue  # sent before: the unique key makes a rerun harmless
        created.append(note)
        if email and staff.email:
            from xinfang.notifications.tasks import notification_email_task

            transaction.on_commit(lambda pk=note.pk: notification_email_task(pk))
    return created


def notification_mark_read(*, actor: Staff, notification_id: int | None = None) -> int:
    """Mark one of the actor's notifications read, or all of them; return how many changed.

    Raises:
        NotFound: the notification is not the actor's.
    """
    qs = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if notification_id is not None:
        if not Notification.objects.filter(pk=notification_id, recipient=actor).exists():
            raise NotFound("未找到该通知。")
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


@transaction.atomic
def preferences_save(*, actor: Staff, choices: dict[str, tuple[bool, bool]]) -> None:
    """Save the actor's choice (in_app, email) for each kind given."""
    for kind, (in_app, email) in choices.items():
        if kind not in Kind.values:
            continue
        Preference.objects.update_or_create(
            staff=actor, kind=kind, defaults={"in_app": in_app, "email": email}
        )
