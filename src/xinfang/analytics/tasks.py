"""Background jobs of analytics (Huey): the early-warning scan. Idempotent: a rerun updates
the warnings it raised before (analytics/warnings.py), never raises them twice."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from xinfang.analytics.warnings import warnings_raise


@db_periodic_task(crontab(minute="20"))
def warnings_raise_task() -> dict[str, int]:
    """Every hour: run the warning rules over the case data and raise what they find."""
    scan = warnings_raise()
    return {"raised": scan.raised, "updated": scan.updated, "notified": scan.notified}
