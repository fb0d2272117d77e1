"""Demo notifications as a desk would find them after some weeks of work: each one at the
time of what it is about (the case's step that caused it, the morning run of the deadline
check), and read except each person's few newest ones.

The services notify as the demo loads, so without this every notification would carry the
minute of the load and all would be unread: a bell with 40 unread messages of one minute.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import TextIO

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from xinfang.notifications.models import Kind, Notification
from xinfang.petitions.models import PetitionEvent

# The jobs that remind run early in the morning; their notices carry that time.
JOB_KINDS = frozenset(
    {
        Kind.DEADLINE_REMINDER,
        Kind.OVERDUE,
        Kind.FOLLOW_UP,
        Kind.SCREENING,
        Kind.OWNERSHIP,
        Kind.UNUSUAL_READING,
    }
)
MORNING_RUN = time(7, 0)
# Each person's newest notices stay unread, and only those of the last days.
UNREAD_PER_PERSON = 3
UNREAD_WITHIN = timedelta(days=2)


def _job_time(now: datetime, rng: random.Random) -> datetime:
    """This morning's run (yesterday's when it is not yet morning), a few minutes in."""
    local = timezone.localtime(now)
    day = local.date() if local.time() >= MORNING_RUN else local.date() - timedelta(days=1)
    at = datetime.combine(day, MORNING_RUN) + timedelta(minutes=rng.randint(0, 20))
    return timezone.make_aware(at)


def _office_time(now: datetime, rng: random.Random) -> datetime:
    """A working-hours moment of the last week."""
    day = timezone.localdate(now) - timedelta(days=rng.randint(1, 7))
    at = datetime.combine(day, time(9, 0)) + timedelta(minutes=rng.randint(0, 8 * 60))
    return timezone.make_aware(at)


@transaction.atomic
def demo_notifications_settle(*, now: datetime | None = None, stdout: TextIO | None = None) -> int:
    """Give the demo's notifications realistic times and mark all but each person's newest
    read; return how many were changed."""
    now = now or timezone.now()
    rng = random.Random(20)
    notes = list(Notification.objects.order_by("pk"))
    last_step = dict(
        PetitionEvent.objects.filter(petition_id__in={n.petition_id for n in notes})
        .values("petition_id")
        .annotate(at=Max("at"))
        .values_list("petition_id", "at")
    )
    for n in notes:
        if n.kind in JOB_KINDS:
            n.created_at = _job_time(now, rng)
        elif n.petition_id in last_step:
            # A few minutes after the step that caused it, never in the future.
            n.created_at = min(last_step[n.petition_id] + timedelta(minutes=rng.randint(1, 9)), now)
        else:
            n.created_at = _office_time(now, rng)
    newest: dict[int, list[Notification]] = {}
    for n in sorted(notes, key=lambda n: n.created_at, reverse=True):
        newest.setdefault(n.recipient_id, []).append(n)
    for mine in newest.values():
        for i, n in enumerate(mine):
            stays_unread = i < UNREAD_PER_PERSON and now - n.created_at <= UNREAD_WITHIN
            n.read_at = (
                None
                if stays_unread
                else min(n.created_at + timedelta(minutes=rng.randint(5, 240)), now)
            )
    Notification.objects.bulk_update(notes, ["created_at", "read_at"], batch_size=500)
    return len(notes)


def demo_notifications_unsettle() -> int:
    """Nothing to remove: the notifications go with the cases and layers they are about."""
    return 0
