"""Entering a year's official holiday schedule; provisional deadlines follow it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction

from xinfang.core.changes import Kind, record_config_change
from xinfang.core.errors import NotPermitted, ValidationFailed
from xinfang.units.models import Staff
from xinfang.units.services import is_admin
from xinfang.workflow.models import CalendarDay, CalendarYear
from xinfang.workflow.services.recompute import deadlines_recompute_later


def _snapshot(record: CalendarYear | None) -> dict | None:
    """A year's schedule as the change log keeps it."""
    if record is None:
        return None
    days = list(record.days.order_by("date"))
    return {
        "依据": record.source,
        "放假": "；".join(f"{d.date:%m-%d} {d.name}".strip() for d in days if not d.is_working),
        "调休上班": "；".join(f"{d.date:%m-%d} {d.name}".strip() for d in days if d.is_working),
    }


@transaction.atomic
def calendar_year_save(
    *,
    actor: Staff,
    year: int,
    holidays: Iterable[tuple[date, str]],
    workdays: Iterable[tuple[date, str]] = (),
    source: str = "",
) -> CalendarYear:
    """Replace a year's statutory holidays and make-up working days, then recompute every
    provisional deadline once the transaction commits.

    Raises:
        NotPermitted: the actor is not an admin.
        ValidationFailed: a date lies outside the year, or a day is both off and working.
    """
    if not is_admin(actor):
        raise NotPermitted("只有管理员可以维护节假日安排。")
    if not 2000 <= year <= 2100:
        raise ValidationFailed("年份无效。", {"field": "year"})
    off = {d: (name or "").strip()[:50] for d, name in holidays}
    on = {d: (name or "").strip()[:50] for d, name in workdays}
    if not off:
        raise ValidationFailed("请至少填写一个法定节假日。", {"field": "holidays"})
    for d in [*off, *on]:
        if d.year != year:
            raise ValidationFailed(f"{d:%Y-%m-%d} 不在 {year} 年内。", {"field": "holidays"})
    both = sorted(set(off) & set(on))
    if both:
        raise ValidationFailed(
            f"{both[0]:%Y-%m-%d} 不能既是放假日又是调休上班日。", {"field": "workdays"}
        )
    before = _snapshot(CalendarYear.objects.filter(year=year).first())
    record, _ = CalendarYear.objects.update_or_create(year=year, defaults={"source": source})
    record.days.all().delete()
    CalendarDay.objects.bulk_create(
        [CalendarDay(year=record, date=d, name=n, is_working=False) for d, n in off.items()]
        + [CalendarDay(year=record, date=d, name=n, is_working=True) for d, n in on.items()]
    )
    record_config_change(actor, Kind.CALENDAR, record, before, _snapshot(record))
    deadlines_recompute_later()
    return record
