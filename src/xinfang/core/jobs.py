"""Periodic jobs that run once per scheduled time, however many workers run.

Every Huey consumer runs its own scheduler: with two workers (on one host or several) each
enqueues every periodic task, and the job would run twice. `db_periodic_task` here is Huey's,
with a claim first: the job's name and the scheduled minute it belongs to (the latest minute at
or before now that its crontab matches) are inserted into `PeriodicRun`, unique together; the
worker whose insert fails skips the run. The database is the one thing every worker shares,
whether the queue is Redis or SQLite, and the table records which host ran what.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import socket
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from huey.contrib import djhuey

from xinfang.core.models import PeriodicRun

# A crontab matches at least once a month (day="1,2,3" is the sparsest we use); scanning back
# a little further than that finds the slot of any of ours.
SLOT_SCAN_MINUTES = 32 * 24 * 60
KEEP_DAYS = 30


def periodic_slot(validate: Callable[[dt.datetime], bool], now: dt.datetime) -> dt.datetime | None:
    """The latest minute at or before now that the crontab matches (None: none in 32 days)."""
    minute = now.replace(second=0, microsecond=0)
    for _ in range(SLOT_SCAN_MINUTES):
        if validate(minute):
            return minute
        minute -= dt.timedelta(minutes=1)
    return None


def periodic_claim(name: str, slot: dt.datetime) -> bool:
    """Claim the run of job `name` for `slot`; False when another worker claimed it first."""
    aware = slot if slot.tzinfo else slot.replace(tzinfo=dt.UTC)
    try:
        with transaction.atomic():
            PeriodicRun.objects.create(
                task=name, slot=aware, host=f"{socket.gethostname()}:{os.getpid()}"
            )
    except IntegrityError:
        return False
    PeriodicRun.objects.filter(task=name, slot__lt=aware - dt.timedelta(days=KEEP_DAYS)).delete()
    return True


def db_periodic_task(validate_datetime: Callable[[dt.datetime], bool], **kwargs: Any):
    """Huey's db_periodic_task, run at most once per scheduled time across all workers.

    `task.call_local()` (tests, commands) runs the job itself, unclaimed; so does a task called
    while Huey runs tasks immediately (HUEY_IMMEDIATE, the tests).
    """

    def decorator(fn: Callable[..., Any]):
        name = kwargs.get("name") or f"{fn.__module__}.{fn.__name__}"

        @functools.wraps(fn)
        def once(*args: Any, **kw: Any) -> Any:
            huey = djhuey.HUEY
            if not huey.immediate:
                slot = periodic_slot(validate_datetime, huey._get_timestamp())
                if slot is not None and not periodic_claim(name, slot):
                    return None
            return fn(*args, **kw)

        task = djhuey.db_periodic_task(validate_datetime, **kwargs)(once)
        task.call_local = fn
        task.runs_once_per_slot = True
        return task

    return decorator
