"""Periods an indicator is computed for: a month, a quarter, a year or any range of days."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    label: str


def month(year: int, m: int) -> Period:
    """The calendar month."""
    last = calendar.monthrange(year, m)[1]
    return Period(date(year, m, 1), date(year, m, last), f"{year}年{m}月")


def quarter(year: int, q: int) -> Period:
    """The quarter (1–4)."""
    first = 3 * (q - 1) + 1
    return Period(date(year, first, 1), month(year, first + 2).end, f"{year}年第{q}季度")


def year(y: int) -> Period:
    """The calendar year."""
    return Period(date(y, 1, 1), date(y, 12, 31), f"{y}年")


def custom(start: date, end: date) -> Period:
    """Any range of days, both ends included."""
    return Period(start, end, f"{start:%Y-%m-%d}至{end:%Y-%m-%d}")


def shift_month(d: date, months: int) -> Period:
    """The month `months` after (or before) the month of `d`."""
    index = d.year * 12 + d.month - 1 + months
    return month(index // 12, index % 12 + 1)


def period_of(kind: str, anchor: date) -> Period:
    """The month, quarter or year containing `anchor`."""
    if kind == "quarter":
        return quarter(anchor.year, (anchor.month - 1) // 3 + 1)
    if kind == "year":
        return year(anchor.year)
    return month(anchor.year, anchor.month)
