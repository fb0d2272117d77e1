"""Background jobs of analytics (Huey): the early-warning scan (idempotent: a rerun updates
the warnings it raised before, never raises them twice) and the monthly analysis reports."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_task

from xinfang.analytics.report_models import MonthlyReport
from xinfang.analytics.reports import monthly_report_build
from xinfang.analytics.tally import tally_catch_up
from xinfang.analytics.topics import topics_compute, topics_refresh_all
from xinfang.analytics.warnings import warnings_raise
from xinfang.core.jobs import db_periodic_task


@db_periodic_task(crontab(minute="20"))
def warnings_raise_task() -> dict[str, int]:
    """Every hour: run the warning rules over the case data and raise what they find."""
    scan = warnings_raise()
    return {"raised": scan.raised, "updated": scan.updated, "notified": scan.notified}


@db_task()
def monthly_report_task(report_id: int) -> str:
    """Build one queued monthly analysis report (its progress shows on the report's page)."""
    record = MonthlyReport.objects.select_related("unit", "created_by").get(pk=report_id)
    return monthly_report_build(record).status


@db_task()
def topics_compute_task(run_id: int) -> int:
    """Hot topics of one window, asked for from the page or the API."""
    return topics_compute(run_id).pk


@db_periodic_task(crontab(minute="35"))
def topics_refresh_task() -> list[int]:
    """Every hour: the hot topics of the 7, 30 and 90 days up to today."""
    return topics_refresh_all()


@db_periodic_task(crontab(minute="*"))
def tally_refresh_task() -> int:
    """Every minute: bring the indicators' summary up to date with the cases written since
    (built first when it is not)."""
    return tally_catch_up()
