"""Working-day calendar and deadline arithmetic (RULES.md §5 "Counting days").

Pure Python so the day arithmetic can be tested and reused without a database; the
admin-entered schedule is passed in as `Overrides` by whoever reads it from storage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import chinese_calendar

CALENDAR = "calendar"
WORKING = "working"
UNITS = (CALENDAR, WORKING)

_ONE_DAY = timedelta(days=1)

# The package raises for years it has no data for; its own range check uses the years present
# in its holiday table, so do the same instead of hard-coding the last year it covers.
_PACKAGE_YEARS: frozenset[int] = frozenset(d.year for d in chinese_calendar.holidays)
_PACKAGE_HOLIDAYS: frozenset[date] = frozenset(chinese_calendar.holidays)
_PACKAGE_WORKDAYS: frozenset[date] = frozenset(chinese_calendar.workdays)


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


class WorkCalendar:
    """China's working days: admin overrides, else the chinese_calendar package, else Mon–Fri."""

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
            off = self._off_days[year] = frozenset(
                d for d in _days_of(year) if not self._compute_is_working_day(d)
            )
        return off

    def _compute_is_working_day(self, d: date) -> bool:
        if d.year in self.overrides.years:
            # Admin data replaces the package's for the whole year, so a corrected schedule
            # never mixes with the package's stale one.
            if d in self.overrides.holidays:
                return False
            if d in self.overrides.workdays:
                return True
        elif d.year in _PACKAGE_YEARS:
            if d in _PACKAGE_WORKDAYS:
                return True
            if d in _PACKAGE_HOLIDAYS:
                return False
        return d.weekday() < 5


def _days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=i) for i in range((date(year, 12, 31) - first).days + 1)]


def _check_date(d: date) -> None:
    # A datetime never equals a date, so it would silently miss every holiday lookup.
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"expected a datetime.date, got {type(d).__name__}")
