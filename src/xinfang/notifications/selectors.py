"""Reads of a staff member's inbox."""

from __future__ import annotations

from django.db.models import QuerySet

from xinfang.notifications.models import Kind, Notification, Preference
from xinfang.petitions.selectors import hidden_accusations_q
from xinfang.units.models import Staff


def received_by(user: Staff) -> QuerySet[Notification]:
    """The user's notifications, less any about an accusation against the user's units
    (RULES.md §6): whatever sent it, it is never read there."""
    return Notification.objects.filter(recipient=user).exclude(
        hidden_accusations_q(user, prefix="petition__")
    )


def inbox(user: Staff, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    qs = received_by(user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.select_related("petition")


def unread_count(user: Staff) -> int:
    """How many of the user's notifications are unread."""
    if not user.is_authenticated:
        return 0
    return received_by(user).filter(read_at__isnull=True).count()


def preferences_of(user: Staff) -> list[tuple[str, str, bool, bool]]:
    """(kind, label, in_app, email) for every kind, defaults filled in."""
    saved = {p.kind: p for p in Preference.objects.filter(staff=user)}
    return [
        (
            kind,
            label,
            saved[kind].in_app if kind in saved else True,
            saved[kind].email if kind in saved else False,
        )
        for kind, label in Kind.choices
    ]
