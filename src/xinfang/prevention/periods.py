"""Screening periods as pure date arithmetic: no database, no clock.

A unit's cadence cuts the calendar into periods: a day, a week (Monday to Sunday), a half
month (1st–15th and 16th–end) or a month. A special period (两会, 国庆, …) imposes its own
cadence on its dates; a special period that starts or ends inside an ordinary period splits
it, so the periods always tile the calendar with no gaps and no overlaps:

    weekly unit, special period (daily) from Wednesday 5 to Friday 14:
    [Mon 3 – Tue 4] [Wed 5] [Thu 6] … [Fri 14] [Sat 15 – Sun 16] [Mon 17 – Sun 23] …

Each day has a regime: the finest cadence among the special periods containing it, or the
unit's own cadence. The period containing a day is its cadence's natural period, cut down to
the run of consecutive days that share the day's regime.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAILY = "daily"
WEEKLY = "weekly"
SEMIMONTHLY = "semimonthly"
MONTHLY = "monthly"
CADENCES = (DAILY, WEEKLY, SEMIMONTHLY, MONTHLY)
# Finest first: where special periods overlap, the finest cadence wins.
_FINENESS = {c: i for i, c in enumerate(CADENCES)}

# A report is on time until the end of the period's last day plus these hours: 10:00 the
# next morning for a daily report, the end of the following day for the others. Local
# practice varies; rules and special periods may set their own.
DEFAULT_GRACE_HOURS = {DAILY: 10, WEEKLY: 24, SEMIMONTHLY: 24, MONTHLY: 24}
DEFAULT_REMIND_HOUR = 10
ZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Special:
    """The part of a special period that matters for arithmetic: its dates and cadence."""

    starts_on: date
    ends_on: date
    cadence: str = DAILY
    id: int | None = None

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


@dataclass(frozen=True)
class Period:
    """One reporting period: first and last day (inclusive), its cadence, its special period."""

    starts_on: date
    ends_on: date
    cadence: str
    special_id: int | None = None

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.starts_on <= day <= self.ends_on

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


def natural_period(cadence: str, day: date) -> tuple[date, date]:
    """The first and last day of the cadence's ordinary period containing day.

    Raises:
        ValueError: the cadence is unknown.
    """
    if cadence == DAILY:
        return day, day
    if cadence == WEEKLY:
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6)
    last = calendar.monthrange(day.year, day.month)[1]
    if cadence == SEMIMONTHLY:
        if day.day <= 15:
            return day.replace(day=1), day.replace(day=15)
        return day.replace(day=16), day.replace(day=last)
    if cadence == MONTHLY:
        return day.replace(day=1), day.replace(day=last)
    raise ValueError(f"unknown cadence: {cadence!r}")


def _regime(day: date, cadence: str, specials: Sequence[Special]) -> tuple[str, int | None]:
    covering = [s for s in specials if s.covers(day)]
    if not covering:
        return cadence, None
    # Finest cadence, then the earliest-starting, then the lowest id: a total order, so the
    # regime of a day never depends on the order the special periods were given in.
    best = min(covering, key=lambda s: (_FINENESS[s.cadence], s.starts_on, s.id or 0))
    return best.cadence, best.id if best.id is not None else -1


def period_containing(day: date, cadence: str, specials: Sequence[Special] = ()) -> Period:
    """The reporting period that contains day, for a unit with this cadence.

    Raises:
        ValueError: the cadence is unknown.
    """
    regime = _regime(day, cadence, specials)
    start, end = natural_period(regime[0], day)
    first = day
    while first > start and _regime(first - timedelta(days=1), cadence, specials) == regime:
        first -= timedelta(days=1)
    last = day
    while last < end and _regime(last + timedelta(days=1), cadence, specials) == regime:
        last += timedelta(days=1)
    special_id = regime[1] if regime[1] not in (None, -1) else None
    return Period(first, last, regime[0], special_id)


def periods_between(
    first: date, last: date, cadence: str, specials: Sequence[Special] = ()
) -> Iterator[Period]:
    """Every period that has a day in [first, last], in order."""
    day = first
    while day <= last:
        period = period_containing(day, cadence, specials)
        yield period
        day = period.ends_on + timedelta(days=1)


def previous_period(period: Period, cadence: str, specials: Sequence[Special] = ()) -> Period:
    """The period just before this one."""
    return period_containing(period.starts_on - timedelta(days=1), cadence, specials)


def due_at(period: Period, grace_hours: int | None = None) -> datetime:
    """The moment after which a report for the period is late (Asia/Shanghai)."""
    hours = DEFAULT_GRACE_HOURS[period.cadence] if grace_hours is None else grace_hours
    end_of_last_day = datetime.combine(period.ends_on + timedelta(days=1), time(0), tzinfo=ZONE)
    return end_of_last_day + timedelta(hours=hours)


def remind_after(due: datetime, remind_hour: int = DEFAULT_REMIND_HOUR) -> datetime:
    """The first moment, at or after the due time, at the configured hour of the day."""
    local = due.astimezone(ZONE)
    at = local.replace(hour=remind_hour, minute=0, second=0, microsecond=0)
    if at < local:
        at += timedelta(days=1)
    return at
