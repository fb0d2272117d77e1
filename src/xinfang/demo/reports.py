"""Demo monthly analysis report for `xinfang demo`: 城南区's report of last month, generated
by the district supervisor through the same build as the job (skipped when it exists)."""

from __future__ import annotations

from datetime import datetime
from typing import TextIO

from django.utils import timezone

from xinfang.analytics import periods
from xinfang.analytics.models import MonthlyReport
from xinfang.analytics.reports import monthly_report_build, report_refusal
from xinfang.units.models import Staff, Unit

UNIT = "LJ-CN"
AUTHOR = "district_supervisor"


def demo_reports_create(*, now: datetime | None = None, stdout: TextIO | None = None) -> int:
    """Last month's report of 城南区; return how many were made."""
    today = timezone.localdate(now)
    month = periods.shift_month(today, -1)
    unit = Unit.objects.filter(code=UNIT).first()
    author = Staff.objects.filter(username=AUTHOR).first()
    if unit is None or author is None or report_refusal(author, unit) is not None:
        return 0
    if MonthlyReport.objects.filter(unit=unit, period_start=month.start).exists():
        return 0
    record = MonthlyReport.objects.create(
        unit=unit, period_start=month.start, period_end=month.end, created_by=author
    )
    monthly_report_build(record, today=today, now=now)
    if stdout is not None:
        stdout.write(f"演示分析报告：{unit.name}{month.label}信访形势分析。")
    return 1


def demo_reports_delete() -> int:
    """Remove the reports and their files."""
    removed = 0
    for record in MonthlyReport.objects.all():
        if record.file:
            record.file.delete(save=False)
        record.delete()
        removed += 1
    return removed
