"""The worker's side of the outbox (Huey): drain when nudged, and sweep every minute for rows
whose nudge was lost (the queue was down) or whose retry is due. Rows are claimed one by one,
so drains on several workers at once deliver each row once."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_task

from xinfang.core.jobs import db_periodic_task
from xinfang.core.outbox import outbox_drain, outbox_prune


@db_task()
def outbox_drain_task() -> int:
    """Deliver what the outbox holds, now (nudged after a commit)."""
    return outbox_drain().sent


@db_periodic_task(crontab(minute="*"))
def outbox_sweep_task() -> int:
    """Every minute: deliver what is due, including retries and rows whose nudge was lost."""
    return outbox_drain().sent


@db_periodic_task(crontab(minute="40", hour="3"))
def outbox_prune_task() -> int:
    """Every night: forget rows delivered more than 30 days ago."""
    return outbox_prune()
