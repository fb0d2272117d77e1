"""The daily history anchor (Huey)."""

from __future__ import annotations

from huey import crontab

from xinfang.audit.anchors import history_anchor_make
from xinfang.core.jobs import db_periodic_task


@db_periodic_task(crontab(minute="30", hour="0"))
def history_anchor_task() -> str:
    """Every night: anchor yesterday's histories (idempotent: a rerun only re-checks)."""
    return history_anchor_make().digest
