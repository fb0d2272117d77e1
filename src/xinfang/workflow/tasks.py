"""Background jobs of the workflow (Huey); each is idempotent."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from xinfang.workflow.services import deadlines_recompute, petitions_terminate_lapsed


@db_task()
def deadlines_recompute_task() -> int:
    """Recompute provisional deadlines after a year's holidays were entered."""
    return len(deadlines_recompute())


@db_periodic_task(crontab(minute="10", hour="0"))
def terminate_lapsed_task() -> int:
    """Every night: terminate matters whose review or re-review window passed unused."""
    return len(petitions_terminate_lapsed())
