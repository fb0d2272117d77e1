"""Background jobs of the backlog (Huey); each is idempotent."""

from __future__ import annotations

from huey import crontab

from xinfang.backlog.jobs import backlog_proposals_make, backlog_reminders_send
from xinfang.core.jobs import db_periodic_task


@db_periodic_task(crontab(minute="20", hour="3"))
def backlog_proposals_task() -> int:
    """Nightly: propose for the register the matters repeated, late or continued after
    termination (a leader confirms each)."""
    return backlog_proposals_make().proposed


@db_periodic_task(crontab(minute="10", hour="7"))
def backlog_reminders_task() -> int:
    """Each morning: remind of plan steps and meeting tasks due in 3 days, 1 day, today, or
    late (once each)."""
    return backlog_reminders_send()
