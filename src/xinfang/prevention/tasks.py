"""Background jobs of prevention (Huey); each is idempotent."""

from __future__ import annotations

from huey import crontab

from xinfang.core.jobs import db_periodic_task
from xinfang.prevention.services import screening_reminders_due


@db_periodic_task(crontab(minute="2"))
def screening_reminders_task() -> int:
    """Every hour: make today's reporting periods, mark overdue ones missing, and remind the
    units missing a report whose reminder hour has come (once per unit and period)."""
    return screening_reminders_due()
