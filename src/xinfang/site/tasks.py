"""Nightly job of the record of who read what (Huey): flag yesterday's unusual reading to the
admins, then delete reads older than the retention."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from huey import crontab

from xinfang.audit.reading import case_reads_purge
from xinfang.core.jobs import db_periodic_task
from xinfang.site.reading_alerts import unusual_reading_notify


@db_periodic_task(crontab(minute="50", hour="0"))
def case_reads_review_task() -> dict[str, int]:
    """After midnight: yesterday's unusual readers to the admins (idempotent), then the purge."""
    now = timezone.now()
    flagged = unusual_reading_notify(day=timezone.localdate(now) - timedelta(days=1))
    return {"flagged": flagged, "purged": case_reads_purge(now=now)}
