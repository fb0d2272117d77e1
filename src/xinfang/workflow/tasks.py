"""Background jobs of the workflow (Huey); each is idempotent, and safe on several workers at
once (see services/deadline_watch.py)."""

from __future__ import annotations

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_task

from xinfang.core.jobs import db_periodic_task
from xinfang.core.outbox import outbox_handler
from xinfang.workflow.category_suggester import suggester_train_from_cases
from xinfang.workflow.services import (
    deadlines_check,
    deadlines_recompute,
    follow_ups_schedule,
    petitions_terminate_lapsed,
)
from xinfang.workflow.services.recompute import RECOMPUTE_TOPIC


@outbox_handler(RECOMPUTE_TOPIC)
def deadlines_recompute_run(payload: dict[str, Any]) -> None:
    """Recompute provisional deadlines after a year's holidays were entered."""
    deadlines_recompute()


@db_periodic_task(crontab(minute="10", hour="0"))
def terminate_lapsed_task() -> int:
    """Every night: terminate matters whose review or re-review window passed unused."""
    return len(petitions_terminate_lapsed())


@db_periodic_task(crontab(minute="40", hour="2"))
def suggester_retrain_task() -> int:
    """Every night: retrain the category suggester on the concluded cases (the model
    file swapped atomically, the old one kept as `.prev`); the number of labels, 0 when the
    cases are too few."""
    model = suggester_train_from_cases()
    return len(model.labels) if model else 0


def _summary() -> dict[str, int]:
    scan = deadlines_check()
    return {
        "sent": scan.total,
        "events": scan.events,
        "notifications": scan.notifications,
        "orders_overdue": scan.orders_overdue,
        "orders_raised": scan.orders_raised,
        "orders_flagged": scan.orders_flagged,
        "ownership_reminders": scan.ownership_reminders,
        "follow_ups_scheduled": scan.follow_ups_scheduled,
        "follow_ups_due": scan.follow_ups_due,
    }


@db_periodic_task(crontab(minute="5"))
def deadlines_check_task() -> dict[str, int]:
    """Every hour: deadline reminders, overdue marks and escalation, overdue supervision
    orders, orders raised or upgraded on cases that stay overdue, owners' target dates,
    follow-ups scheduled and due (`xinfang check-deadlines --commit` by hand)."""
    return _summary()


@db_task()
def deadlines_check_now_task() -> dict[str, int]:
    """The same check on demand (after an import, say); unlike a periodic task its result
    is kept, so the caller can wait for it."""
    return _summary()


@db_task()
def follow_ups_schedule_task() -> int:
    """Schedule the follow-ups of recent conclusions now (the hourly check does it too)."""
    return follow_ups_schedule()
