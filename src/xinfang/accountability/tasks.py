"""Background job of accountability (Huey): last month's proposals, idempotent (an item's
key is unique, so a rerun or a second worker adds nothing)."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab

from xinfang.accountability.rules import month_parse
from xinfang.accountability.services import accountability_propose
from xinfang.core.jobs import db_periodic_task


@db_periodic_task(crontab(day="1,2,3", hour="3", minute="15"))
def accountability_propose_task() -> dict[str, int]:
    """Early on the 1st (again the 2nd and 3rd, for what a late worker missed): propose last
    month's violations as accountability items."""
    now = timezone.now()
    done = accountability_propose(month=month_parse("", timezone.localdate(now)), now=now)
    return {"found": done.found, "created": done.created}
