"""The demo's notifications look lived-in (issue 20, item 10): each at the time of what it is
about, and all but each person's newest few are read."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from tests.petitions.factories import register
from xinfang.demo.notifications import UNREAD_PER_PERSON, demo_notifications_settle
from xinfang.notifications.models import Kind, Notification
from xinfang.petitions.models import PetitionEvent

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def note(recipient, kind, petition=None, n=0) -> Notification:
    return Notification.objects.create(
        recipient=recipient,
        kind=kind,
        title=f"通知{n}",
        petition=petition,
        dedupe_key=f"demo-test:{kind}:{n}",
    )


def test_the_demo_notifications_get_their_times_and_are_mostly_read(org, dc_registrar, dc_handler):
    case = register(dc_registrar, org.dongcheng, at=NOW - timedelta(days=10))
    step = PetitionEvent.objects.filter(petition=case).order_by("-at").first().at
    about_case = note(dc_handler, Kind.ASSIGNMENT, case)
    reminder = note(dc_handler, Kind.DEADLINE_REMINDER, case, 1)
    general = [note(dc_handler, Kind.GENERAL, None, n) for n in range(2, 8)]
    other = note(dc_registrar, Kind.GENERAL, None, 9)
    loaded_at = Notification.objects.first().created_at  # the minute of the load

    assert demo_notifications_settle(now=NOW) == 9

    about_case.refresh_from_db()
    assert step < about_case.created_at <= step + timedelta(minutes=10)
    reminder.refresh_from_db()
    local = timezone.localtime(reminder.created_at)
    assert local.date() == NOW.date() and time(7, 0) <= local.time() <= time(7, 20)
    everything = list(Notification.objects.all())
    assert all(n.created_at <= NOW and n.created_at != loaded_at for n in everything)
    for n in Notification.objects.filter(pk__in=[g.pk for g in general] + [other.pk]):
        local = timezone.localtime(n.created_at)
        assert NOW.date() - timedelta(days=7) <= local.date() < NOW.date()
        assert time(9, 0) <= local.time() <= time(17, 0)
    # Mostly read: at most a few per person stay unread, and only the newest, recent ones.
    unread = [n for n in everything if n.read_at is None]
    assert len(unread) <= UNREAD_PER_PERSON * 2
    assert sum(n.read_at is not None for n in everything) > len(everything) // 2
    assert all(NOW - n.created_at <= timedelta(days=2) for n in unread)
    assert all(n.created_at <= n.read_at <= NOW for n in everything if n.read_at)
    mine = sorted(
        (n for n in everything if n.recipient_id == dc_handler.pk),
        key=lambda n: n.created_at,
        reverse=True,
    )
    assert mine[0].read_at is None  # this morning's reminder: not seen yet
