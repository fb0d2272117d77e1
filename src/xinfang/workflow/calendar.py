"""Working-day calendar and deadline arithmetic (RULES.md §5 "Counting days").

Pure Python so the day arithmetic can be tested and reused without a database; the
admin-entered schedule is passed in as `Overrides` by whoever reads it from storage.

For a year with no official schedule yet, the statutory holidays themselves are known in
advance: 《全国年节及纪念日放假办法》 (as revised in 2024, in force from 2025) fixes their
dates, three of them by the lunar calendar and one by a solar term. Only the State Council's
yearly arrangement (调休, and where a make-up day off for a holiday on a weekend falls) is
unknown, so such a year's dates stay provisional.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import chinese_calendar
from lunar_python import Lunar

CALENDAR = "calendar"
WORKING = "working"
UNITS = (CALENDAR, WORKING)

_ONE_DAY = timedelta(days=1)

# The package raises for years it has no data for; its own range check uses the years present
# in its holiday table, so do the same instead of hard-coding the last year it covers.
_PACKAGE_YEARS: frozenset[int] = frozenset(d.year for d in chinese_calendar.holidays)
_PACKAGE_HOLIDAYS: frozenset[date] = frozenset(chinese_calendar.holidays)
_PACKAGE_WORKDAYS: frozenset[date] = frozenset(chinese_calendar.workdays)
_LAST_PACKAGE_YEAR = max(_PACKAGE_YEARS)


@dataclass(frozen=True)
class Overrides:
    """The official schedule an admin entered for years the package does not (correctly) cover."""

    holidays: frozenset[date] = frozenset()
    # Make-up working days (调休) that fall on a weekend.
    workdays: frozenset[date] = frozenset()
    # Only these years use the admin data; listing a year says "this year's schedule is complete".
    years: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Due:
    """A computed deadline date, flagged when it rests on a year without an official schedule."""

    date: date
    # A provisional date must be recomputed once the year's schedule is published.
    provisional: bool


@functools.lru_cache(maxsize=64)
def statutory_holidays(year: int) -> dict[date, str]:
    """The days off for everyone that 《全国年节及纪念日放假办法》 Art.2 fixes, for any year:
    新年 1 day, 春节 4 (除夕 to 正月初三), 清明 1 (the solar term's day), 劳动节 2 (May 1–2),
    端午 1, 中秋 1, 国庆 3 (October 1–3): thirteen days since the 2025 revision.

    Lunar dates and the solar term come from lunar-python, which computes them astronomically.
    """
    spring = _lunar_to_solar(year, 1, 1)
    qingming = Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"]
    days = {
        date(year, 1, 1): "元旦",
        spring - _ONE_DAY: "春节",  # 除夕: the last day of the twelfth month, 29th or 30th
        **{spring + timedelta(days=i): "春节" for i in range(3)},
        date(qingming.getYear(), qingming.getMonth(), qingming.getDay()): "清明节",
        date(year, 5, 1): "劳动节",
        date(year, 5, 2): "劳动节",
        _lunar_to_solar(year, 5, 5): "端午节",
        _lunar_to_solar(year, 8, 15): "中秋节",
        **{date(year, 10, d): "国庆节" for d in (1, 2, 3)},
    }
    return days


def _lunar_to_solar(year: int, month: int, day: int) -> date:
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


class WorkCalendar:
    """China's working days: admin overrides, else the chinese_calendar package, else Mon–Fri
    less the statutory holidays (provisional)."""

    def __init__(self, overrides: Overrides | None = None) -> None:
        """Build a calendar that uses the given admin overrides, if any."""
        self.overrides = overrides or Overrides()
        # Deadline arithmetic asks about the same few years over and over; one set lookup per
        # day keeps a 60-day limit far below a millisecond.
        self._off_days: dict[int, frozenset[date]] = {}

    def is_known_year(self, year: int) -> bool:
        """Return whether an official schedule (admin or package) exists for the year."""
        return year in self.overrides.years or year in _PACKAGE_YEARS

    def is_working_day(self, d: date) -> bool:
        """Return whether the date is a working day."""
        _check_date(d)
        return d not in self._off_days_of(d.year)

    def next_working_day(self, d: date) -> date:
        """Return the date itself if it is a working day, else the first working day after it."""
        _check_date(d)
        return self._roll_forward(d)[0]

    def add(self, start: date, days: int, unit: str) -> Due:
        """Return the deadline `days` calendar or working days after `start`.

        Raises:
            ValueError: days is negative, zero for working days, or the unit is unknown.
            TypeError: start is not a plain date (a datetime would miss every holiday).
        """
        _check_date(start)
        if unit not in UNITS:
            raise ValueError(f"unknown unit {unit!r}, expected one of {UNITS}")
        if days < 0:
            raise ValueError(f"days must not be negative, got {days}")
        if unit == CALENDAR:
            end, provisional = self._roll_forward(start + timedelta(days=days))
            return Due(end, provisional)
        if days == 0:
            # "The 0th working day after D" has no meaning; a zero limit is a configuration error.
            raise ValueError("a working-day limit needs at least 1 day")
        return self._count_working_days(start, days)

    def extend(self, start: date, days: int, extra: int, unit: str) -> Due:
        """Return the deadline of a `days` limit from `start` extended by `extra` days.

        Raises:
            ValueError: extra is negative, or as for `add`.
        """
        if extra < 0:
            raise ValueError(f"an extension must not be negative, got {extra}")
        # RULES §5: the extension is added to the limit, then the usual roll-forward applies.
        return self.add(start, days + extra, unit)

    def _roll_forward(self, d: date) -> tuple[date, bool]:
        provisional = False
        while True:
            provisional = provisional or not self.is_known_year(d.year)
            if d not in self._off_days_of(d.year):
                return d, provisional
            d += _ONE_DAY

    def _count_working_days(self, start: date, days: int) -> Due:
        provisional = False
        d = start
        remaining = days
        while remaining:
            d += _ONE_DAY
            provisional = provisional or not self.is_known_year(d.year)
            if d not in self._off_days_of(d.year):
                remaining -= 1
        return Due(d, provisional)

    def _off_days_of(self, year: int) -> frozenset[date]:
        off = self._off_days.get(year)
        if off is None:
            off = self._off_days[year] = _off_days(self.overrides, year)
        return off


@functools.lru_cache(maxsize=64)
def _off_days(overrides: Overrides, year: int) -> frozenset[date]:
    """The year's days off under the schedule: the same for every calendar made from an equal
    schedule, so worked out once per process, not for each service call's calendar (a
    registration's deadlines checked all 365 days of the year again)."""
    return frozenset(d for d in _days_of(year) if not _is_working_day(overrides, d))


def _is_working_day(overrides: Overrides, d: date) -> bool:
    if d.year in overrides.years:
        # Admin data replaces the package's for the whole year, so a corrected schedule
        # never mixes with the package's stale one.
        if d in overrides.holidays:
            return False
        if d in overrides.workdays:
            return True
    elif d.year in _PACKAGE_YEARS:
        if d in _PACKAGE_WORKDAYS:
            return True
        if d in _PACKAGE_HOLIDAYS:
            return False
    elif d.year > _LAST_PACKAGE_YEAR and d in statutory_holidays(d.year):
        # A future year: the holidays the law fixes are off, whatever the arrangement.
        return False
    return d.weekday() < 5


def _days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=i) for i in range((date(year, 12, 31) - first).days + 1)]


def _check_date(d: date) -> None:
    # A datetime never equals a date, so it would silently miss every holiday lookup.
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"expected a datetime.date, got {type(d).__name__}")
